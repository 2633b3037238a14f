"""Whether the Redis the seat engine runs on keeps every write through a crash.

A grab answered `202 pending` rests on Redis alone until the persister writes it to Postgres: that
promise holds only if Redis writes every command to its append-only file before answering
(`appendonly yes`, `appendfsync always`). Otherwise, while Postgres cannot take a seat, the grab
takes the seat back and answers 503 `database-unavailable` instead of promising. The setting is
read from Redis and read again every `RECHECK_S`, so a changed configuration is followed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import structlog
from redis.asyncio import Redis, RedisCluster
from redis.exceptions import RedisError

log = structlog.get_logger("app.grab.durability")
RECHECK_S = 30.0


@dataclass(frozen=True)
class Persistence:
    appendonly: str
    appendfsync: str

    @property
    def every_write(self) -> bool:
        return self.appendonly == "yes" and self.appendfsync == "always"

    def describe(self) -> str:
        if self.every_write:
            return "every-write"
        return f"not-every-write (appendonly {self.appendonly}, appendfsync {self.appendfsync})"


UNKNOWN = Persistence("unknown", "unknown")


def _settings(reply: Any) -> Persistence:
    return Persistence(
        str(reply.get("appendonly", "unknown")), str(reply.get("appendfsync", "unknown"))
    )


async def read_persistence(redis: Redis) -> Persistence:
    """Redis's persistence settings; on Redis Cluster the weakest of its primaries. UNKNOWN when
    Redis will not say (CONFIG renamed or refused, as some managed services do)."""
    try:
        if isinstance(redis, RedisCluster):
            replies: Any = await redis.config_get("append*", target_nodes=RedisCluster.PRIMARIES)
            nodes = [_settings(reply) for reply in replies.values()]
            weakest = [node for node in nodes if not node.every_write]
            return weakest[0] if weakest else nodes[0]
        return _settings(await redis.config_get("append*"))
    except RedisError as error:
        log.warning("redis_persistence_unknown", error_type=type(error).__name__)
        return UNKNOWN


class Durability:
    """The engine's Redis persistence, read at most every `recheck_s`."""

    def __init__(self, redis: Redis, recheck_s: float = RECHECK_S) -> None:
        self.redis = redis
        self.recheck_s = recheck_s
        self._known: Persistence | None = None
        self._read_at = 0.0

    async def current(self) -> Persistence:
        now = time.monotonic()
        if self._known is None or now - self._read_at >= self.recheck_s:
            self._known, self._read_at = await read_persistence(self.redis), now
        return self._known

    async def every_write_kept(self) -> bool:
        return (await self.current()).every_write
