"""Placing a student in a course outside the grab (an administrator's override, a waitlist
admission): the same checks the engine makes, against Postgres, under the course's row lock."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.eligibility import slot_of
from app.domain.errors import NotFound, RuleViolation
from app.domain.grab_errors import AlreadyEnrolled
from app.domain.overrides import Seat, capacity_after_placement
from app.domain.schedule import TimeSlot, Timetable
from app.domain.statuses import CourseStatus, EnrollmentStatus
from app.models import Course, CourseKind, Enrollment, SchoolClass, Student, Term
from app.persistence.calendar import term_timetable
from app.persistence.engine_changes import CourseChanged, SeatReleased, SeatTaken, record


def round_at(term: Term, moment: datetime) -> int:
    """The round a seat taken at `moment` belongs to: 1 until the window closes, then 2."""
    return 1 if moment < term.closes_at else 2


async def lock_courses(
    session: AsyncSession, term_id: int, course_ids: Iterable[int]
) -> list[Course]:
    """The courses, locked FOR UPDATE in id order (the order every writer takes them in)."""
    wanted = sorted(set(course_ids))
    rows = list(
        await session.scalars(
            select(Course).where(Course.id.in_(wanted)).order_by(Course.id).with_for_update()
        )
    )
    if len(rows) != len(wanted):
        raise NotFound(f"no course {sorted(set(wanted) - {c.id for c in rows})[0]}")
    for course in rows:
        if course.term_id != term_id:
            raise RuleViolation(f"course {course.id} belongs to another term")
        if course.kind is CourseKind.BASIC:
            raise RuleViolation("basic care is applied for, not placed in")
    return rows


async def _held_slots(
    session: AsyncSession,
    term_id: int,
    student_id: int,
    timetable: Timetable,
    leaving: int | None,
) -> list[TimeSlot]:
    held = await session.scalars(
        select(Course)
        .join(Enrollment, Enrollment.course_id == Course.id)
        .where(
            Enrollment.term_id == term_id,
            Enrollment.student_id == student_id,
            Enrollment.status == EnrollmentStatus.CONFIRMED,
        )
    )
    return [slot_of(course, timetable) for course in held if course.id != leaving]


async def place(
    session: AsyncSession,
    term: Term,
    course: Course,
    student: Student,
    actor_id: int,
    moment: datetime,
    above_capacity: bool = False,
    leaving: Enrollment | None = None,
) -> Enrollment:
    """Give `student` a confirmed seat in the locked `course` (moving `leaving` into it when
    given). Raises the grab's refusals for the rules no override lifts."""
    timetable = await term_timetable(session, term)
    grade = await session.scalar(
        select(SchoolClass.grade).where(SchoolClass.id == student.class_id)
    )
    assert grade is not None
    enrolled = await session.scalar(
        select(Enrollment.id).where(
            Enrollment.student_id == student.id,
            Enrollment.course_id == course.id,
            Enrollment.status == EnrollmentStatus.CONFIRMED,
        )
    )
    if enrolled is not None:
        raise AlreadyEnrolled()
    seat = Seat(
        grades=frozenset(course.grades),
        slot=slot_of(course, timetable),
        capacity=course.capacity,
        seats_taken=course.seats_taken,
        cancelled=course.status is CourseStatus.CANCELLED,
    )
    held = await _held_slots(
        session, term.id, student.id, timetable, leaving.course_id if leaving else None
    )
    rule = timetable.rules(course.period)[grade]
    capacity = capacity_after_placement(grade, rule, seat, held, above_capacity)
    if capacity != course.capacity:
        record(session, CourseChanged(term.id, course.id))
    course.capacity = capacity
    course.seats_taken += 1
    record(session, SeatTaken(term.id, student.id, course.id))
    if leaving is not None:
        record(session, SeatReleased(term.id, student.id, leaving.course_id))
        leaving.course_id = course.id
        enrollment = leaving
    else:
        enrollment = Enrollment(
            term_id=term.id,
            student_id=student.id,
            course_id=course.id,
            round=round_at(term, moment),
            user_id=actor_id,
            grabbed_at=moment,
        )
        session.add(enrollment)
    await session.flush()
    return enrollment
