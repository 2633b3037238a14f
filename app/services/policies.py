"""The attendance policies, applied after every roll call and pickup record: unexcused absences
(a warning, then the place treated as given up, 视作自动放弃) and late pickups (a warning, then a
dismissal, 劝退, proposed to the school). Each step is taken once, recorded, notified and audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal, Role
from app.domain.attendance import (
    PolicyAction,
    PolicyLimits,
    absence_actions,
    conduct_actions,
    late_pickup_actions,
)
from app.domain.errors import Conflict, RuleViolation
from app.domain.overrides import require_reason
from app.domain.schedule import Period
from app.domain.statuses import EnrollmentStatus
from app.models import (
    CareGroupMember,
    CareSession,
    Course,
    Enrollment,
    PolicyStep,
    RoleGrant,
    Student,
    Term,
)
from app.notify.outbox import NewNotice, enqueue, guardians_of
from app.notify.term_messages import dismissal_proposed, dismissed, policy_step
from app.persistence.engine_changes import SeatReleased, record
from app.services.care_fees import refund_care_after
from app.services.common import (
    Reach,
    get_or_404,
    record_audit,
    school_today,
    term_in_reach,
)
from app.services.fees import refund_from
from app.services.placement import lock_courses

CARE_PLACE = "care"  # after-school basic care (the place's name before midday care existed)
MIDDAY_CARE_PLACE = "care:midday"

# The domain's `unexcused_absences` counted in SQL: a roll call's students over the whole term in
# one statement, not every mark loaded; tests/services/test_policy_rules.py holds it to the domain.
_ABSENCES = text(
    """
    SELECT a.student_id, count(*) FROM attendance a JOIN care_session s ON s.id = a.session_id
    WHERE s.term_id = :term AND a.status = 'absent' AND a.student_id = ANY(:students)
      AND (s.course_id = :course OR (CAST(:course AS integer) IS NULL
                                     AND s.care_group_id IS NOT NULL AND s.period = :period))
    GROUP BY a.student_id
    """
)
_LATE_PICKUPS = text(
    """
    SELECT a.student_id, count(*) FROM attendance a JOIN care_session s ON s.id = a.session_id
    WHERE s.term_id = :term AND a.picked_up_late AND a.student_id = ANY(:students)
    GROUP BY a.student_id
    """
)


def limits_of(term: Term) -> PolicyLimits:
    return PolicyLimits(
        absences=term.absence_limit,
        late_pickups=term.late_pickup_limit,
        conduct=term.conduct_limit,
    )


def place_of(row: CareSession) -> str:
    """A course's seat, or basic care of the session's period: each is a place of its own."""
    if row.course_id is not None:
        return f"course:{row.course_id}"
    return MIDDAY_CARE_PLACE if row.period is Period.MIDDAY else CARE_PLACE


@dataclass(frozen=True)
class StepTaken:
    id: int
    student_id: int
    action: PolicyAction
    place: str
    count: int


async def _take(
    session: AsyncSession, term: Term, due: list[tuple[int, PolicyAction, str, int]]
) -> list[StepTaken]:
    if not due:
        return []
    rows = [
        {"term_id": term.id, "student_id": s, "action": a, "place": p, "count": c}
        for s, a, p, c in due
    ]
    statement = (
        insert(PolicyStep)
        .on_conflict_do_nothing()
        .returning(
            PolicyStep.id, PolicyStep.student_id, PolicyStep.action, PolicyStep.place,
            PolicyStep.count,
        )
    )  # fmt: skip
    return [StepTaken(*row) for row in await session.execute(statement, rows)]


async def unexcused_counts(
    session: AsyncSession,
    term_id: int,
    students: Sequence[int],
    course_id: int | None,
    period: Period = Period.AFTER_SCHOOL,
) -> dict[int, int]:
    """The students' unexcused absences in the term at one place: the course, or basic care of
    `period` when `course_id` is None. A student with none is not in the result."""
    rows = await session.execute(
        _ABSENCES,
        {"term": term_id, "students": list(students), "course": course_id, "period": period},
    )
    return {student: count for student, count in rows}


async def after_roll_call(
    session: AsyncSession, term: Term, row: CareSession, actor_id: int, students: Sequence[int]
) -> list[StepTaken]:
    place = place_of(row)
    counts = await unexcused_counts(session, term.id, students, row.course_id, row.period)
    limits = limits_of(term)
    due = [
        (student, action, place, count)
        for student, count in counts.items()
        for action in absence_actions(count, limits)
    ]
    taken = await _take(session, term, due)
    name = await _place_name(session, row)
    notices: list[NewNotice] = []
    for step in taken:
        for guardian, _, student_name in await guardians_of(session, [step.student_id]):
            notices.append(
                policy_step(
                    guardian, step.id, student_name, step.action.value, step.count, name,
                    limits.absences,
                )
            )  # fmt: skip
        if step.action is PolicyAction.PLACE_GIVEN_UP:
            await _give_up(session, term, row, step.student_id)
        record_audit(
            session, actor_id, term, step.action.value,
            f"{step.count} unexcused absences (limit {limits.absences})",
            student_id=step.student_id, course_id=row.course_id, place=place, step_id=step.id,
        )  # fmt: skip
    await enqueue(session, notices)
    return taken


async def _place_name(session: AsyncSession, row: CareSession) -> str:
    if row.course_id is None:
        return "午托" if row.period is Period.MIDDAY else "基础托管"
    return str(await session.scalar(select(Course.name).where(Course.id == row.course_id)))


async def _give_up(session: AsyncSession, term: Term, row: CareSession, student_id: int) -> None:
    if row.course_id is None:  # the place of this session's period only (midday or after school)
        await session.execute(
            delete(CareGroupMember).where(
                CareGroupMember.term_id == term.id,
                CareGroupMember.student_id == student_id,
                CareGroupMember.period == row.period,
            )
        )
        return
    await release_seats(session, term, student_id, [row.course_id])


async def release_seats(
    session: AsyncSession, term: Term, student_id: int, course_ids: Sequence[int] | None
) -> None:
    """The student's confirmed seats (in the courses named, or all of the term) → dismissed."""
    query = select(Enrollment).where(
        Enrollment.term_id == term.id,
        Enrollment.student_id == student_id,
        Enrollment.status == EnrollmentStatus.CONFIRMED,
    )
    if course_ids is not None:
        query = query.where(Enrollment.course_id.in_(course_ids))
    seats = (await session.scalars(query)).all()
    courses = {c.id: c for c in await lock_courses(session, term.id, [e.course_id for e in seats])}
    for seat in seats:
        seat.status = EnrollmentStatus.DISMISSED
        courses[seat.course_id].seats_taken -= 1
        record(session, SeatReleased(term.id, student_id, seat.course_id))
    await session.flush()


async def after_pickups(
    session: AsyncSession, term: Term, actor_id: int, students: Sequence[int]
) -> list[StepTaken]:
    counts = await session.execute(_LATE_PICKUPS, {"term": term.id, "students": list(students)})
    limits = limits_of(term)
    due = [
        (student, action, "", count)
        for student, count in counts
        for action in late_pickup_actions(count, limits)
    ]
    return await _warn_or_propose(
        session, term, actor_id, await _take(session, term, due), limits.late_pickups, "延迟接回",
        "late pickups",
    )  # fmt: skip


_CONDUCT = text(
    "SELECT count(*) FROM conduct_incident WHERE term_id = :term AND student_id = :student"
)
CONDUCT_PLACE = "conduct"  # a dismissal proposed for conduct, apart from one for late pickups


async def after_conduct(
    session: AsyncSession, term: Term, actor_id: int, student_id: int
) -> list[StepTaken]:
    """The steps a conduct incident brings: at the term's limit the family is warned, past it a
    dismissal is proposed to the school's administrators (each once)."""
    count = int(await session.scalar(_CONDUCT, {"term": term.id, "student": student_id}) or 0)
    limits = limits_of(term)
    due = [(student_id, action, CONDUCT_PLACE, count) for action in conduct_actions(count, limits)]
    return await _warn_or_propose(
        session, term, actor_id, await _take(session, term, due), limits.conduct, "违纪",
        "conduct incidents",
    )  # fmt: skip


async def _warn_or_propose(
    session: AsyncSession,
    term: Term,
    actor_id: int,
    taken: list[StepTaken],
    limit: int,
    cause: str,
    counted: str,
) -> list[StepTaken]:
    """Tell of the steps taken: a warning to the family, a proposed dismissal to the school's
    administrators; each in the audit log."""
    admins = (
        await session.scalars(
            select(RoleGrant.user_id).where(
                RoleGrant.school_id == term.school_id, RoleGrant.role == Role.SCHOOL_ADMIN
            )
        )
    ).all()
    notices: list[NewNotice] = []
    for step in taken:
        record_audit(
            session, actor_id, term, step.action.value, f"{step.count} {counted} (limit {limit})",
            student_id=step.student_id, step_id=step.id,
        )  # fmt: skip
        guardians = await guardians_of(session, [step.student_id])
        if step.action is PolicyAction.DISMISSAL_PROPOSED:
            name = str(
                await session.scalar(select(Student.name).where(Student.id == step.student_id))
            )
            notices += [dismissal_proposed(a, step.id, name, step.count, cause) for a in admins]
            continue
        for guardian, _, student_name in guardians:
            notices.append(
                policy_step(
                    guardian, step.id, student_name, step.action.value, step.count, "", limit
                )
            )
    await enqueue(session, notices)
    return taken


async def list_steps(
    session: AsyncSession, principal: Principal, term_id: int, action: PolicyAction | None
) -> Sequence[PolicyStep]:
    await term_in_reach(session, principal, term_id, Reach.STAFF)
    query = select(PolicyStep).where(PolicyStep.term_id == term_id)
    if action is not None:
        query = query.where(PolicyStep.action == action)
    return (await session.scalars(query.order_by(PolicyStep.id))).all()


async def decide_dismissal(
    session: AsyncSession, principal: Principal, step_id: int, dismiss: bool, reason: str
) -> PolicyStep:
    """The school's decision on a proposed dismissal (劝退): dismissed, every seat and the care
    place of the term end today and the sessions not held are refunded; or kept."""
    step = await get_or_404(session, PolicyStep, step_id, "policy step")
    term = (await term_in_reach(session, principal, step.term_id, Reach.ADMIN)).term
    if step.action is not PolicyAction.DISMISSAL_PROPOSED:
        raise RuleViolation("only a proposed dismissal is decided")
    if step.decision is not None:
        raise Conflict(f"decided already: {step.decision}")
    reason = require_reason(reason)
    step.decision = "dismissed" if dismiss else "kept"
    step.decided_by_id, step.decided_at = principal.user_id, datetime.now(UTC)
    step.decision_reason = reason
    if dismiss:
        await release_seats(session, term, step.student_id, None)
        # Care after today is refunded, as a seat's sessions are.
        await refund_care_after(
            session, term, principal.user_id, step.student_id, school_today(), "劝退"
        )
        await session.execute(
            delete(CareGroupMember).where(
                CareGroupMember.term_id == term.id, CareGroupMember.student_id == step.student_id
            )
        )
        # Today's session was held; the ones after it are not.
        tomorrow = school_today() + timedelta(days=1)
        await refund_from(session, term, step.student_id, tomorrow, principal.user_id)
        notices = [
            dismissed(guardian, step.id, name, reason)
            for guardian, _, name in await guardians_of(session, [step.student_id])
        ]
        await enqueue(session, notices)
    record_audit(
        session, principal.user_id, term, f"dismissal_{step.decision}", reason,
        student_id=step.student_id, step_id=step.id,
    )  # fmt: skip
    await session.flush()
    return step
