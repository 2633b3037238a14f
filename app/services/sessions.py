"""The term's sessions: generated from the term calendar for every opened course and basic-care
group, cancelled by a suspension or by the school (the families concerned are told, paid
sessions refunded), and listed for staff, families and calendar feeds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import Conflict, RuleViolation
from app.domain.schedule import DateRange, Period, care_group_name
from app.domain.sessions import (
    CancelCause,
    PlannedSession,
    course_hours,
    plan_care_group,
    plan_sessions,
)
from app.domain.statuses import CourseStatus, EnrollmentStatus, SessionStatus
from app.models import (
    CareGroup,
    CareGroupMember,
    CareSession,
    Course,
    CourseKind,
    Enrollment,
    Term,
    session_roster,
)
from app.notify.outbox import NewNotice, enqueue, guardians_of
from app.notify.term_messages import CALENDAR_CHANGE, schedule_changed, sessions_cancelled
from app.persistence.calendar import term_calendar, term_timetable
from app.services.access import followed_student
from app.services.care_fees import refund_care
from app.services.common import (
    Reach,
    get_or_404,
    paginate,
    record_audit,
    school_today,
    term_in_reach,
)
from app.services.fees import refund_sessions

PlanKey = tuple[int | None, int | None, date]
"""(course, care group, date): one of the two offerings is set."""


@dataclass(frozen=True)
class GenerateReport:
    term_id: int
    courses: int
    care_groups: int
    created: int
    sessions: int
    moved: int = 0  # sessions to come whose times changed
    cancelled: int = 0  # sessions to come the calendar no longer has


def _summer(term: Term) -> DateRange | None:
    if term.summer_starts_on is None or term.summer_ends_on is None:
        return None
    return DateRange(term.summer_starts_on, term.summer_ends_on)


async def generate(session: AsyncSession, principal: Principal, term_id: int) -> GenerateReport:
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    return await generate_sessions(session, term, principal.user_id)


async def generate_sessions(session: AsyncSession, term: Term, actor_id: int) -> GenerateReport:
    """Every session of the term's opened courses (开班) and care groups. Run again after a
    change, it adds what is missing (a course opened later, a new group) and brings the sessions
    still to come in line with the calendar: new times (a summer schedule, a timetable), and the
    ones it no longer has (a holiday or 调休 set later) cancelled, refunded and told."""
    term_id = term.id
    calendar = await term_calendar(session, term)
    timetable = await term_timetable(session, term)
    summer = _summer(term)
    courses = (
        await session.scalars(
            select(Course).where(
                Course.term_id == term_id,
                Course.status == CourseStatus.CONFIRMED,
                Course.kind != CourseKind.BASIC,
            )
        )
    ).all()
    groups = (await session.scalars(select(CareGroup).where(CareGroup.term_id == term_id))).all()
    plan: dict[PlanKey, PlannedSession] = {}
    for course in courses:
        rules = timetable.rules(course.period)
        hours = course_hours(course.grades, rules, course.start_time, course.end_time)
        for planned in plan_sessions(calendar, frozenset(course.weekdays), hours, summer):
            plan[(course.id, None, planned.on_date)] = replace(planned, period=course.period)
    for group in groups:
        group_rules = timetable.rules(group.period)
        for planned in plan_care_group(calendar, group.grades, group_rules, summer):
            plan[(None, group.id, planned.on_date)] = replace(planned, period=group.period)
    rows = [
        {"course_id": course_id, "care_group_id": group_id, **_times(term_id, planned)}
        for (course_id, group_id, _), planned in plan.items()
    ]
    created = 0
    for start in range(0, len(rows), 2000):
        statement = insert(CareSession).on_conflict_do_nothing().returning(CareSession.id)
        created += len((await session.execute(statement, rows[start : start + 2000])).all())
    moved, cancelled = await _follow_calendar(session, term, plan, actor_id)
    return GenerateReport(term_id, len(courses), len(groups), created, len(rows), moved, cancelled)


async def _follow_calendar(
    session: AsyncSession, term: Term, plan: dict[PlanKey, PlannedSession], actor_id: int
) -> tuple[int, int]:
    """Sessions after today: times as planned now; those no longer planned, cancelled. Days
    already begun keep what happened on them."""
    upcoming = (
        await session.scalars(
            select(CareSession)
            .where(
                CareSession.term_id == term.id,
                CareSession.status == SessionStatus.SCHEDULED,
                CareSession.on_date > school_today(),
            )
            .with_for_update()
        )
    ).all()
    moved, dropped = 0, []
    for row in upcoming:
        wanted = plan.get((row.course_id, row.care_group_id, row.on_date))
        if wanted is None:
            dropped.append(row)
        elif (row.starts_at, row.ends_at, row.grades, row.period) != _when_and_who(wanted):
            row.starts_at, row.ends_at, row.grades, row.period = _when_and_who(wanted)
            moved += 1
    key = f"calendar:{term.id}:{school_today().isoformat()}"

    def compose(guardian: int, student: int, name: str, paid: bool) -> NewNotice:
        return schedule_changed(guardian, student, name, key, paid)

    cancelled = await cancel(
        session, actor_id, term, dropped, CancelCause.SCHOOL, CALENDAR_CHANGE, compose
    )
    await session.flush()
    return moved, cancelled


def _when_and_who(
    planned: PlannedSession,
) -> tuple[datetime, datetime, list[int] | None, Period]:
    grades = None if planned.grades is None else list(planned.grades)
    return planned.starts_at, planned.ends_at, grades, planned.period


def _times(term_id: int, planned: PlannedSession) -> dict[str, object]:
    return {
        "term_id": term_id,
        "on_date": planned.on_date,
        "starts_at": planned.starts_at,
        "ends_at": planned.ends_at,
        "grades": None if planned.grades is None else list(planned.grades),
        "period": planned.period,
    }


def roster_of(row: CareSession) -> Select[int]:
    """The students a session is for: a course's confirmed seats, or a care group's members."""
    return select(session_roster.c.student_id).where(session_roster.c.session_id == row.id)


async def offering_name(session: AsyncSession, row: CareSession) -> str:
    if row.course_id is not None:
        return str(await session.scalar(select(Course.name).where(Course.id == row.course_id)))
    number = await session.scalar(select(CareGroup.number).where(CareGroup.id == row.care_group_id))
    return care_group_name(row.period, int(number or 0))


Compose = Callable[[int, int, str, bool], NewNotice]
"""(guardian, student, student's name, refunded) → the notice that family gets."""


async def cancel(
    session: AsyncSession,
    actor_id: int,
    term: Term,
    rows: Sequence[CareSession],
    cause: CancelCause,
    reason: str,
    compose: Compose,
) -> int:
    """Cancel the scheduled ones of `rows`: paid sessions refunded, one
    notice per family and child. The number cancelled. Set-based: ending a large school's term
    early cancels thousands of sessions in a handful of statements."""
    ids = list(
        await session.scalars(
            update(CareSession)
            .where(
                CareSession.id.in_([row.id for row in rows]),
                CareSession.status == SessionStatus.SCHEDULED,
            )
            .values(status=SessionStatus.CANCELLED, cancel_cause=cause, cancel_reason=reason)
            .returning(CareSession.id)
        )
    )
    if not ids:
        return 0
    refunded = await refund_sessions(session, term.id, ids, actor_id, note=reason)
    students = set(
        await session.scalars(
            select(session_roster.c.student_id).where(session_roster.c.session_id.in_(ids))
        )
    )
    now_cancelled = set(ids)
    cared = [row.id for row in rows if row.care_group_id is not None and row.id in now_cancelled]
    if cared:  # basic care, where the term charges it
        refunded |= await refund_care(session, term, actor_id, cared, note=reason)
    notices = [
        compose(guardian, student_id, name, student_id in refunded)
        for guardian, student_id, name in await guardians_of(session, students)
    ]
    await enqueue(session, notices)
    return len(ids)


async def cancel_on_suspension(
    session: AsyncSession, actor_id: int, term: Term, on_date: date, reason: str, key: str
) -> int:
    rows = (
        await session.scalars(
            select(CareSession)
            .where(CareSession.term_id == term.id, CareSession.on_date == on_date)
            .with_for_update()
        )
    ).all()

    def compose(guardian: int, student: int, name: str, paid: bool) -> NewNotice:
        return sessions_cancelled(guardian, student, name, on_date, "托管", reason, key, paid)

    return await cancel(session, actor_id, term, rows, CancelCause.SUSPENSION, reason, compose)


async def cancel_one(
    session: AsyncSession,
    principal: Principal,
    care_session_id: int,
    cause: CancelCause,
    reason: str,
) -> CareSession:
    row = await get_or_404(session, CareSession, care_session_id, "session")
    term = (await term_in_reach(session, principal, row.term_id, Reach.ADMIN)).term
    if cause is CancelCause.SUSPENSION:
        raise RuleViolation("a suspension is announced as a suspension day of the term")
    if row.status is SessionStatus.CANCELLED:
        raise Conflict("the session is cancelled already")
    if term.settled_at is not None:
        raise Conflict("the term is settled")
    what = await offering_name(session, row)
    key = f"session-cancelled:{row.id}"

    def compose(guardian: int, student: int, name: str, paid: bool) -> NewNotice:
        return sessions_cancelled(guardian, student, name, row.on_date, what, reason, key, paid)

    await cancel(session, principal.user_id, term, [row], cause, reason, compose)
    await session.refresh(row)
    record_audit(
        session, principal.user_id, term, "cancel_session", reason, course_id=row.course_id,
        session_id=row.id, cause=cause.value,
    )  # fmt: skip
    return row


async def list_for_term(
    session: AsyncSession,
    principal: Principal,
    term_id: int,
    course_id: int | None,
    care_group_id: int | None,
    first: date | None,
    last: date | None,
    page: int,
    size: int,
) -> tuple[Sequence[CareSession], int]:
    await term_in_reach(session, principal, term_id, Reach.STAFF)
    statement = select(CareSession).where(CareSession.term_id == term_id)
    if course_id is not None:
        statement = statement.where(CareSession.course_id == course_id)
    if care_group_id is not None:
        statement = statement.where(CareSession.care_group_id == care_group_id)
    return await paginate(session, _dated(statement, first, last), page, size)


def _dated(
    statement: Select[CareSession], first: date | None, last: date | None
) -> Select[CareSession]:
    if first is not None:
        statement = statement.where(CareSession.on_date >= first)
    if last is not None:
        statement = statement.where(CareSession.on_date <= last)
    return statement.order_by(CareSession.on_date, CareSession.starts_at, CareSession.id)


async def of_student(
    session: AsyncSession,
    principal: Principal,
    student_id: int,
    first: date | None = None,
    last: date | None = None,
) -> list[tuple[CareSession, str]]:
    """A student's sessions in every course and care group they hold, with the offering's name."""
    await followed_student(session, principal, student_id)
    return await sessions_of_student(session, student_id, first, last)


async def sessions_of_student(
    session: AsyncSession, student_id: int, first: date | None, last: date | None
) -> list[tuple[CareSession, str]]:
    courses = select(Enrollment.course_id).where(
        Enrollment.student_id == student_id, Enrollment.status == EnrollmentStatus.CONFIRMED
    )
    groups = select(CareGroupMember.group_id).where(CareGroupMember.student_id == student_id)
    statement = (
        select(CareSession, Course.name, CareGroup.number)
        .outerjoin(Course, Course.id == CareSession.course_id)
        .outerjoin(CareGroup, CareGroup.id == CareSession.care_group_id)
        .where(
            or_(
                and_(CareSession.course_id.is_not(None), CareSession.course_id.in_(courses)),
                and_(CareSession.care_group_id.is_not(None), CareSession.care_group_id.in_(groups)),
            )
        )
    )
    if first is not None:
        statement = statement.where(CareSession.on_date >= first)
    if last is not None:
        statement = statement.where(CareSession.on_date <= last)
    statement = statement.order_by(CareSession.on_date, CareSession.starts_at, CareSession.id)
    rows = (await session.execute(statement)).all()
    return [
        (row, name if name is not None else care_group_name(row.period, number))
        for row, name, number in rows
    ]
