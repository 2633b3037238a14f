"""The reconciler: after a round closes, every extension course under its minimum size is
cancelled (撤班) exactly once, its enrollments become cancelled by the school and its seats free;
the others open (开班). Its students may then grab in round two. It also audits Redis against
Postgres (seats left + confirmed = capacity, per course) and repairs drift by re-arming.

After round two, a course still under its minimum (one an admin reopened) is cancelled or opened
anyway, as the term says. The guardians of every cancelled seat are told, in the same transaction
(the notice outbox), and, after round one, told again when round two opens.

Set-based SQL in one transaction under a Postgres advisory lock: two runs at once are one run and
an idempotent no-op. Each run stores its report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.errors import Conflict, NotFound
from app.domain.opening import Opening
from app.grab.arming import arm_term
from app.grab.engine import SeatEngine
from app.grab.persister import persist_stream
from app.models import ReconcileRun, Term, UnderMinPolicy
from app.notify import messages
from app.notify.messages import CancelledSeat
from app.notify.outbox import enqueue

log = structlog.get_logger("app.grab.reconciler")

_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('kehou.reconcile'), :term_id)")

_CANCEL = text(
    """
    WITH counted AS (
        SELECT c.id, c.min_size,
               (SELECT count(*) FROM enrollment e
                WHERE e.course_id = c.id AND e.status = 'confirmed') AS confirmed
        FROM course c
        WHERE c.term_id = :term_id AND c.status = 'open' AND c.kind IN ('extension', 'hybrid')
          AND NOT :open_anyway
    )
    UPDATE course SET status = 'cancelled', seats_taken = 0, version = version + 1
    FROM counted
    WHERE course.id = counted.id AND counted.confirmed < counted.min_size
    RETURNING course.id
    """
)

_RELEASE = text(
    """
    WITH released AS (
        UPDATE enrollment SET status = 'cancelled_by_school'
        WHERE course_id = ANY(:courses) AND status = 'confirmed'
        RETURNING id, student_id, course_id
    )
    SELECT r.id, r.student_id, s.name, g.user_id, c.name, c.min_size
    FROM released r
    JOIN student s ON s.id = r.student_id
    JOIN course c ON c.id = r.course_id
    LEFT JOIN guardianship g ON g.student_id = r.student_id AND g.status = 'confirmed'
    """
)

_OPEN = text(
    """
    UPDATE course SET status = 'confirmed', version = version + 1
    WHERE term_id = :term_id AND status = 'open' AND kind IN ('extension', 'hybrid')
    RETURNING id
    """
)

_CONFIRMED = text(
    """
    SELECT c.id, c.capacity,
           (SELECT count(*) FROM enrollment e WHERE e.course_id = c.id AND e.status = 'confirmed')
    FROM course c
    WHERE c.term_id = :term_id AND c.kind IN ('extension', 'hybrid')
    """
)


@dataclass
class ReconcileReport:
    term_id: int
    round: int
    opened: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    students_affected: list[int] = field(default_factory=list)
    drift: list[dict[str, int]] = field(default_factory=list)
    grabs_written_first: int = 0
    notices: int = 0
    run_id: int | None = None
    finished_at: str = ""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


async def _notify_cancelled(
    session: AsyncSession, term: Term, round_closed: int, seats: list[CancelledSeat]
) -> int:
    """Tell the guardians of every cancelled seat, and, after round one, when round two opens."""
    last_round = round_closed == 2
    notices = [
        messages.course_cancelled(seat, term.round2_opens_at, term.round2_closes_at, last_round)
        for seat in seats
    ]
    if not last_round:
        notices += [
            messages.round_two_opens(term.id, seat, term.round2_opens_at, term.round2_closes_at)
            for seat in seats
        ]
    return await enqueue(session, notices)


def closed_round(term: Term, now: datetime) -> int:
    """The round whose close the reconciler follows: 1 after the window, 2 after round two."""
    if now >= term.round2_closes_at:
        return 2
    if now >= term.closes_at:
        return 1
    raise Conflict("the registration window is still open; reconcile after it closes")


async def _drift(session: AsyncSession, engine: SeatEngine, term_id: int) -> list[dict[str, int]]:
    if not await engine.is_armed(term_id):
        return []
    seats = await engine.seats_left(term_id)
    found = []
    for course_id, capacity, confirmed in await session.execute(_CONFIRMED, {"term_id": term_id}):
        left = seats.get(course_id)
        if left is not None and left + confirmed != capacity:
            found.append(
                {
                    "course_id": course_id,
                    "redis_seats_left": left,
                    "confirmed": confirmed,
                    "capacity": capacity,
                }
            )
    return found


async def reconcile(
    sessionmaker: async_sessionmaker[AsyncSession],
    engine: SeatEngine,
    term_id: int,
    actor_id: int | None = None,
    now: datetime | None = None,
) -> ReconcileReport:
    now = now or datetime.now(UTC)
    async with sessionmaker() as session:
        term = await session.get(Term, term_id)
        if term is None:
            raise NotFound(f"no term {term_id}")
        round_closed = closed_round(term, now)
    report = ReconcileReport(term_id, round_closed)
    report.grabs_written_first = await persist_stream(sessionmaker, engine, term_id)
    async with sessionmaker() as session, session.begin():
        await session.execute(_LOCK, {"term_id": term_id})
        report.drift = await _drift(session, engine, term_id)
        term = await session.get(Term, term_id)
        assert term is not None
        if term.opening is not Opening.FCFS and term.drawn_at is None:
            raise Conflict("round one's draw is not served yet: its seats are still to be given")
        open_anyway = round_closed == 2 and term.under_min_after_round2 is UnderMinPolicy.OPEN
        report.cancelled = sorted(
            await session.scalars(_CANCEL, {"term_id": term_id, "open_anyway": open_anyway})
        )
        if report.cancelled:
            released = await session.execute(_RELEASE, {"courses": report.cancelled})
            seats = [CancelledSeat(*row) for row in released.all()]
            report.students_affected = sorted({seat.student_id for seat in seats})
            report.notices = await _notify_cancelled(
                session,
                term,
                round_closed,
                [seat for seat in seats if seat.guardian_id is not None],
            )
        report.opened = sorted(await session.scalars(_OPEN, {"term_id": term_id}))
        report.finished_at = datetime.now(UTC).isoformat()
        run = ReconcileRun(
            term_id=term_id,
            round=round_closed,
            actor_id=actor_id,
            report=report.as_json(),
            finished_at=datetime.now(UTC),
        )
        session.add(run)
        await session.flush()
        report.run_id = run.id
    # Postgres decided; Redis follows: cancelled courses refuse, their students enter round two,
    # and any drift found above is repaired from Postgres.
    await arm_term(sessionmaker, engine, term_id)
    log.info(
        "reconciled",
        term_id=term_id,
        round=round_closed,
        opened=len(report.opened),
        cancelled=len(report.cancelled),
        students_affected=len(report.students_affected),
        drift=len(report.drift),
    )
    return report


async def last_runs(session: AsyncSession, term_id: int) -> list[ReconcileRun]:
    rows = await session.scalars(
        select(ReconcileRun).where(ReconcileRun.term_id == term_id).order_by(ReconcileRun.id)
    )
    return list(rows)
