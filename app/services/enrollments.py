"""Reading enrollments: Postgres rows, plus seats the engine granted that are still being written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.models import Enrollment, Term
from app.services.students import get_student


@dataclass(frozen=True)
class EnrollmentRow:
    id: int | None
    student_id: int
    course_id: int
    status: str
    round: int
    created_at: datetime


class HeldSeats(Protocol):
    """Where seats granted but not yet written can be read (the seat engine, through its sync)."""

    async def held_by(self, term_id: int, student_id: int) -> list[int]: ...


async def of_student(
    session: AsyncSession, principal: Principal, engine: HeldSeats, student_id: int
) -> list[EnrollmentRow]:
    view = await get_student(session, principal, student_id)
    written = await session.scalars(
        select(Enrollment).where(Enrollment.student_id == student_id).order_by(Enrollment.id)
    )
    rows = [
        EnrollmentRow(e.id, e.student_id, e.course_id, e.status.value, e.round, e.grabbed_at)
        for e in written
    ]
    now = datetime.now(UTC)
    open_terms = await session.scalars(
        select(Term).where(
            Term.school_id == view.student.school_id,
            Term.grab_opens_at <= now,
            Term.round2_closes_at >= now,
        )
    )
    known = {(row.course_id) for row in rows}
    for term in open_terms:
        for course_id in await engine.held_by(term.id, student_id):
            if course_id not in known:
                round_now = 1 if now < term.closes_at else 2
                rows.append(EnrollmentRow(None, student_id, course_id, "pending", round_now, now))
    return rows
