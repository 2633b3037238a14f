"""Arms every term shortly before its grab opens, re-arms one that Redis lost or that missed a
change while Redis was out of reach, and runs the reconciler when a round closes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.errors import Conflict
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
                or_(Term.opening == Opening.FCFS, Term.drawn_at.is_not(None)),
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
            except Conflict as refusal:  # e.g. a round closing as this pass began: the next
                log.info("reconcile_deferred", term_id=term_id, reason=str(refusal))
            finally:
                await engine.redis.delete(lock)


async def serve_due_draws(
    sessionmaker: async_sessionmaker[AsyncSession], engine: SeatEngine, sync: EngineSync
) -> None:
    """Serve every draw that is due (before the reconciler, which waits for it), each term on
    its own; and tell the engine of any served draw it still holds attempts for (the process
    that served it ended before telling it)."""
    now = datetime.now(UTC)
    async with sessionmaker() as session:
        drawn_terms = await session.scalars(
            select(Term).where(
                Term.opening != Opening.FCFS,
                Term.grab_opens_at <= now,
                Term.round2_closes_at >= now,
            )
        )
        due, served = [], []
        for term in drawn_terms:
            if term.drawn_at is not None:
                served.append(term.id)
            elif (term.draw_served_from or now) <= now:
                due.append(term.id)
    for term_id in due:
        try:
            await sync.serve_draw(term_id, now)
        except Exception as error:
            log.error("draw_failed", term_id=term_id, error_type=type(error).__name__)
    for term_id in served:
        try:
            await sync.catch_up_draw(term_id)
        except Exception as error:
            log.error("draw_catch_up_failed", term_id=term_id, error_type=type(error).__name__)


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
            await serve_due_draws(sessionmaker, engine, grabs.sync)
            await reconcile_closed_rounds(sessionmaker, engine, RECONCILE_WITHIN)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("keep_armed_retry", error_type=type(error).__name__)
        await asyncio.sleep(poll_s)
