"""Arms every term shortly before its grab opens, re-arms one that Redis lost or that missed a
change while Redis was out of reach, and runs the reconciler when a round closes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.opening import Opening
from app.grab.engine import SeatEngine
from app.grab.reconciler import reconcile
from app.grab.service import GrabService
from app.grab.sync import EngineSync
from app.models import ReconcileRun, Term

log = structlog.get_logger("app.grab.scheduler")
RECONCILE_LOCK_S = 300
RECONCILE_WITHIN = timedelta(days=7)


async def terms_to_arm(
    sessionmaker: async_sessionmaker[AsyncSession], lead: timedelta
) -> list[int]:
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        rows = await session.scalars(
            select(Term.id).where(Term.grab_opens_at <= now + lead, Term.round2_closes_at >= now)
        )
        return list(rows)


async def rounds_to_reconcile(
    sessionmaker: async_sessionmaker[AsyncSession], within: timedelta
) -> list[int]:
    """Terms a round of which closed lately and that the reconciler has not run for since."""
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        last_run = (
            select(func.max(ReconcileRun.round))
            .where(ReconcileRun.term_id == Term.id)
            .scalar_subquery()
        )
        closed_round = case((Term.round2_closes_at <= now, 2), else_=1)
        rows = await session.scalars(
            select(Term.id).where(
                Term.closes_at <= now,
                Term.closes_at >= now - within,
                func.coalesce(last_run, 0) < closed_round,
            )
        )
        return list(rows)


async def reconcile_closed_rounds(
    sessionmaker: async_sessionmaker[AsyncSession], engine: SeatEngine, within: timedelta
) -> None:
    for term_id in await rounds_to_reconcile(sessionmaker, within):
        lock = engine.keys(term_id).reconcile_lock
        if await engine.redis.set(lock, "1", nx=True, ex=RECONCILE_LOCK_S):
            try:
                await reconcile(sessionmaker, engine, term_id)
            finally:
                await engine.redis.delete(lock)


async def serve_due_draws(sessionmaker: async_sessionmaker[AsyncSession], sync: EngineSync) -> None:
    """Serve every draw that is due (before the reconciler, which waits for it)."""
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        waiting = await session.scalars(
            select(Term).where(
                Term.opening != Opening.FCFS, Term.drawn_at.is_(None), Term.grab_opens_at <= now
            )
        )
        due = [term.id for term in waiting if (term.draw_at or now) <= now]
    for term_id in due:
        await sync.serve_draw(term_id, now)


async def keep_armed(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: SeatEngine,
    grabs: GrabService,
    lead: timedelta,
    poll_s: float,
) -> None:
    while True:
        try:
            await grabs.sync.settle_owed()
            for term_id in await terms_to_arm(sessionmaker, lead):
                if not await engine.is_armed(term_id):
                    await grabs.rearm_soon(term_id)
            await serve_due_draws(sessionmaker, grabs.sync)
            await reconcile_closed_rounds(sessionmaker, engine, RECONCILE_WITHIN)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("keep_armed_retry", error_type=type(error).__name__)
        await asyncio.sleep(poll_s)
