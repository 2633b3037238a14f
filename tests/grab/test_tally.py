"""The opening page's tally: answers counted in the worker reach the term's hash in Redis at the
next flush, summed over workers, and are kept for the next flush when Redis does not answer."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from app.embedded import RedisServer
from app.grab.tally import OutcomeTally
from app.resources import Resources


async def test_two_workers_tallies_add_up_in_redis(quiet_app: FastAPI) -> None:
    resources: Resources = quiet_app.state.resources
    first = OutcomeTally(resources.redis, resources.settings.redis_key_prefix)
    second = OutcomeTally(resources.redis, resources.settings.redis_key_prefix)
    for _ in range(3):
        first.record(7, "confirmed")
    second.record(7, "confirmed")
    second.record(7, "course-full")
    second.record(8, "rate-limited")
    assert await first.read(7) == {}  # nothing until a flush
    await first.flush()
    await second.flush()
    await second.flush()  # nothing new: nothing added twice
    assert await first.read(7) == {"confirmed": 4, "course-full": 1}
    assert await first.read(8) == {"rate-limited": 1}


async def test_a_flush_redis_does_not_answer_is_kept_for_the_next(
    scratch_redis: RedisServer,
) -> None:
    redis = Redis.from_url(scratch_redis.url, decode_responses=True)
    try:
        tally = OutcomeTally(redis, "kehou-tally-test:")
        tally.record(7, "engine-rebuilding")
        scratch_redis.kill()  # no persistence: it comes back empty
        with pytest.raises((RedisConnectionError, OSError)):
            await tally.flush()
        tally.record(7, "engine-rebuilding")
        scratch_redis.start()
        await tally.flush()
        assert await tally.read(7) == {"engine-rebuilding": 2}
    finally:
        await redis.aclose()
