"""The waitlist (候补; a per-term setting, off by default): a parent puts a child down for a full
course; when a seat frees (a removal, a move, a dismissal) the first waiting student who can take
it gets it, and the family is told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import Conflict, NotYourChild, RuleViolation
from app.domain.grab_errors import GrabRefused
from app.domain.statuses import CourseStatus, EnrollmentStatus, WaitlistState
from app.models import Course, CourseKind, Enrollment, Student, Term, WaitlistEntry
from app.notify.outbox import NewNotice, enqueue, guardians_of
from app.services.common import (
    Reach,
    flush_or_conflict,
    get_or_404,
    term_in_reach,
)
from app.services.placement import place
from app.services.students import act_for_student


async def join(
    session: AsyncSession, principal: Principal, term_id: int, student_id: int, course_id: int
) -> WaitlistEntry:
    student = await act_for_student(session, principal, student_id)
    term = await get_or_404(session, Term, term_id, "term")
    if term.school_id != student.school_id:
        raise RuleViolation(f"term {term_id} is not a term of the student's school")
    if not term.waitlist_enabled:
        raise RuleViolation("this term keeps no waitlist")
    course = await get_or_404(session, Course, course_id, "course")
    if course.term_id != term_id or course.kind is CourseKind.BASIC:
        raise RuleViolation(f"course {course_id} is not an extension course of this term")
    if course.status is CourseStatus.CANCELLED:
        raise Conflict("the course is cancelled")
    if course.seats_taken < course.capacity:
        raise Conflict("the course has seats left: grab one")
    enrolled = await session.scalar(
        select(Enrollment.id).where(
            Enrollment.student_id == student_id,
            Enrollment.course_id == course_id,
            Enrollment.status == EnrollmentStatus.CONFIRMED,
        )
    )
    if enrolled is not None:
        raise Conflict("the student is enrolled in this course")
    entry = WaitlistEntry(
        term_id=term_id, course_id=course_id, student_id=student_id, user_id=principal.user_id
    )
    session.add(entry)
    await flush_or_conflict(session, "the student is on this course's waitlist already")
    return entry


async def withdraw(session: AsyncSession, principal: Principal, entry_id: int) -> WaitlistEntry:
    entry = await get_or_404(session, WaitlistEntry, entry_id, "waitlist entry")
    if not principal.acts_for(entry.student_id):
        raise NotYourChild()
    if entry.state is not WaitlistState.WAITING:
        raise Conflict(f"the entry is {entry.state.value}")
    entry.state = WaitlistState.WITHDRAWN
    await session.flush()
    return entry


async def of_course(
    session: AsyncSession, principal: Principal, course_id: int
) -> Sequence[WaitlistEntry]:
    course = await get_or_404(session, Course, course_id, "course")
    await term_in_reach(session, principal, course.term_id, Reach.STAFF)
    rows = await session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.course_id == course_id).order_by(WaitlistEntry.id)
    )
    return rows.all()


async def admit_next(session: AsyncSession, term: Term, course: Course) -> WaitlistEntry | None:
    """Give the locked `course`'s free seat to the first waiting student who can take it (one
    whose timetable now clashes, say, is passed over and keeps waiting)."""
    if not term.waitlist_enabled or course.seats_taken >= course.capacity:
        return None
    waiting = await session.scalars(
        select(WaitlistEntry)
        .where(WaitlistEntry.course_id == course.id, WaitlistEntry.state == WaitlistState.WAITING)
        .order_by(WaitlistEntry.id)
        .with_for_update(skip_locked=True)
    )
    now = datetime.now(UTC)
    for entry in waiting.all():
        student = await get_or_404(session, Student, entry.student_id, "student")
        try:  # place() refuses before it changes anything
            await place(session, term, course, student, entry.user_id, now)
        except GrabRefused:
            continue
        entry.state = WaitlistState.ADMITTED
        entry.admitted_at = now
        await enqueue(
            session,
            [
                NewNotice(
                    user_id=guardian,
                    kind="waitlist_admitted",
                    title="候补成功",
                    body=f"{name}已候补进入「{course.name}」，名额已为您保留。",
                    dedupe_key=f"waitlist-admitted:{entry.id}:{guardian}",
                )
                for guardian, _, name in await guardians_of(session, [student.id])
            ],
        )
        await session.flush()
        return entry
    return None
