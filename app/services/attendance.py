"""Roll call (点名签到) for a whole session in one idempotent request, pickups, handovers (交接),
and reading the marks. The policies run after each write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.attendance import is_late_pickup, leave_covers, mark
from app.domain.errors import Conflict, NotFound, RuleViolation
from app.domain.statuses import AttendanceStatus, LeaveState, SessionStatus
from app.domain.zone import SCHOOL_ZONE
from app.models import Attendance, CareSession, Handover, LeaveRequest, Term
from app.services import policies
from app.services.access import followed_student
from app.services.common import (
    Reach,
    get_or_404,
    require,
    school_scope,
    school_today,
    term_in_reach,
)
from app.services.sessions import roster_of


@dataclass(frozen=True)
class Mark:
    student_id: int
    status: AttendanceStatus
    note: str = ""


@dataclass(frozen=True)
class RollCall:
    care_session: CareSession
    marks: Sequence[Attendance]
    steps: Sequence[policies.StepTaken]


async def session_for_roll_caller(
    session: AsyncSession, principal: Principal, care_session_id: int
) -> tuple[CareSession, Term]:
    row = await session.get(CareSession, care_session_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no session {care_session_id}")
    term = await get_or_404(session, Term, row.term_id, "term")
    scope = await school_scope(session, term.school_id)
    require(
        principal.may_take_roll_call(scope),
        "only the school's care and course teachers and its administrators take roll calls",
    )
    if row.status is SessionStatus.CANCELLED:
        raise Conflict("the session is cancelled")
    if row.on_date > school_today():
        raise RuleViolation("a session's roll call is taken on its day, not before")
    return row, term


async def students_on_leave(
    session: AsyncSession, term_id: int, students: Sequence[int], on_date: date
) -> set[int]:
    """The students whose approved leave covers the date. One session's roster and its students'
    few requests of the term are loaded, and the domain's `leave_covers` decides."""
    rows = await session.execute(
        select(LeaveRequest.student_id, LeaveRequest.first_day, LeaveRequest.last_day).where(
            LeaveRequest.term_id == term_id,
            LeaveRequest.student_id.in_(students),
            LeaveRequest.state == LeaveState.APPROVED,
        )
    )
    return {student for student, first, last in rows if leave_covers(first, last, on_date)}


async def roll_call(
    session: AsyncSession, principal: Principal, care_session_id: int, marks: Sequence[Mark]
) -> RollCall:
    """The marks of every student of the session, all at once; sent again, it replaces them
    (the same request twice leaves one roll call). A child with approved leave marked absent
    is excused."""
    row, term = await session_for_roll_caller(session, principal, care_session_id)
    roster = set((await session.scalars(roster_of(row))).all())
    # A student marked in this session before leaving it (the place given up by this very roll
    # call) may be marked again: a resent roll call must not fail.
    before = {m.student_id: m.status for m in await marks_of(session, row.id)}
    marked = set(before)
    given = [m.student_id for m in marks]
    if len(set(given)) != len(given):
        raise RuleViolation("a student is marked twice")
    missing, extra = sorted(roster - set(given)), sorted(set(given) - roster - marked)
    if missing or extra:
        raise RuleViolation(
            "a roll call marks every student of the session and no one else",
            missing=missing,
            not_in_session=extra,
        )
    on_leave = await students_on_leave(session, term.id, given, row.on_date)
    now = datetime.now(UTC)
    statuses = {m.student_id: mark(m.status, m.student_id in on_leave) for m in marks}
    values = [
        {
            "session_id": row.id,
            "student_id": m.student_id,
            "status": statuses[m.student_id],
            "note": m.note,
            "recorded_by_id": principal.user_id,
            "recorded_at": now,
        }
        for m in marks
    ]
    if values:
        statement = insert(Attendance).values(values)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["session_id", "student_id"],
                set_={
                    "status": statement.excluded.status,
                    "note": statement.excluded.note,
                    "recorded_by_id": statement.excluded.recorded_by_id,
                    "recorded_at": statement.excluded.recorded_at,
                },
            )
        )
    row.roll_call_by_id, row.roll_call_at = principal.user_id, now
    await session.flush()
    # Only a mark that changed can call for a step: a roll call sent again (a retry, a teacher
    # re-saving an old day) is no occasion to apply today's limits to yesterday's marks.
    changed = [student for student, status in statuses.items() if before.get(student) != status]
    steps = await policies.after_roll_call(session, term, row, principal.user_id, changed)
    return RollCall(row, await marks_of(session, row.id), steps)


async def marks_of(session: AsyncSession, care_session_id: int) -> Sequence[Attendance]:
    return (
        await session.scalars(
            select(Attendance)
            .where(Attendance.session_id == care_session_id)
            .order_by(Attendance.student_id)
            .execution_options(populate_existing=True)
        )
    ).all()


async def record_pickups(
    session: AsyncSession,
    principal: Principal,
    care_session_id: int,
    pickups: Sequence[tuple[int, datetime]],
) -> RollCall:
    """When each child was picked up (接走); later than the session's end plus the term's grace
    counts as a late pickup."""
    row, term = await session_for_roll_caller(session, principal, care_session_id)
    marks = {a.student_id: a for a in await marks_of(session, row.id)}
    unknown = sorted({s for s, _ in pickups} - set(marks))
    if unknown:
        raise RuleViolation("take the roll call before recording pickups", students=unknown)
    for student_id, moment in pickups:
        if moment < row.starts_at or moment.astimezone(SCHOOL_ZONE).date() != row.on_date:
            raise RuleViolation("a pickup is on the session's day, after it starts")
        marks[student_id].picked_up_at = moment
        marks[student_id].picked_up_late = is_late_pickup(
            row.ends_at, moment, term.late_pickup_grace_minutes
        )
    await session.flush()
    steps = await policies.after_pickups(session, term, principal.user_id, [s for s, _ in pickups])
    return RollCall(row, await marks_of(session, row.id), steps)


async def record_handover(
    session: AsyncSession,
    principal: Principal,
    care_session_id: int,
    from_teacher: str,
    children: int,
    handed_over_at: datetime,
) -> Handover:
    row, _ = await session_for_roll_caller(session, principal, care_session_id)
    handover = Handover(
        session_id=row.id,
        from_teacher=from_teacher,
        children=children,
        handed_over_at=handed_over_at,
        recorded_by_id=principal.user_id,
    )
    session.add(handover)
    await session.flush()
    return handover


@dataclass(frozen=True)
class SheetLine:
    student_id: int
    name: str
    class_name: str
    mark: Attendance | None
    on_leave: bool


_NAMES = text(
    """
    SELECT s.id, s.name, k.grade, k.number FROM student s JOIN school_class k ON k.id = s.class_id
    WHERE s.id = ANY(:students) ORDER BY k.grade, k.number, s.student_number, s.id
    """
)


async def session_sheet(
    session: AsyncSession, principal: Principal, care_session_id: int
) -> tuple[CareSession, list[SheetLine], Sequence[Handover]]:
    """The session's students (its roster, and anyone marked who has left it since) with their
    marks and whether approved leave covers the day, for the roll-call screen; and the
    handovers."""
    row = await get_or_404(session, CareSession, care_session_id, "session")
    term = (await term_in_reach(session, principal, row.term_id, Reach.STAFF)).term
    marks = {m.student_id: m for m in await marks_of(session, row.id)}
    students = set((await session.scalars(roster_of(row))).all()) | marks.keys()
    on_leave = await students_on_leave(session, term.id, sorted(students), row.on_date)
    lines = [
        SheetLine(sid, name, f"{grade}年级{number}班", marks.get(sid), sid in on_leave)
        for sid, name, grade, number in await session.execute(
            _NAMES, {"students": sorted(students)}
        )
    ]
    handovers = (
        await session.scalars(
            select(Handover).where(Handover.session_id == row.id).order_by(Handover.id)
        )
    ).all()
    return row, lines, handovers


async def of_student(
    session: AsyncSession, principal: Principal, student_id: int, term_id: int
) -> Sequence[tuple[Attendance, CareSession]]:
    await followed_student(session, principal, student_id)
    rows = await session.execute(
        select(Attendance, CareSession)
        .join(CareSession, CareSession.id == Attendance.session_id)
        .where(Attendance.student_id == student_id, CareSession.term_id == term_id)
        .order_by(CareSession.on_date, CareSession.starts_at)
    )
    return [(a, s) for a, s in rows]
