"""Basic care by application: a parent applies inside the window, the class teacher reviews,
the school approves. Every step is logged with actor, time and reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal, Role, SchoolScope
from app.domain.applications import TRANSITIONS, Action, transition
from app.domain.errors import Conflict, NotFound, PermissionDenied, RuleViolation
from app.domain.leaving import CareWindow, require_care_applications_open
from app.domain.schedule import Period
from app.domain.statuses import ApplicationState
from app.domain.zone import school_day
from app.models import CareApplication, CareApplicationEvent, CareSession, Student, Term
from app.persistence.calendar import lock_timetable, midday_window
from app.services.care_groups import approved_count, place_late_joiner
from app.services.common import (
    Reach,
    flush_or_conflict,
    get_or_404,
    paginate,
    school_scope,
    term_in_reach,
)
from app.services.sessions import generate_sessions
from app.services.students import act_for_student, get_student

DECIDED = (ApplicationState.APPROVED, ApplicationState.REFUSED, ApplicationState.WITHDRAWN)


def _log(
    application: CareApplication, actor_id: int, action: str, before: str | None, reason: str
) -> CareApplicationEvent:
    return CareApplicationEvent(
        application_id=application.id,
        actor_id=actor_id,
        action=action,
        from_state=before,
        to_state=application.state.value,
        reason=reason,
    )


async def apply(
    session: AsyncSession,
    principal: Principal,
    term_id: int,
    student_id: int,
    period: Period = Period.AFTER_SCHOOL,
    now: datetime | None = None,
) -> CareApplication:
    student = await act_for_student(session, principal, student_id)
    term = await get_or_404(session, Term, term_id, "term")
    if term.school_id != student.school_id:
        raise RuleViolation(f"term {term_id} is not a term of the student's school")
    if period is Period.MIDDAY:  # while the term cannot stop offering it
        term = await lock_timetable(session, term_id, exclusive=False)
        if midday_window(term) is None:
            raise RuleViolation("this term offers no midday care")
    moment = now or datetime.now(UTC)
    require_care_applications_open(care_window(term), moment, school_day(moment))
    application = CareApplication(
        term_id=term_id,
        student_id=student_id,
        period=period,
        state=ApplicationState.APPLIED,
        applied_by_id=principal.user_id,
    )
    session.add(application)
    await flush_or_conflict(
        session, f"this child has applied for {period.value} care this term already"
    )
    session.add(_log(application, principal.user_id, "apply", None, ""))
    await session.flush()
    return application


def _roles_here(
    principal: Principal, student_id: int, class_id: int, scope: SchoolScope
) -> set[Role]:
    roles = set()
    if principal.acts_for(student_id):
        roles.add(Role.PARENT)
    if principal.teaches_class(class_id):
        roles.add(Role.CLASS_TEACHER)
    if principal.administers_school(scope):
        roles.add(Role.SCHOOL_ADMIN)
    return roles


async def _require_a_place(session: AsyncSession, term_id: int, period: Period) -> None:
    # The term's row locked first: two approvals of the last place are one after the other.
    term = await session.get(Term, term_id, with_for_update=True)
    if term is None:
        raise NotFound(f"no term {term_id}")
    places = term.basic_care_places
    if places is not None and await approved_count(session, term_id, period) >= places:
        raise Conflict(
            f"all {places} {period.value} basic-care places are taken; refuse, or raise the places"
        )


async def act(
    session: AsyncSession, principal: Principal, application_id: int, action: Action, reason: str
) -> CareApplication:
    application = await get_or_404(session, CareApplication, application_id, "application")
    student = await get_or_404(session, Student, application.student_id, "student")
    scope = await school_scope(session, student.school_id)
    roles = _roles_here(principal, student.id, student.class_id, scope)
    if not roles:
        raise PermissionDenied("this application is not yours to act on")
    allowed = next(
        (t.roles for t in TRANSITIONS if t.source is application.state and t.action is action),
        frozenset(),
    )
    role = next(iter(sorted(roles & allowed) or sorted(roles)))
    before = application.state.value
    term = await get_or_404(session, Term, application.term_id, "term")
    if action is Action.WITHDRAW and role is Role.PARENT:
        now = datetime.now(UTC)
        require_care_applications_open(care_window(term), now, school_day(now))
    if action is Action.APPROVE:
        await _require_a_place(session, application.term_id, application.period)
    application.state = transition(application.state, action, role, reason)
    if application.state in DECIDED:
        application.decided_at = datetime.now(UTC)
    session.add(_log(application, principal.user_id, action.value, before, reason))
    reshaped = application.state is ApplicationState.APPROVED and await place_late_joiner(
        session, term, application.student_id, application.period
    )
    # A new group, or a grade its group did not have: its sessions made or moved, once the term
    # has sessions at all (before, they are made with everyone's).
    if reshaped and await session.scalar(
        select(CareSession.id).where(CareSession.term_id == term.id).limit(1)
    ):
        await generate_sessions(session, term, principal.user_id)
    await session.flush()
    return application


def care_window(term: Term) -> CareWindow:
    return CareWindow(term.opens_at, term.closes_at, term.ends_on, term.care_applications_midterm)


async def of_term(
    session: AsyncSession,
    principal: Principal,
    term_id: int,
    state: ApplicationState | None,
    page: int,
    size: int,
    period: Period | None = None,
) -> tuple[Sequence[CareApplication], int]:
    """Administrators see the school's; a class teacher their own classes'."""
    scope = (await term_in_reach(session, principal, term_id, Reach.STAFF)).scope
    statement = (
        select(CareApplication)
        .join(Student, Student.id == CareApplication.student_id)
        .where(CareApplication.term_id == term_id)
        .order_by(CareApplication.id)
    )
    if state is not None:
        statement = statement.where(CareApplication.state == state)
    if period is not None:
        statement = statement.where(CareApplication.period == period)
    if not principal.administers_school(scope):
        if not principal.classes_taught:
            raise PermissionDenied("only administrators and class teachers review applications")
        statement = statement.where(Student.class_id.in_(principal.classes_taught))
    return await paginate(session, statement, page, size)


async def of_student(
    session: AsyncSession, principal: Principal, student_id: int
) -> Sequence[CareApplication]:
    await get_student(session, principal, student_id)
    rows = await session.scalars(
        select(CareApplication)
        .where(CareApplication.student_id == student_id)
        .order_by(CareApplication.id)
    )
    return rows.all()
