"""Fairness at the opening second: per-parent and per-IP moving windows (the `limits` library on
Redis), and one grab in flight per parent.

Limits bind per parent first. The per-IP limit stays generous because many families share one
mobile carrier's NAT address; a rehearsal from one machine lifts it in configuration.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import RedisClusterStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.domain.grab_errors import RateLimited
from app.grab.keys import TermKeys

log = structlog.get_logger("app.grab.ratelimit")
IN_FLIGHT_TTL_MS = 10_000
TERM_LIMITS_TTL_S = 5.0
SAME_ATTEMPT_WAITS = 200
SAME_ATTEMPT_POLL_S = 0.01


def limits_storage_uri(redis_url: str) -> str:
    for scheme, replacement in (
        ("unix://", "async+redis+unix://"),
        ("rediss://", "async+rediss://"),
        ("redis+cluster://", "async+redis+cluster://"),
        ("redis://", "async+redis://"),
    ):
        if redis_url.startswith(scheme):
            return replacement + redis_url[len(scheme) :]
    raise ValueError(f"unsupported Redis URL for rate limits: {redis_url.split('://')[0]}")


class GrabGate:
    def __init__(
        self, redis: Redis, redis_url: str, key_prefix: str, per_parent: str, per_ip: str
    ) -> None:
        uri = limits_storage_uri(redis_url)
        prefix = f"{key_prefix}limits"
        storage: RedisStorage | RedisClusterStorage
        if "+cluster" in uri:
            # With redis-py 8, limits' redis-py cluster storage failed on its first call here
            # (a connection without a writer); its coredis one works.
            storage = RedisClusterStorage(uri, implementation="coredis", key_prefix=prefix)
        else:
            storage = RedisStorage(uri, implementation="redispy", key_prefix=prefix)
        self.limiter = MovingWindowRateLimiter(storage)
        self.per_parent: RateLimitItem = parse(per_parent)
        self.per_ip: RateLimitItem = parse(per_ip)
        self.redis = redis
        self.key_prefix = key_prefix
        self._term_limits: dict[int, tuple[float, RateLimitItem, RateLimitItem]] = {}

    async def _retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        stats = await self.limiter.get_window_stats(item, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def _limits(self, term_id: int) -> tuple[RateLimitItem, RateLimitItem]:
        """The term's own limits (armed with it), else the deployment's; cached a few seconds."""
        cached = self._term_limits.get(term_id)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        per_parent, per_ip = await self.redis.hmget(
            TermKeys(self.key_prefix, term_id).armed, ["limit_per_parent", "limit_per_ip"]
        )
        limits = (
            parse(str(per_parent)) if per_parent else self.per_parent,
            parse(str(per_ip)) if per_ip else self.per_ip,
        )
        self._term_limits[term_id] = (now + TERM_LIMITS_TTL_S, *limits)
        return limits

    async def _check(self, term_id: int, user_id: int, client_ip: str) -> None:
        per_parent, per_ip = await self._limits(term_id)
        if not await self.limiter.hit(per_parent, "parent", str(user_id)):
            retry = await self._retry_after(per_parent, "parent", str(user_id))
            raise RateLimited(f"at most {per_parent} grabs per parent", retry_after=retry)
        if not await self.limiter.hit(per_ip, "ip", client_ip):
            retry = await self._retry_after(per_ip, "ip", client_ip)
            raise RateLimited(f"at most {per_ip} grabs from one address", retry_after=retry)

    async def _take_turn(self, in_flight: str, attempt: str) -> bool:
        """Hold the parent's single turn. A resend of the attempt in flight (same Idempotency-Key)
        waits for it and then goes through, to be answered with the first answer; a different
        attempt is turned away."""
        for _ in range(SAME_ATTEMPT_WAITS):
            if await self.redis.set(in_flight, attempt, nx=True, px=IN_FLIGHT_TTL_MS):
                return True
            holder = await self.redis.get(in_flight)
            if holder is not None and holder != attempt:
                raise RateLimited("one grab at a time per parent", retry_after=1)
            await asyncio.sleep(SAME_ATTEMPT_POLL_S)
        return False

    @asynccontextmanager
    async def admit(
        self, term_id: int, user_id: int, client_ip: str, attempt: str
    ) -> AsyncIterator[None]:
        """Enter when the parent is under their limits and has no other grab in flight."""
        in_flight = f"{self.key_prefix}inflight:{user_id}"
        holding = False
        try:
            await self._check(term_id, user_id, client_ip)
            holding = await self._take_turn(in_flight, attempt)
        except (RedisConnectionError, RedisTimeoutError, NoScriptError) as error:
            # Redis away, or its script cache just emptied under the limiter's own scripts (a
            # flush, a restart, a failover): the gate is a fairness guard, so it steps aside for
            # this request rather than fail it; the grab itself answers 503 if Redis is gone.
            log.warning("rate_limit_unavailable", error_type=type(error).__name__)
        try:
            yield
        finally:
            if holding:
                with contextlib.suppress(RedisConnectionError, RedisTimeoutError):
                    await self.redis.delete(in_flight)  # else it expires by itself
