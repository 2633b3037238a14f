"""Administrators' overrides, each with a reason in the append-only audit log: enrol a student
outside the window or above capacity, move a student between courses, remove a student (the
freed seat goes to the waitlist when the term keeps one), reopen a cancelled course for round
two. Postgres decides; the seat engine learns each seat taken or released after the commit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import Conflict, RuleViolation
from app.domain.overrides import require_reason
from app.domain.statuses import CourseStatus, EnrollmentStatus
from app.models import Course, Enrollment, Student, Term
from app.persistence.engine_changes import CourseChanged, SeatReleased, record
from app.services.common import (
    Reach,
    get_or_404,
    record_audit,
    term_in_reach,
)
from app.services.placement import lock_courses, place
from app.services.waitlist import admit_next


async def enrol(
    session: AsyncSession,
    principal: Principal,
    term_id: int,
    student_id: int,
    course_id: int,
    reason: str,
    above_capacity: bool,
) -> Enrollment:
    reason = require_reason(reason)
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    student = await get_or_404(session, Student, student_id, "student")
    if student.school_id != term.school_id:
        raise RuleViolation("the student is not of this term's school")
    [course] = await lock_courses(session, term.id, [course_id])
    capacity_before = course.capacity
    enrollment = await place(
        session, term, course, student, principal.user_id, datetime.now(UTC), above_capacity
    )
    record_audit(session, principal.user_id, term, "enrol", reason, student.id, course.id,
        enrollment_id=enrollment.id, capacity_before=capacity_before,
        capacity_after=course.capacity,
    )  # fmt: skip
    await session.flush()
    return enrollment


async def _confirmed_enrollment(
    session: AsyncSession, principal: Principal, enrollment_id: int
) -> tuple[Enrollment, Term]:
    enrollment = await get_or_404(session, Enrollment, enrollment_id, "enrollment")
    term = (await term_in_reach(session, principal, enrollment.term_id, Reach.ADMIN)).term
    if enrollment.status is not EnrollmentStatus.CONFIRMED:
        raise Conflict(f"the enrollment is {enrollment.status.value}, not confirmed")
    return enrollment, term


async def move(
    session: AsyncSession,
    principal: Principal,
    enrollment_id: int,
    to_course_id: int,
    reason: str,
    above_capacity: bool,
) -> Enrollment:
    reason = require_reason(reason)
    enrollment, term = await _confirmed_enrollment(session, principal, enrollment_id)
    from_course_id = enrollment.course_id
    if to_course_id == from_course_id:
        raise RuleViolation("the student is in that course already")
    courses = {
        c.id: c for c in await lock_courses(session, term.id, [from_course_id, to_course_id])
    }
    student = await get_or_404(session, Student, enrollment.student_id, "student")
    await place(
        session, term, courses[to_course_id], student, principal.user_id, datetime.now(UTC),
        above_capacity, leaving=enrollment,
    )  # fmt: skip
    courses[from_course_id].seats_taken -= 1
    record_audit(session, principal.user_id, term, "move", reason, student.id, to_course_id,
        enrollment_id=enrollment.id, from_course_id=from_course_id,
    )  # fmt: skip
    await session.flush()
    await admit_next(session, term, courses[from_course_id])
    return enrollment


async def remove(
    session: AsyncSession, principal: Principal, enrollment_id: int, reason: str
) -> Enrollment:
    reason = require_reason(reason)
    enrollment, term = await _confirmed_enrollment(session, principal, enrollment_id)
    [course] = await lock_courses(session, term.id, [enrollment.course_id])
    enrollment.status = EnrollmentStatus.DISMISSED
    course.seats_taken -= 1
    record(session, SeatReleased(term.id, enrollment.student_id, course.id))
    record_audit(session, principal.user_id, term, "remove", reason, enrollment.student_id, course.id,
        enrollment_id=enrollment.id,
    )  # fmt: skip
    await session.flush()
    await admit_next(session, term, course)
    return enrollment


async def reopen(
    session: AsyncSession, principal: Principal, course_id: int, reason: str
) -> Course:
    """A cancelled course takes grabs again in round two (its students' old seats stay
    cancelled; they grab again like everyone in round two)."""
    reason = require_reason(reason)
    course = await get_or_404(session, Course, course_id, "course")
    term = (await term_in_reach(session, principal, course.term_id, Reach.ADMIN)).term
    if course.status is not CourseStatus.CANCELLED:
        raise Conflict(f"the course is {course.status.value}, not cancelled")
    if datetime.now(UTC) >= term.round2_closes_at:
        raise Conflict("round two is over; a course can be reopened only before it closes")
    course.status = CourseStatus.OPEN
    record(session, CourseChanged(term.id, course.id))
    record_audit(session, principal.user_id, term, "reopen", reason, course_id=course.id)
    await session.flush()
    return course
