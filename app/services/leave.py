"""Leave (请假): a parent asks in advance, in writing; the class teacher (or the school's
administrator) approves or refuses; approved leave excuses the sessions it covers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.attendance import leave_covers, requested_in_advance
from app.domain.errors import Conflict, NotYourChild, RuleViolation
from app.domain.statuses import AttendanceStatus, LeaveState
from app.models import Attendance, CareSession, LeaveRequest, SchoolClass, Student, Term
from app.notify.outbox import enqueue, guardians_of
from app.notify.term_messages import leave_decided
from app.services.common import get_or_404, require, school_scope, school_today
from app.services.students import act_for_student


async def ask(
    session: AsyncSession,
    principal: Principal,
    student_id: int,
    term_id: int,
    first_day: date,
    last_day: date,
    reason: str,
) -> LeaveRequest:
    student = await act_for_student(session, principal, student_id)
    term = await get_or_404(session, Term, term_id, "term")
    if term.school_id != student.school_id:
        raise RuleViolation("the term is not a term of the student's school")
    if last_day < first_day:
        raise RuleViolation("leave must not end before it starts")
    if not (term.starts_on <= first_day and last_day <= term.ends_on):
        raise RuleViolation("leave falls inside the term")
    if not requested_in_advance(first_day, school_today()):
        raise RuleViolation("leave is asked for in advance (请假需提前申请), not afterwards")
    leave = LeaveRequest(
        term_id=term_id,
        student_id=student_id,
        first_day=first_day,
        last_day=last_day,
        reason=reason,
        requested_by_id=principal.user_id,
    )
    session.add(leave)
    await session.flush()
    return leave


async def _may_decide(session: AsyncSession, principal: Principal, student: Student) -> None:
    scope = await school_scope(session, student.school_id)
    require(
        principal.teaches_class(student.class_id) or principal.administers_school(scope),
        "only the student's class teacher or the school's administrators decide leave",
    )


async def decide(
    session: AsyncSession, principal: Principal, leave_id: int, approve: bool, note: str
) -> LeaveRequest:
    leave = await get_or_404(session, LeaveRequest, leave_id, "leave request")
    student = await get_or_404(session, Student, leave.student_id, "student")
    await _may_decide(session, principal, student)
    if leave.state is not LeaveState.PENDING:
        raise Conflict(f"the request is {leave.state.value}")
    leave.state = LeaveState.APPROVED if approve else LeaveState.REFUSED
    leave.decided_by_id, leave.decided_at = principal.user_id, datetime.now(UTC)
    leave.decision_note = note
    if approve:
        # A roll call already taken on a covered day becomes excused. One student's absences
        # of the term are a few rows: the domain's `leave_covers` decides which, after loading.
        absences = await session.execute(
            select(Attendance.id, CareSession.on_date)
            .join(CareSession, CareSession.id == Attendance.session_id)
            .where(
                CareSession.term_id == leave.term_id,
                Attendance.student_id == leave.student_id,
                Attendance.status == AttendanceStatus.ABSENT,
            )
        )
        covered = [
            mark_id
            for mark_id, on_date in absences
            if leave_covers(leave.first_day, leave.last_day, on_date)
        ]
        if covered:
            await session.execute(
                update(Attendance)
                .where(Attendance.id.in_(covered))
                .values(status=AttendanceStatus.LEAVE)
            )
    notices = [
        leave_decided(guardian, leave.id, name, leave.first_day, leave.last_day, approve, note)
        for guardian, _, name in await guardians_of(session, [leave.student_id])
    ]
    await enqueue(session, notices)
    await session.flush()
    return leave


async def withdraw(session: AsyncSession, principal: Principal, leave_id: int) -> LeaveRequest:
    leave = await get_or_404(session, LeaveRequest, leave_id, "leave request")
    if not principal.acts_for(leave.student_id):
        raise NotYourChild()
    if leave.state is not LeaveState.PENDING:
        raise Conflict(f"the request is {leave.state.value}")
    leave.state = LeaveState.WITHDRAWN
    await session.flush()
    return leave


async def of_student(
    session: AsyncSession, principal: Principal, student_id: int
) -> Sequence[LeaveRequest]:
    student = await get_or_404(session, Student, student_id, "student")
    if not principal.acts_for(student_id):
        await _may_decide(session, principal, student)
    rows = await session.scalars(
        select(LeaveRequest)
        .where(LeaveRequest.student_id == student_id)
        .order_by(LeaveRequest.first_day.desc(), LeaveRequest.id)
    )
    return rows.all()


async def of_class(
    session: AsyncSession, principal: Principal, class_id: int, state: LeaveState | None
) -> Sequence[LeaveRequest]:
    school_class = await get_or_404(session, SchoolClass, class_id, "class")
    scope = await school_scope(session, school_class.school_id)
    require(
        principal.teaches_class(class_id) or principal.administers_school(scope),
        "only the class teacher or the school's administrators see a class's leave",
    )
    query = (
        select(LeaveRequest)
        .join(Student, Student.id == LeaveRequest.student_id)
        .where(Student.class_id == class_id)
    )
    if state is not None:
        query = query.where(LeaveRequest.state == state)
    return (await session.scalars(query.order_by(LeaveRequest.first_day, LeaveRequest.id))).all()
