"""The one way the seat engine learns of a change made in Postgres outside the grab.

Services record what the engine must learn on the session they write with (app/persistence/engine_changes.py).
`EngineSync.transaction()` is the unit of work every request runs in: it commits, then applies
what the transaction recorded with the engine's atomic scripts (refresh a student, update a
course or the window, take or release a seat) before the answer is sent, so the very next grab,
on any connection and any worker, sees the change. A whole term is re-armed only when nothing
finer can be done (a course armed before the engine kept capacities), or when Redis could not be
reached: then the term is owed a re-arm, which the scheduler settles once Redis answers again.

Each term's changes are read from Postgres and written to Redis under the term's engine lock
(the lock arming takes too), so that an older read never overwrites a newer one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.statuses import EnrollmentStatus
from app.grab.arming import (
    ArmReport,
    arm_term,
    armed_courses,
    armed_students,
    armed_window,
    lock_engine_term,
)
from app.grab.draws import DRAW_GRAB_ID, DrawReport, serve_due_draw
from app.grab.engine import SeatEngine
from app.grab.figures import one_term_figures, redis_roundtrip_s, term_figures
from app.grab.persister import persist_stream
from app.grab.reconciler import ReconcileReport, reconcile
from app.grab.scripts import ScriptCall, run_pipelined
from app.metrics import TermFigures
from app.models import Enrollment, Student, Term
from app.persistence import engine_changes
from app.persistence.engine_changes import (
    ClassChanged,
    CourseChanged,
    EngineChange,
    SeatReleased,
    SeatTaken,
    StudentChanged,
    TermChanged,
    TimetableChanged,
)

log = structlog.get_logger("app.grab.sync")
PIPELINE_CHUNK = 1000
NEEDS_REARM = -1  # update_course.lua: the engine's copy of the course predates capacities


@dataclass
class TermWork:
    """What one term's engine must learn, gathered from a transaction's changes."""

    window: bool = False
    every_course: bool = False
    courses: set[int] = field(default_factory=set)
    students: set[int] = field(default_factory=set)
    seats: list[SeatTaken | SeatReleased] = field(default_factory=list)


async def _draw_seats(session: AsyncSession, term_id: int) -> list[tuple[int, int]]:
    """(student, course) of every confirmed seat the term's draw gave."""
    rows = await session.execute(
        select(Enrollment.student_id, Enrollment.course_id).where(
            Enrollment.term_id == term_id,
            Enrollment.status == EnrollmentStatus.CONFIRMED,
            Enrollment.grab_id.startswith(DRAW_GRAB_ID),
        )
    )
    return [(student_id, course_id) for student_id, course_id in rows]


async def _students_by_term(
    session: AsyncSession, students: set[int], classes: set[int]
) -> list[tuple[int, int]]:
    """(term, student) for every term of the students' schools whose grab has not closed."""
    if not students and not classes:
        return []
    chosen = []
    if students:
        chosen.append(Student.id.in_(students))
    if classes:
        chosen.append(Student.class_id.in_(classes))
    condition = chosen[0] if len(chosen) == 1 else chosen[0] | chosen[1]
    rows = await session.execute(
        select(Term.id, Student.id)
        .join(Student, Student.school_id == Term.school_id)
        .where(condition, Term.round2_closes_at > datetime.now(UTC))
    )
    return [(int(term_id), int(student_id)) for term_id, student_id in rows]


class EngineSync:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        engine: SeatEngine,
        committed: Sequence[Callable[[Sequence[EngineChange]], None]] = (),
    ) -> None:
        self.sessionmaker = sessionmaker
        self.engine = engine
        self.owed: set[int] = set()  # terms whose engine missed a change: re-armed when possible
        # Told of every committed transaction's changes before the engine is: the process's read
        # cache forgets what they touched.
        self.committed = tuple(committed)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction; once it has committed, the engine learns what it recorded."""
        async with self.sessionmaker() as session:
            async with session.begin():
                yield session
            changes = engine_changes.take(session)
            for listener in self.committed:
                listener(changes)
            await self.apply(changes)

    async def plan(self, changes: Sequence[EngineChange]) -> dict[int, TermWork]:
        work: dict[int, TermWork] = defaultdict(TermWork)
        students: set[int] = set()
        classes: set[int] = set()
        for change in changes:
            match change:
                case StudentChanged(student_id):
                    students.add(student_id)
                case ClassChanged(class_id):
                    classes.add(class_id)
                case CourseChanged(term_id, course_id):
                    work[term_id].courses.add(course_id)
                case TermChanged(term_id):
                    work[term_id].window = True
                case TimetableChanged(term_id):
                    work[term_id].every_course = True
                case SeatTaken() | SeatReleased():
                    work[change.term_id].seats.append(change)
        if students or classes:
            async with self.sessionmaker() as session:
                for term_id, student_id in await _students_by_term(session, students, classes):
                    work[term_id].students.add(student_id)
        return work

    async def apply(self, changes: Sequence[EngineChange]) -> None:
        """Apply committed changes to every armed term they concern. Never raises: the change
        is in Postgres, and a term the engine could not learn it for is owed a re-arm."""
        if not changes:
            return
        try:
            work = await self.plan(changes)
        except (SQLAlchemyError, OSError) as error:
            log.error("engine_sync_unplanned", error_type=type(error).__name__)
            return
        for term_id, term_work in work.items():
            try:
                if await self.apply_to_term(term_id, term_work):
                    await arm_term(self.sessionmaker, self.engine, term_id)
            except (RedisError, SQLAlchemyError, OSError) as error:
                log.error("engine_sync_failed", term_id=term_id, error_type=type(error).__name__)
                self.owed.add(term_id)

    async def apply_to_term(self, term_id: int, work: TermWork) -> bool:
        """Apply `work` to the term if the engine holds it (arming reads Postgres anyway when it
        does not); True when the term needs a re-arm instead."""
        async with self.sessionmaker() as session, session.begin():
            await lock_engine_term(session, term_id)
            if not await self.engine.is_armed(term_id):
                return False
            term = await session.get(Term, term_id)
            if term is None:
                return False
            calls: list[ScriptCall] = []
            if work.every_course or work.courses:
                only = None if work.every_course else work.courses
                for course in await armed_courses(session, term, only):
                    calls.append(self.engine.update_course_call(term_id, course))
            if work.students:
                for student in await armed_students(session, term, work.students):
                    calls.append(self.engine.refresh_student_call(term_id, student))
            for seat in work.seats:
                seat_call = (
                    self.engine.take_call
                    if isinstance(seat, SeatTaken)
                    else self.engine.release_call
                )
                calls.append(seat_call(term_id, seat.student_id, seat.course_id))
            if work.window:
                if term.drawn_at is not None and await self.engine.holds_for_draw(term_id):
                    # The end of holding brings the draw's seats with it, read under this lock:
                    # however the engine learns the draw was served (its own sync, a term edit,
                    # a catch-up), no grab runs on counts that miss them.
                    for student_id, course_id in await _draw_seats(session, term_id):
                        calls.append(self.engine.take_call(term_id, student_id, course_id))
                calls.append(self.engine.update_window_call(term_id, armed_window(term)))
            replies: list[Any] = []
            for start in range(0, len(calls), PIPELINE_CHUNK):
                chunk = calls[start : start + PIPELINE_CHUNK]
                replies += await run_pipelined(self.engine.redis, chunk)
        return NEEDS_REARM in replies

    async def arm(self, term_id: int) -> ArmReport:
        """Load the whole term from Postgres into the engine now (an administrator's command)."""
        report = await arm_term(self.sessionmaker, self.engine, term_id)
        self.owed.discard(term_id)
        return report

    async def serve_draw(self, term_id: int, now: datetime) -> DrawReport:
        """Serve round one's draw if due; its seats reach the engine before its end of holding.
        Seats the engine granted and not yet written are written first, so the draw counts
        them."""
        try:
            await persist_stream(self.sessionmaker, self.engine, term_id)
        except RedisError as error:  # the draw is Postgres's: it does not wait for Redis
            log.warning("draw_stream_unread", term_id=term_id, error_type=type(error).__name__)
        async with self.transaction() as session:
            return await serve_due_draw(session, term_id, now)

    async def catch_up_draw(self, term_id: int) -> None:
        """The engine learns a served draw it missed (the process serving it ended before
        telling it, or it is still on its way): its seats, then the end of holding."""
        if await self.engine.holds_for_draw(term_id):
            await self.apply([TermChanged(term_id)])

    async def reconcile(self, term_id: int, actor_id: int | None) -> ReconcileReport:
        """Close the round's books: cancel courses under their minimum, repair the engine."""
        return await reconcile(self.sessionmaker, self.engine, term_id, actor_id)

    async def live_seats(self, term_id: int) -> dict[int, int] | None:
        """Seats left per course as the engine counts them, or None while it does not hold the
        term (readers fall back to Postgres)."""
        if not await self.engine.is_armed(term_id):
            return None
        return await self.engine.seats_left(term_id)

    async def figures(self) -> list[TermFigures]:
        """The engine's figures of every term whose window is open (for /metrics)."""
        return await term_figures(self.sessionmaker, self.engine)

    async def figures_of(self, term_id: int) -> TermFigures | None:
        """The term's engine figures, None while the engine does not hold it."""
        return await one_term_figures(self.engine, term_id)

    async def redis_roundtrip_s(self) -> float:
        return await redis_roundtrip_s(self.engine)

    async def held_by(self, term_id: int, student_id: int) -> list[int]:
        """The courses the engine says the student holds, written to Postgres or not yet."""
        return await self.engine.held_by(term_id, student_id)

    async def held_if_armed(self, term_id: int) -> dict[int, list[int]] | None:
        """What the engine says each student holds, or None while it does not hold the term."""
        return await self.engine.held_if_armed(term_id)

    async def settle_owed(self) -> None:
        """Re-arm the terms whose engine missed a change, now that Redis may answer again."""
        for term_id in sorted(self.owed):
            try:
                if await self.engine.is_armed(term_id):
                    await arm_term(self.sessionmaker, self.engine, term_id)
            except (RedisError, SQLAlchemyError, OSError) as error:
                log.warning(
                    "engine_sync_still_owed", term_id=term_id, error_type=type(error).__name__
                )
                continue
            self.owed.discard(term_id)
