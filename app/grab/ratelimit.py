"""Fairness at the opening second: per-parent and per-address moving windows, and one grab in
flight per parent, decided by gate.lua, sent in one pipeline right before grab.lua: the grab goes
on only when the gate gave the attempt the parent's turn, and gives the turn back itself. A grab
and its gate are one round trip to Redis.

Limits bind per parent first. The per-address limit stays generous because many families share
one mobile carrier's NAT address; a rehearsal from one machine lifts it in configuration. The
windows live under the term's hash tag: a limit counts a parent's grabs in one term.
"""

from __future__ import annotations

import math
import time
from typing import Any

import structlog
from limits import RateLimitItem, parse
from redis.asyncio import Redis

from app.domain.grab_errors import RateLimited
from app.grab.keys import TermKeys
from app.grab.scripts import ScriptCall, ScriptRegistry

log = structlog.get_logger("app.grab.ratelimit")
IN_FLIGHT_TTL_MS = 10_000
TERM_LIMITS_TTL_S = 5.0


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

    async def call(self, term_id: int, user_id: int, client_ip: str, attempt: str) -> ScriptCall:
        """The gate's script call for this attempt, to be sent right before the grab's."""
        per_parent, per_ip = await self._limits(term_id)
        keys = TermKeys(self.key_prefix, term_id)
        return ScriptCall(
            self._gate,
            [keys.parent_window(user_id), keys.address_window(client_ip), keys.in_flight(user_id)],
            [
                per_parent.amount, _window_ms(per_parent), per_ip.amount, _window_ms(per_ip),
                attempt, IN_FLIGHT_TTL_MS,
            ],
        )  # fmt: skip

    async def refusal(self, term_id: int, reply: list[Any]) -> RateLimited | None:
        """What the gate's reply means for the attempt: None when it was admitted (or is the
        resend of the attempt in flight, answered like it), else the 429 to give."""
        code, wait_ms = str(reply[0]), int(reply[1])
        if code in ("ok", "same"):
            return None
        per_parent, per_ip = await self._limits(term_id)
        retry = max(1, math.ceil(wait_ms / 1000))
        if code == "parent":
            return RateLimited(f"at most {per_parent} grabs per parent", retry_after=retry)
        if code == "address":
            return RateLimited(f"at most {per_ip} grabs from one address", retry_after=retry)
        return RateLimited("one grab at a time per parent", retry_after=retry)
