"""Arms every term shortly before its grab opens, and re-arms one that Redis lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.grab.engine import SeatEngine
from app.grab.service import GrabService
from app.models import Term

log = structlog.get_logger("app.grab.scheduler")


async def terms_to_arm(
    sessionmaker: async_sessionmaker[AsyncSession], lead: timedelta
) -> list[int]:
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Term.id).where(Term.grab_opens_at <= now + lead, Term.round2_closes_at >= now)
        )
        return list(rows)


async def keep_armed(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: SeatEngine,
    grabs: GrabService,
    lead: timedelta,
    poll_s: float,
) -> None:
    while True:
        try:
            for term_id in await terms_to_arm(sessionmaker, lead):
                if not await engine.is_armed(term_id):
                    await grabs.rearm_soon(term_id)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("keep_armed_retry", error_type=type(error).__name__)
        await asyncio.sleep(poll_s)
