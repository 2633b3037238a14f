"""Fairness at the opening second: per-parent and per-address moving windows, and one grab in
flight per parent, decided by one script call (gate.lua) before the grab; the grab gives the
parent's turn back itself (grab.lua), so an admitted grab costs one extra round trip to Redis.

Limits bind per parent first. The per-address limit stays generous because many families share
one mobile carrier's NAT address; a rehearsal from one machine lifts it in configuration. The
windows live under the term's hash tag: a limit counts a parent's grabs in one term.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog
from limits import RateLimitItem, parse
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.domain.grab_errors import RateLimited
from app.grab.keys import TermKeys
from app.grab.scripts import ScriptRegistry

log = structlog.get_logger("app.grab.ratelimit")
IN_FLIGHT_TTL_MS = 10_000
TERM_LIMITS_TTL_S = 5.0
SAME_ATTEMPT_WAITS = 200
SAME_ATTEMPT_POLL_S = 0.01


@dataclass
class Turn:
    """An admitted attempt. `held`: it holds the parent's turn; `given_back`: the grab script
    ran and gave the turn back."""

    key: str
    held: bool = False
    given_back: bool = False


def _window_ms(item: RateLimitItem) -> int:
    return int(item.get_expiry() * 1000)


class GrabGate:
    def __init__(
        self,
        redis: Redis,
        scripts: ScriptRegistry,
        key_prefix: str,
        per_parent: str,
        per_ip: str,
    ) -> None:
        self.redis = redis
        self._gate = scripts["gate"]
        self.key_prefix = key_prefix
        self.per_parent: RateLimitItem = parse(per_parent)
        self.per_ip: RateLimitItem = parse(per_ip)
        self._term_limits: dict[int, tuple[float, RateLimitItem, RateLimitItem]] = {}

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

    async def _enter(self, keys: TermKeys, turn: Turn, user_id: int, ip: str, attempt: str) -> None:
        per_parent, per_ip = await self._limits(keys.term_id)
        code, wait_ms = await self._gate.run(
            self.redis,
            [keys.parent_window(user_id), keys.address_window(ip), turn.key],
            [
                per_parent.amount, _window_ms(per_parent), per_ip.amount, _window_ms(per_ip),
                attempt, IN_FLIGHT_TTL_MS,
            ],
        )  # fmt: skip
        retry = max(1, math.ceil(int(wait_ms) / 1000))
        if code == "ok":
            turn.held = True
        elif code == "parent":
            raise RateLimited(f"at most {per_parent} grabs per parent", retry_after=retry)
        elif code == "address":
            raise RateLimited(f"at most {per_ip} grabs from one address", retry_after=retry)
        elif code == "busy":
            raise RateLimited("one grab at a time per parent", retry_after=retry)
        else:  # a resend of the attempt in flight: wait for it, then be answered as it was
            for _ in range(SAME_ATTEMPT_WAITS):
                if await self.redis.get(turn.key) != attempt:
                    return
                await asyncio.sleep(SAME_ATTEMPT_POLL_S)

    @asynccontextmanager
    async def admit(
        self, term_id: int, user_id: int, client_ip: str, attempt: str
    ) -> AsyncIterator[Turn]:
        """Enter when the parent is under their limits and has no other grab in flight."""
        keys = TermKeys(self.key_prefix, term_id)
        turn = Turn(keys.in_flight(user_id))
        try:
            await self._enter(keys, turn, user_id, client_ip, attempt)
        except (RedisConnectionError, RedisTimeoutError) as error:
            # Redis away: the gate is a fairness guard, so it steps aside for this request
            # rather than fail it; the grab itself answers 503 if Redis is gone.
            log.warning("rate_limit_unavailable", error_type=type(error).__name__)
        try:
            yield turn
        finally:
            if turn.held and not turn.given_back:
                with contextlib.suppress(RedisConnectionError, RedisTimeoutError):
                    await self.redis.delete(turn.key)  # else it expires by itself
