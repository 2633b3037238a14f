"""The seat engine's figures for `/metrics`, read from Redis when scraped: seats left per course,
and how far the stream of granted seats is from Postgres, for every term whose window is open."""

from __future__ import annotations

import time
from typing import Any

from redis.exceptions import ResponseError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.grab.engine import SeatEngine
from app.grab.persister import GROUP, active_terms, entry_ms
from app.metrics import TermFigures


async def term_figures(
    sessionmaker: async_sessionmaker[AsyncSession], engine: SeatEngine
) -> list[TermFigures]:
    figures = []
    for term_id in await active_terms(sessionmaker):
        found = await one_term_figures(engine, term_id)
        if found is not None:
            figures.append(found)
    return figures


async def one_term_figures(engine: SeatEngine, term_id: int) -> TermFigures | None:
    """The term's figures, or None while the engine does not hold it."""
    if not await engine.is_armed(term_id):
        return None
    stream = engine.keys(term_id).stream
    pipe = engine.redis.pipeline(transaction=False)
    pipe.hgetall(engine.keys(term_id).seats)
    pipe.xlen(stream)
    pipe.xrange(stream, count=1)
    pipe.time()
    seats, length, oldest, (seconds, microseconds) = await pipe.execute()
    return TermFigures(
        term_id=term_id,
        seats_left={int(course): int(left) for course, left in seats.items()},
        stream_length=int(length),
        stream_pending=await _pending(engine, stream),
        oldest_entry_age_s=_age_s(oldest, seconds * 1000 + microseconds // 1000),
    )


async def _pending(engine: SeatEngine, stream: str) -> int:
    """Entries read by a persister and not acknowledged; 0 while the stream has never had an
    entry."""
    try:
        groups: list[dict[str, Any]] = await engine.redis.xinfo_groups(stream)
    except ResponseError:  # no such stream
        return 0
    return sum(int(group["pending"]) for group in groups if group["name"] == GROUP)


def _age_s(oldest: list[tuple[str, Any]], now_ms: int) -> float:
    if not oldest:
        return 0.0
    return max(0.0, (now_ms - entry_ms(oldest[0][0])) / 1000)


async def redis_roundtrip_s(engine: SeatEngine) -> float:
    started = time.perf_counter()
    await engine.redis.ping()
    return time.perf_counter() - started
