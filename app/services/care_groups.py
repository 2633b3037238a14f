"""Basic care when places are short (priority first), and its groups (编班): formed by the pure
grouping algorithm from the approved applications, then adjusted by hand with a reason."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.applications import Candidate, allocate
from app.domain.errors import Conflict, NotFound, RuleViolation
from app.domain.fees import CareFeeModel
from app.domain.grouping import Applicant, group_students
from app.domain.leaving import GroupRoom, group_for_late_joiner
from app.domain.overrides import require_reason
from app.domain.schedule import Period
from app.domain.statuses import ApplicationState
from app.models import (
    AuditEvent,
    CareApplication,
    CareApplicationEvent,
    CareGroup,
    CareGroupMember,
    SchoolClass,
    Student,
    Term,
)
from app.services.common import Reach, get_or_404, term_in_reach

ALLOCATION_REASON_ADMITTED = "按优先保障顺序分配基础托管名额"
ALLOCATION_REASON_REFUSED = "基础托管名额已满"


@dataclass(frozen=True)
class Allocation:
    places: int
    period: Period
    approved_before: int
    admitted: list[int]  # application ids
    refused: list[int]
    applied: bool  # False for a preview


async def approved_count(session: AsyncSession, term_id: int, period: Period) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                CareApplication.term_id == term_id,
                CareApplication.period == period,
                CareApplication.state == ApplicationState.APPROVED,
            )
        )
        or 0
    )


async def midday_care_in_use(session: AsyncSession, term_id: int) -> bool:
    """Whether midday basic care is applied for (and not refused or withdrawn), or grouped."""
    applied = select(CareApplication.id).where(
        CareApplication.term_id == term_id,
        CareApplication.period == Period.MIDDAY,
        CareApplication.state.not_in((ApplicationState.REFUSED, ApplicationState.WITHDRAWN)),
    )
    grouped = select(CareGroup.id).where(
        CareGroup.term_id == term_id, CareGroup.period == Period.MIDDAY
    )
    return bool(await session.scalar(select(exists(applied) | exists(grouped))))


async def allocate_places(
    session: AsyncSession, principal: Principal, term_id: int, period: Period, preview: bool
) -> Allocation:
    """Approve the class-approved applications of `period` in priority order (随迁子女, 单亲, 留守,
    困难家庭, then lower grades, then order of application) up to the term's places, which each
    period has apart; refuse the rest."""
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    if term.basic_care_places is None:
        raise RuleViolation("the term sets no limit on basic-care places: approve one by one")
    rows = await session.execute(
        select(CareApplication, Student, SchoolClass.grade)
        .join(Student, Student.id == CareApplication.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(
            CareApplication.term_id == term_id,
            CareApplication.period == period,
            CareApplication.state == ApplicationState.CLASS_APPROVED,
        )
        .with_for_update(of=CareApplication)
    )
    applications = {}
    candidates = []
    for application, student, grade in rows:
        applications[application.id] = application
        candidates.append(
            Candidate(
                application_id=application.id,
                grade=grade,
                migrant_worker_child=student.migrant_worker_child,
                single_parent=student.single_parent,
                left_behind=student.left_behind,
                low_income=student.low_income,
                applied_order=application.id,
            )
        )
    before = await approved_count(session, term_id, period)
    admitted, refused = allocate(candidates, max(term.basic_care_places - before, 0))
    if not preview:
        for ids, state, reason in (
            (admitted, ApplicationState.APPROVED, ALLOCATION_REASON_ADMITTED),
            (refused, ApplicationState.REFUSED, ALLOCATION_REASON_REFUSED),
        ):
            for application_id in ids:
                application = applications[application_id]
                application.state = state
                application.decided_at = func.now()
                session.add(
                    CareApplicationEvent(
                        application_id=application_id,
                        actor_id=principal.user_id,
                        action="allocate",
                        from_state=ApplicationState.CLASS_APPROVED.value,
                        to_state=state.value,
                        reason=reason,
                    )
                )
        await session.flush()
    return Allocation(term.basic_care_places, period, before, admitted, refused, not preview)


@dataclass(frozen=True)
class GroupView:
    group: CareGroup
    members: list[tuple[int, str, int, int]]  # student id, name, grade, class number


async def _views(session: AsyncSession, term_id: int) -> list[GroupView]:
    groups = list(
        await session.scalars(
            select(CareGroup)
            .where(CareGroup.term_id == term_id)
            .order_by(CareGroup.period, CareGroup.number)
        )
    )
    rows = await session.execute(
        select(CareGroupMember.group_id, Student.id, Student.name, SchoolClass.grade,
               SchoolClass.number)
        .join(Student, Student.id == CareGroupMember.student_id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(CareGroupMember.term_id == term_id)
        .order_by(SchoolClass.grade, SchoolClass.number, Student.id)
    )  # fmt: skip
    members: dict[int, list[tuple[int, str, int, int]]] = {g.id: [] for g in groups}
    for group_id, student_id, name, grade, number in rows:
        members[group_id].append((student_id, name, grade, number))
    return [GroupView(g, members[g.id]) for g in groups]


async def form_groups(
    session: AsyncSession, principal: Principal, term_id: int, period: Period
) -> list[GroupView]:
    """(Re)form the term's groups of `period` from its approved applications for that period;
    earlier groups of the period are replaced, the other period's kept."""
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    if term.billed_at is not None and term.care_fee_model is not CareFeeModel.FREE:
        raise Conflict(
            "the term is billed for basic care: its groups stay, and children are moved between "
            "them by hand"
        )
    rows = await session.execute(
        select(Student.id, SchoolClass.grade, SchoolClass.id)
        .join(CareApplication, CareApplication.student_id == Student.id)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .where(
            CareApplication.term_id == term_id,
            CareApplication.period == period,
            CareApplication.state == ApplicationState.APPROVED,
        )
        .order_by(Student.id)
    )
    applicants = [Applicant(s, grade, class_id) for s, grade, class_id in rows]
    if not applicants:
        raise RuleViolation(f"no approved applications for {period.value} care to group yet")
    await session.execute(
        delete(CareGroup).where(CareGroup.term_id == term_id, CareGroup.period == period)
    )
    await session.flush()
    for number, planned in enumerate(group_students(applicants, term.care_group_limit), 1):
        group = CareGroup(
            term_id=term_id, period=period, number=number, grades=list(planned.grades)
        )
        session.add(group)
        await session.flush()
        session.add_all(
            CareGroupMember(group_id=group.id, term_id=term_id, student_id=s, period=period)
            for s in planned.student_ids
        )
    await session.flush()
    return await _views(session, term_id)


async def list_groups(session: AsyncSession, principal: Principal, term_id: int) -> list[GroupView]:
    await term_in_reach(session, principal, term_id, Reach.STAFF)
    return await _views(session, term_id)


async def assign(
    session: AsyncSession, principal: Principal, group_id: int, student_id: int, reason: str
) -> list[GroupView]:
    """Move a grouped student into another group by hand: the size limit holds, and a group
    never spans grades that are not adjacent."""
    reason = require_reason(reason)
    group = await get_or_404(session, CareGroup, group_id, "care group")
    term = (await term_in_reach(session, principal, group.term_id, Reach.ADMIN)).term
    member = await session.scalar(
        select(CareGroupMember)
        .where(
            CareGroupMember.term_id == term.id,
            CareGroupMember.student_id == student_id,
            CareGroupMember.period == group.period,
        )
        .with_for_update()
    )
    if member is None:
        raise NotFound(
            f"student {student_id} is in no {group.period.value} basic-care group of this term"
        )
    if member.group_id == group.id:
        raise Conflict("the student is in that group already")
    size = await session.scalar(select(func.count()).where(CareGroupMember.group_id == group.id))
    if (size or 0) >= term.care_group_limit:
        raise Conflict(f"the group holds {term.care_group_limit} students already")
    grade = await session.scalar(
        select(SchoolClass.grade)
        .join(Student, Student.class_id == SchoolClass.id)
        .where(Student.id == student_id)
    )
    assert grade is not None
    grades = sorted({*group.grades, grade})
    if grades[-1] - grades[0] > 1:
        raise RuleViolation("a group spans at most two adjacent grades")
    from_group = member.group_id
    member.group_id = group.id
    group.grades = grades
    session.add(
        AuditEvent(
            school_id=term.school_id, term_id=term.id, actor_id=principal.user_id,
            action="care_group_move", student_id=student_id, reason=reason,
            detail={"from_group_id": from_group, "to_group_id": group.id},
        )
    )  # fmt: skip
    await session.flush()
    left_behind = await session.scalar(
        select(func.count()).where(CareGroupMember.group_id == from_group)
    )
    if not left_behind:  # as few groups as possible: an emptied group goes
        await session.execute(delete(CareGroup).where(CareGroup.id == from_group))
    return await _views(session, term.id)


async def place_late_joiner(
    session: AsyncSession, term: Term, student_id: int, period: Period
) -> bool:
    """A child approved after the term's groups of `period` were formed (mid-term, 篇四) joins
    one: a group with room of their grade, else of an adjacent one, else a new group. Whether a
    group's sessions must be made or moved for it (a new group, or a grade the group did not
    have): False too while the period has no groups yet (they will be formed with everyone)."""
    # The period's groups locked first: two children approved at once do not both take a
    # group's last place.
    of_period = (CareGroup.term_id == term.id, CareGroup.period == period)
    locked = (
        await session.scalars(
            select(CareGroup.id).where(*of_period).order_by(CareGroup.id).with_for_update()
        )
    ).all()
    if not locked:
        return False
    placed = await session.scalar(
        select(CareGroupMember.group_id).where(
            CareGroupMember.term_id == term.id,
            CareGroupMember.student_id == student_id,
            CareGroupMember.period == period,
        )
    )
    if placed is not None:  # grouped by hand before the approval
        return False
    groups = (
        await session.execute(
            select(CareGroup.id, CareGroup.grades, func.count(CareGroupMember.id))
            .outerjoin(CareGroupMember, CareGroupMember.group_id == CareGroup.id)
            .where(*of_period)
            .group_by(CareGroup.id)
        )
    ).all()
    grade = await session.scalar(
        select(SchoolClass.grade)
        .join(Student, Student.class_id == SchoolClass.id)
        .where(Student.id == student_id)
    )
    assert grade is not None
    rooms = [GroupRoom(gid, frozenset(grades), size) for gid, grades, size in groups]
    chosen = group_for_late_joiner(rooms, grade, term.care_group_limit)
    if chosen is None:
        number = await session.scalar(select(func.max(CareGroup.number)).where(*of_period))
        group = CareGroup(term_id=term.id, period=period, number=(number or 0) + 1, grades=[grade])
        session.add(group)
        await session.flush()
        chosen, reshaped = group.id, True
    else:
        joined = await session.get(CareGroup, chosen)
        assert joined is not None
        reshaped = grade not in joined.grades
        if reshaped:
            joined.grades = sorted({*joined.grades, grade})
    session.add(
        CareGroupMember(group_id=chosen, term_id=term.id, student_id=student_id, period=period)
    )
    await session.flush()
    return reshaped
