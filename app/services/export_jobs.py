"""Exports too large for one request, made in the background.

A term's attendance or statements grow with the school (a 2,000-pupil term is about 230,000
cells): made inside the request, the caller waits half a minute on a busy machine, holding a
database connection, a worker and a proxy's read timeout, and gets nothing if the phone drops
the connection meanwhile. Past a size they are jobs instead: the request answers `202` with the
job, a worker of any API process makes the file (leased: a crashed worker's job is taken up
again), the job says how far it is, and the file waits a day to be downloaded, as often as
needed. (Streaming the file as it is written would not help: an .xlsx is a zip whose directory
comes last, so nothing usable arrives before the end, and the request would still be held.)"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.access import Principal
from app.domain.errors import DomainError, ExportGone, ExportNotReady, NotFound, TooManyExports
from app.domain.statuses import ExportKind, ExportState
from app.identity.accounts import load_principal
from app.models import CareSession, ExportJob, session_roster
from app.services import exports
from app.services.common import Reach, term_in_reach
from app.services.exports import Export
from app.services.workbook import write_workbook

log = structlog.get_logger("app.services.export_jobs")

# A person's exports waiting or running at once: more is a mistake, or an attack on the workers.
MAX_ACTIVE_PER_PERSON = 3
MAX_ATTEMPTS = 3
# Columns of a statement row, to weigh statements against the cells of an attendance sheet.
STATEMENT_COLUMNS = 10


async def make_export(
    session: AsyncSession,
    principal: Principal,
    kind: ExportKind,
    term_id: int,
    month: str | None = None,
) -> Export:
    """The export itself, checked against the caller (the same rules inside a job or not)."""
    if kind is ExportKind.ATTENDANCE:
        return await exports.term_attendance(session, principal, term_id)
    if kind is ExportKind.STATEMENTS:
        return await exports.term_statements(session, principal, term_id)
    return await exports.term_workload(session, principal, term_id, month)


async def export_cells(session: AsyncSession, kind: ExportKind, term_id: int) -> int:
    """About how many cells the export would hold, counted without making it."""
    if kind is ExportKind.ATTENDANCE:
        cells = await session.scalar(
            select(func.count())
            .select_from(session_roster)
            .join(CareSession, CareSession.id == session_roster.c.session_id)
            .where(CareSession.term_id == term_id)
        )
        return int(cells or 0)
    if kind is ExportKind.STATEMENTS:
        students = await session.scalar(
            text(
                "SELECT count(DISTINCT student_id) FROM ledger_entry WHERE term_id = :term"
            ).bindparams(term=term_id)
        )
        return int(students or 0) * STATEMENT_COLUMNS
    return 0  # a line per teacher


async def inline_export(
    session: AsyncSession,
    principal: Principal,
    kind: ExportKind,
    term_id: int,
    max_cells: int,
) -> Export | ExportJob:
    """The export, when it is small enough to make in a request; else the caller's job for it."""
    await term_in_reach(session, principal, term_id, Reach.ADMIN)  # its size is not for others
    if await export_cells(session, kind, term_id) > max_cells:
        return await request_export(session, principal, kind, term_id)
    return await make_export(session, principal, kind, term_id)


async def request_export(
    session: AsyncSession,
    principal: Principal,
    kind: ExportKind,
    term_id: int,
    month: str | None = None,
) -> ExportJob:
    """A job for the export, or the caller's own job for the same export still waiting or
    running (asking again, or a page reloaded, does not start another)."""
    await term_in_reach(session, principal, term_id, Reach.ADMIN)
    await session.execute(_PERSON_LOCK, {"user_id": principal.user_id})
    active = list(
        await session.scalars(
            select(ExportJob).where(
                ExportJob.requested_by_id == principal.user_id,
                ExportJob.state.in_([ExportState.QUEUED, ExportState.RUNNING]),
            )
        )
    )
    for job in active:
        if (job.kind, job.term_id, job.month) == (kind, term_id, month):
            return job
    if len(active) >= MAX_ACTIVE_PER_PERSON:
        raise TooManyExports(max_active=MAX_ACTIVE_PER_PERSON)
    job = ExportJob(kind=kind, term_id=term_id, month=month, requested_by_id=principal.user_id)
    session.add(job)
    await session.flush()
    await session.refresh(job)
    return job


async def get_job(session: AsyncSession, principal: Principal, job_id: int) -> ExportJob:
    """The caller's own job; anyone else's is not found (whether it exists is not told)."""
    job = await session.get(ExportJob, job_id)
    if job is None or job.requested_by_id != principal.user_id:
        raise NotFound(f"export job {job_id} not found")
    return job


async def job_file(session: AsyncSession, principal: Principal, job_id: int) -> ExportJob:
    """The job, with its file there to download, to its requester while they still may make it
    (an administrator who has left the school downloads nothing)."""
    job = await get_job(session, principal, job_id)
    await term_in_reach(session, principal, job.term_id, Reach.ADMIN)
    if job.state in (ExportState.QUEUED, ExportState.RUNNING):
        raise ExportNotReady(state=job.state.value)
    if job.state is not ExportState.DONE or job.content is None:
        raise ExportGone(state=job.state.value)
    return job


_CLAIM = text(
    """
    UPDATE export_job
    SET state = 'running', lease_token = :token, leased_until = :until,
        attempts = attempts + 1, started_at = coalesce(started_at, :now)
    WHERE id = (
        SELECT id FROM export_job
        WHERE state = 'queued'
           OR (state = 'running' AND leased_until < :now AND attempts < :tries)
        ORDER BY id
        LIMIT 1
        FOR UPDATE SKIP LOCKED
    )
    RETURNING id, attempts
    """
)
# A job whose worker died on each of its tries (a file too large for the process, say) is not
# taken up again by the next: it fails.
_GIVE_UP = text(
    """
    UPDATE export_job
    SET state = 'failed', error = 'internal-error', lease_token = NULL, leased_until = NULL
    WHERE state = 'running' AND leased_until < :now AND attempts >= :tries
    """
)
# One person's requests for exports, one at a time: the second of two quick clicks finds the
# first's job instead of making another, and the limit holds.
_PERSON_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('kehou.exports'), :user_id)")


@dataclass
class ExportWorker:
    """Makes the exports that wait, one at a time per process (each is mostly CPU)."""

    sessionmaker: async_sessionmaker[AsyncSession]
    lease: timedelta = timedelta(seconds=60)
    kept: timedelta = timedelta(days=1)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def run_due(self) -> int:
        """Make every export waiting now; the number made or failed."""
        handled = 0
        while (claimed := await self._claim()) is not None:
            await self._make(*claimed)
            handled += 1
        await self.expire()
        return handled

    async def run(self, poll_s: float) -> None:
        while True:
            try:
                await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("export_worker_retry", error_type=type(error).__name__)
            await asyncio.sleep(poll_s)

    async def _claim(self) -> tuple[int, str, int] | None:
        token = str(uuid.uuid4())
        now = self.clock()
        async with self.sessionmaker() as session, session.begin():
            await session.execute(_GIVE_UP, {"now": now, "tries": MAX_ATTEMPTS})
            row = (
                await session.execute(
                    _CLAIM,
                    {"token": token, "until": now + self.lease, "now": now, "tries": MAX_ATTEMPTS},
                )
            ).first()
        return None if row is None else (row.id, token, row.attempts)

    async def _make(self, job_id: int, token: str, attempts: int) -> None:
        progress = _Progress()
        renewing = asyncio.create_task(self._renew(job_id, token, progress))
        try:
            async with self.sessionmaker() as session:
                job = await session.get(ExportJob, job_id)
                assert job is not None
                _, principal = await load_principal(session, job.requested_by_id)
                export = await make_export(session, principal, job.kind, job.term_id, job.month)
            progress.total = len(export.sheets)
            output = await asyncio.to_thread(write_workbook, export.sheets, progress.written)
            with output:
                content = output.read()
        except DomainError as refused:  # the requester lost the right meanwhile, say
            await self._finish(job_id, token, state=ExportState.FAILED, error=refused.slug)
            return
        except Exception as error:
            log.warning("export_failed", job_id=job_id, error_type=type(error).__name__)
            if attempts >= MAX_ATTEMPTS:
                await self._finish(job_id, token, state=ExportState.FAILED, error="internal-error")
            else:
                await self._finish(job_id, token, state=ExportState.QUEUED)
            return
        finally:
            renewing.cancel()
        now = self.clock()
        await self._finish(
            job_id,
            token,
            state=ExportState.DONE,
            content=content,
            size_bytes=len(content),
            filename=export.filename,
            fallback_filename=export.fallback,
            sheets_done=progress.total,
            sheets_total=progress.total,
            finished_at=now,
            expires_at=now + self.kept,
        )
        log.info("export_made", job_id=job_id, size_bytes=len(content), sheets=progress.total)

    async def _renew(self, job_id: int, token: str, progress: _Progress) -> None:
        """Hold the lease while the job runs, and tell how far it is."""
        while True:
            await asyncio.sleep(min(1.0, self.lease.total_seconds() / 3))
            async with self.sessionmaker() as session, session.begin():
                await session.execute(
                    update(ExportJob)
                    .where(ExportJob.id == job_id, ExportJob.lease_token == token)
                    .values(
                        leased_until=self.clock() + self.lease,
                        sheets_done=progress.done,
                        sheets_total=progress.total,
                    )
                )

    async def _finish(self, job_id: int, token: str, **values: object) -> None:
        """Record the outcome, if the job is still this worker's (its lease may have run out
        and another worker taken it up)."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(ExportJob)
                .where(ExportJob.id == job_id, ExportJob.lease_token == token)
                .values(lease_token=None, leased_until=None, **values)
            )

    async def expire(self) -> int:
        """Drop the files past their day."""
        async with self.sessionmaker() as session, session.begin():
            dropped = await session.execute(
                update(ExportJob)
                .where(ExportJob.state == ExportState.DONE, ExportJob.expires_at < self.clock())
                .values(state=ExportState.EXPIRED, content=None)
            )
        return int(dropped.rowcount or 0)  # type: ignore[attr-defined]


@dataclass
class _Progress:
    total: int | None = None
    done: int = 0

    def written(self, sheets: int) -> None:
        self.done = sheets
