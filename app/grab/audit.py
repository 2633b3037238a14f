"""`kehou audit --term ID`: read a term's seats from Postgres and the seat engine and check the
invariants (app/domain/invariants.py). Reads only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain.eligibility import slot_of
from app.domain.errors import NotFound
from app.domain.invariants import (
    Check,
    CourseCount,
    engine_agrees,
    over_capacity,
    time_conflicts,
    twice_in_a_course,
)
from app.domain.statuses import EnrollmentStatus
from app.grab.engine import SeatEngine
from app.models import GRABBABLE, Course, Enrollment, Term
from app.persistence.calendar import term_timetable


@dataclass
class AuditReport:
    term_id: int
    courses: int
    confirmed: int
    armed: bool
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def lines(self) -> list[str]:
        head = (
            f"term {self.term_id}: {self.courses} courses, {self.confirmed} confirmed seats, "
            f"engine {'armed' if self.armed else 'not armed'}"
        )
        out = [head]
        for check in self.checks:
            out.append(f"{'ok    ' if check.ok else 'BREACH'} {check.name}")
            out += [f"         {breach}" for breach in check.breaches[:20]]
            if len(check.breaches) > 20:
                out.append(f"         … and {len(check.breaches) - 20} more")
        return out


async def _read(
    session: AsyncSession, term_id: int
) -> tuple[Term, list[Course], list[tuple[int, int]]]:
    term = await session.get(Term, term_id)
    if term is None:
        raise NotFound(f"no term {term_id}")
    courses = list(
        await session.scalars(
            select(Course).where(Course.term_id == term_id, Course.kind.in_(GRABBABLE))
        )
    )
    seats = await session.execute(
        select(Enrollment.student_id, Enrollment.course_id).where(
            Enrollment.term_id == term_id, Enrollment.status == EnrollmentStatus.CONFIRMED
        )
    )
    return term, courses, [(s, c) for s, c in seats]


async def audit_term(
    sessionmaker: async_sessionmaker[AsyncSession], engine: SeatEngine, term_id: int
) -> AuditReport:
    async with sessionmaker() as session:
        term, courses, seats = await _read(session, term_id)
        timetable = await term_timetable(session, term)
    confirmed = Counter(course for _, course in seats)
    counts = [CourseCount(c.id, c.capacity, c.seats_taken, confirmed[c.id]) for c in courses]
    slots = {c.id: slot_of(c, timetable) for c in courses}
    report = AuditReport(term_id, len(courses), len(seats), await engine.is_armed(term_id))
    report.checks = [
        over_capacity(counts),
        twice_in_a_course(seats),
        time_conflicts(seats, slots),
    ]
    if report.armed:
        held = await engine.held(term_id)
        report.checks += engine_agrees(seats, held, counts, await engine.seats_left(term_id))
    return report
