"""People from outside taken on as teachers (外聘人员): proposed by the school's administrators,
vetted by the school and its parent committee, engaged by the three-party agreement, which gives
them the school's `external_teacher` role (roll calls, and their sessions in workload)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal, Role, may_receive_staff_role
from app.domain.errors import NotFound, PermissionDenied, RuleViolation
from app.domain.outside import (
    Agreement,
    OutsideKind,
    OutsideState,
    Vetter,
    Vetting,
    require_agreement,
    require_provider,
    vet,
)
from app.domain.phones import e164_phone
from app.models import AuditEvent, OutsideStaff, RoleGrant, User
from app.services.common import (
    get_or_404,
    require,
    require_admin_of,
    school_scope,
    school_today,
)
from app.services.schools import districts_of


async def propose(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    kind: OutsideKind,
    name: str,
    phone: str,
    provider: str,
) -> OutsideStaff:
    """An administrator proposes a person from outside; the account their phone names is theirs
    when the district may take that account on (the staff rule), else a new one is made: the
    answer is the same either way, so that no phone of another district can be probed here."""
    scope = await require_admin_of(session, principal, school_id)
    require_provider(kind, provider)
    number = e164_phone(phone)
    if number is None:
        raise RuleViolation(f"{phone!r} is not a valid phone number")
    users = (await session.scalars(select(User).where(User.phone == number).limit(2))).all()
    user = None
    if len(users) == 1 and may_receive_staff_role(
        await districts_of(session, users[0].id), scope.district_id, identified=True
    ):
        user = users[0]
    if user is None:
        user = User(name=name.strip(), phone=number)
        session.add(user)
        await session.flush()
    person = OutsideStaff(
        school_id=school_id,
        user_id=user.id,
        kind=kind.value,
        provider=provider.strip(),
        proposed_by_id=principal.user_id,
    )
    session.add(person)
    await session.flush()
    await session.refresh(person)
    _audit(session, principal, person, "outside_proposed", kind.value)
    return person


async def _has_committee(session: AsyncSession, school_id: int) -> bool:
    found = await session.scalar(
        select(RoleGrant.id)
        .where(RoleGrant.school_id == school_id, RoleGrant.role == Role.PARENT_COMMITTEE)
        .limit(1)
    )
    return found is not None


async def vetting(
    session: AsyncSession, principal: Principal, outside_id: int, approve: bool, reason: str
) -> OutsideStaff:
    """The school's administrators vet for the school, a parent committee member for the
    committee."""
    # Locked: the school's and the committee's decisions at once are one after the other.
    person = await session.get(OutsideStaff, outside_id, with_for_update=True)
    if person is None:
        raise NotFound(f"no outside staff {outside_id}")
    scope = await school_scope(session, person.school_id)
    if principal.administers_school(scope):
        side = Vetter.SCHOOL
    elif principal.sits_on_committee(scope):
        side = Vetter.COMMITTEE
    else:
        raise PermissionDenied("the school and its parent committee vet who is taken on")
    current = Vetting(
        OutsideState(person.state),
        person.school_approved,
        person.committee_approved,
        await _has_committee(session, person.school_id),
    )
    after = vet(current, side, approve, reason)
    person.state = after.state.value
    person.school_approved, person.committee_approved = (
        after.school_approved,
        after.committee_approved,
    )
    if after.state is OutsideState.REFUSED:
        person.refusal_reason = reason.strip()
    _audit(
        session, principal, person, f"outside_{'approved' if approve else 'refused'}_by_{side}",
        reason.strip() or "审核通过",
    )  # fmt: skip
    await session.flush()
    return person


async def engage(
    session: AsyncSession, principal: Principal, outside_id: int, agreement: Agreement
) -> OutsideStaff:
    """Record the signed three-party agreement: the person becomes a teacher of the school."""
    person = await get_or_404(session, OutsideStaff, outside_id, "outside staff")
    await require_admin_of(session, principal, person.school_id)
    require_agreement(OutsideState(person.state), agreement, school_today())
    person.state = OutsideState.ENGAGED.value
    person.signed_on = agreement.signed_on
    person.school_party = agreement.school_party.strip()
    person.parent_party = agreement.parent_party.strip()
    person.person_party = agreement.person_party.strip()
    person.engaged_at = datetime.now(UTC)
    held = await session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == person.user_id,
            RoleGrant.school_id == person.school_id,
            RoleGrant.role == Role.EXTERNAL_TEACHER,
        )
    )
    if held is None:
        session.add(
            RoleGrant(
                user_id=person.user_id, role=Role.EXTERNAL_TEACHER, school_id=person.school_id
            )
        )
    _audit(session, principal, person, "outside_engaged", f"三方协议 {agreement.signed_on}")
    await session.flush()
    return person


async def of_school(
    session: AsyncSession, principal: Principal, school_id: int
) -> Sequence[OutsideStaff]:
    """For the school's administrators and its parent committee (who vet them)."""
    scope = await school_scope(session, school_id)
    require(
        principal.administers_school(scope) or principal.sits_on_committee(scope),
        "the school's administrators and parent committee see who is proposed",
    )
    rows = await session.scalars(
        select(OutsideStaff).where(OutsideStaff.school_id == school_id).order_by(OutsideStaff.id)
    )
    return rows.all()


def _audit(
    session: AsyncSession, principal: Principal, person: OutsideStaff, action: str, reason: str
) -> None:
    session.add(
        AuditEvent(
            school_id=person.school_id, actor_id=principal.user_id, action=action,
            reason=reason, detail={"outside_staff_id": person.id, "user_id": person.user_id},
        )
    )  # fmt: skip
