"""Leaving a place by written request (退出申请, 篇一): a family asks with a reason, the school
decides. Approved, the place ends today (today's session was held): a course seat is released
and its sessions still to come refunded, a basic-care place leaves its group; the family is
told either way, and every step is in the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import NotFound, RuleViolation
from app.domain.leaving import decide, require_may_ask_to_leave, withdraw
from app.domain.overrides import require_reason
from app.domain.schedule import Period
from app.domain.statuses import ApplicationState, EnrollmentStatus, ExitState
from app.models import (
    CareApplication,
    CareApplicationEvent,
    CareGroupMember,
    Course,
    Enrollment,
    ExitRequest,
    Term,
)
from app.notify.outbox import enqueue, guardians_of
from app.notify.term_messages import exit_decided
from app.services.access import followed_student
from app.services.care_fees import refund_care_after
from app.services.common import (
    Reach,
    flush_or_conflict,
    get_or_404,
    paginate,
    record_audit,
    school_today,
    term_in_reach,
)
from app.services.fees import refund_from
from app.services.policies import release_seats
from app.services.students import act_for_student

CARE = "基础托管"


async def ask_to_leave(
    session: AsyncSession,
    principal: Principal,
    student_id: int,
    term_id: int,
    course_id: int | None,
    reason: str,
    period: Period | None = None,
) -> ExitRequest:
    """A guardian asks for the child to leave a place they hold: a course seat (`course_id`), or
    basic care (None) of one period (`period`) or of both (None)."""
    if course_id is not None and period is not None:
        raise RuleViolation("a period names basic care: leave it out with a course")
    student = await act_for_student(session, principal, student_id)
    term = await get_or_404(session, Term, term_id, "term")
    if term.school_id != student.school_id:
        raise RuleViolation(f"term {term_id} is not a term of the student's school")
    reason = require_reason(reason)
    require_may_ask_to_leave(
        course=course_id is not None, withdrawal_allowed=term.withdrawal_allowed
    )
    if not await _holds(session, term_id, student_id, course_id, period):
        raise RuleViolation("the child holds no such place this term")
    request = ExitRequest(
        term_id=term_id,
        student_id=student_id,
        course_id=course_id,
        care_period=period,
        requested_by_id=principal.user_id,
        reason=reason,
    )
    session.add(request)
    await flush_or_conflict(session, "a request to leave this place is waiting already")
    await session.refresh(request)
    record_audit(
        session, principal.user_id, term, "exit_requested", reason, student_id=student_id,
        course_id=course_id, request_id=request.id,
    )  # fmt: skip
    await session.flush()
    return request


async def _holds(
    session: AsyncSession,
    term_id: int,
    student_id: int,
    course_id: int | None,
    period: Period | None,
) -> bool:
    if course_id is not None:
        held = select(Enrollment.id).where(
            Enrollment.term_id == term_id,
            Enrollment.student_id == student_id,
            Enrollment.course_id == course_id,
            Enrollment.status == EnrollmentStatus.CONFIRMED,
        )
    else:
        held = select(CareApplication.id).where(
            CareApplication.term_id == term_id,
            CareApplication.student_id == student_id,
            CareApplication.state == ApplicationState.APPROVED,
            *([CareApplication.period == period] if period is not None else []),
        )
    return await session.scalar(held) is not None


async def decide_request(
    session: AsyncSession, principal: Principal, request_id: int, approve: bool, reason: str
) -> ExitRequest:
    """The school's decision: approved, the place ends today; refused, with a reason."""
    request = await _locked(session, request_id)
    term = (await term_in_reach(session, principal, request.term_id, Reach.ADMIN)).term
    request.state = decide(request.state, approve, reason)
    request.decided_by_id, request.decided_at = principal.user_id, datetime.now(UTC)
    request.decision_reason = reason.strip()
    if approve:
        request.ends_on = school_today()
        await _end_place(session, principal, term, request)
    place = await _place_name(session, request)
    notices = [
        exit_decided(guardian, request.id, name, place, approve, request.decision_reason)
        for guardian, _, name in await guardians_of(session, [request.student_id])
    ]
    await enqueue(session, notices)
    record_audit(
        session, principal.user_id, term, f"exit_{request.state.value}",
        request.decision_reason or request.reason, student_id=request.student_id,
        course_id=request.course_id, request_id=request.id,
        refunded_sessions=request.refunded_sessions,
    )  # fmt: skip
    await session.flush()
    return request


async def _end_place(
    session: AsyncSession, principal: Principal, term: Term, request: ExitRequest
) -> None:
    if request.course_id is not None:
        await release_seats(session, term, request.student_id, [request.course_id])
        tomorrow = school_today() + timedelta(days=1)
        request.refunded_sessions = await refund_from(
            session, term, request.student_id, tomorrow, principal.user_id,
            course_ids=[request.course_id], note="退出申请",
        )  # fmt: skip
        return
    period = request.care_period
    # Where care is charged, its sessions after today are refunded (today's was held).
    await refund_care_after(
        session, term, principal.user_id, request.student_id, school_today(), "退出申请", period
    )
    await session.execute(
        delete(CareGroupMember).where(
            CareGroupMember.term_id == term.id,
            CareGroupMember.student_id == request.student_id,
            *([CareGroupMember.period == period] if period is not None else []),
        )
    )
    # Leaving basic care leaves it at the period named, or at midday and after school alike, an
    # application still waiting for its decision included (it would otherwise give the place
    # back later).
    applications = await session.scalars(
        select(CareApplication)
        .where(
            CareApplication.term_id == term.id,
            CareApplication.student_id == request.student_id,
            CareApplication.state.in_(STILL_HELD),
            *([CareApplication.period == period] if period is not None else []),
        )
        .order_by(CareApplication.id)
        .with_for_update()
    )
    for application in applications:
        before = application.state
        application.state = ApplicationState.WITHDRAWN
        session.add(
            CareApplicationEvent(
                application_id=application.id, actor_id=principal.user_id, action="leave",
                from_state=before.value, to_state=ApplicationState.WITHDRAWN.value,
                reason=request.reason,
            )
        )  # fmt: skip


STILL_HELD = (
    ApplicationState.APPLIED,
    ApplicationState.CLASS_APPROVED,
    ApplicationState.APPROVED,
)


async def _locked(session: AsyncSession, request_id: int) -> ExitRequest:
    """The request, locked: a decision and a withdrawal (or two clicks) are one after the other."""
    request = await session.get(ExitRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound(f"no exit request {request_id}")
    return request


async def _place_name(session: AsyncSession, request: ExitRequest) -> str:
    if request.course_id is None:
        return CARE if request.care_period is None else request.care_period.label
    return str(await session.scalar(select(Course.name).where(Course.id == request.course_id)))


async def withdraw_request(
    session: AsyncSession, principal: Principal, request_id: int
) -> ExitRequest:
    request = await _locked(session, request_id)
    request.state = withdraw(request.state, principal.acts_for(request.student_id))
    term = await get_or_404(session, Term, request.term_id, "term")
    record_audit(
        session, principal.user_id, term, "exit_withdrawn", request.reason,
        student_id=request.student_id, course_id=request.course_id, request_id=request.id,
    )  # fmt: skip
    await session.flush()
    return request


async def of_student(
    session: AsyncSession, principal: Principal, student_id: int
) -> Sequence[ExitRequest]:
    """The child's requests: for the family, the child's teachers and the school."""
    await followed_student(session, principal, student_id)
    rows = await session.scalars(
        select(ExitRequest).where(ExitRequest.student_id == student_id).order_by(ExitRequest.id)
    )
    return rows.all()


async def of_term(
    session: AsyncSession,
    principal: Principal,
    term_id: int,
    state: ExitState | None,
    page: int,
    size: int,
) -> tuple[Sequence[ExitRequest], int]:
    """The requests the school decides on."""
    await term_in_reach(session, principal, term_id, Reach.ADMIN)
    statement = select(ExitRequest).where(ExitRequest.term_id == term_id)
    if state is not None:
        statement = statement.where(ExitRequest.state == state)
    return await paginate(session, statement.order_by(ExitRequest.id), page, size)
