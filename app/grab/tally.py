"""Grab answers per term and outcome, for the administrator's opening page. Each worker counts in
memory and adds what it gathered to the term's tally in Redis once a second, in one round trip:
nothing is added to the grab's own path but a dictionary increment."""

from __future__ import annotations

import asyncio
from collections import Counter

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.grab.keys import TermKeys

log = structlog.get_logger("app.grab.tally")
FLUSH_S = 1.0
# A term's tally outlives its opening by weeks (a school reviews it), then goes.
TALLY_TTL_S = 60 * 24 * 3600


class OutcomeTally:
    def __init__(self, redis: Redis, key_prefix: str) -> None:
        self.redis = redis
        self.key_prefix = key_prefix
        self._counts: Counter[tuple[int, str]] = Counter()

    def record(self, term_id: int, outcome: str) -> None:
        self._counts[(term_id, outcome)] += 1

    async def flush(self) -> None:
        """Add what this worker counted to the terms' tallies; kept for the next flush when
        Redis does not answer (or when a reply is lost after Redis applied it, counted twice:
        a display's figure, where a rare double count beats a lost one)."""
        if not self._counts:
            return
        taken, self._counts = self._counts, Counter()
        pipe = self.redis.pipeline(transaction=False)
        for (term_id, outcome), count in taken.items():
            key = TermKeys(self.key_prefix, term_id).outcomes
            pipe.hincrby(key, outcome, count)
            pipe.expire(key, TALLY_TTL_S)
        try:
            await pipe.execute()
        except BaseException:  # Redis away, or the worker stopping mid-flush: kept, not lost
            self._counts.update(taken)
            raise

    async def read(self, term_id: int) -> dict[str, int]:
        raw = await self.redis.hgetall(TermKeys(self.key_prefix, term_id).outcomes)
        return {str(outcome): int(count) for outcome, count in raw.items()}

    async def run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_S)
            try:
                await self.flush()
            except (RedisError, OSError) as error:
                log.warning("tally_kept_for_next_flush", error_type=type(error).__name__)
