"""People from outside the school's staff (篇一/四/七: 退休教师、有专业特长的家长、社会人士、志愿者,
第三方机构的教师): taken on as care or course teachers only once vetted by the school and by the
parent committee (课后服务外聘人员应经学校和家长委员会审核通过), and once the three-party agreement
(学校、家长代表、被聘用服务人员签订三方协议) is signed; from then on they take roll calls and their
sessions count in workload like any teacher's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.errors import Conflict, PermissionDenied, RuleViolation


class OutsideKind(StrEnum):
    RETIRED_TEACHER = "retired_teacher"  # 退休教师
    SKILLED_PARENT = "skilled_parent"  # 有专业特长的家长
    VOLUNTEER = "volunteer"  # 志愿者、社会人士
    PROVIDER_TEACHER = "provider_teacher"  # 第三方机构的教师


class OutsideState(StrEnum):
    PROPOSED = "proposed"  # being vetted
    VETTED = "vetted"  # approved by the school and (where there is one) the parent committee
    ENGAGED = "engaged"  # the three-party agreement signed: a teacher of the school
    REFUSED = "refused"


class Vetter(StrEnum):
    SCHOOL = "school"
    COMMITTEE = "committee"


@dataclass(frozen=True)
class Vetting:
    state: OutsideState
    school_approved: bool
    committee_approved: bool
    has_committee: bool


def require_provider(kind: OutsideKind, provider: str) -> None:
    if kind is OutsideKind.PROVIDER_TEACHER and not provider.strip():
        raise RuleViolation("a provider's teacher names the provider (第三方机构)")


def vet(current: Vetting, by: Vetter, approve: bool, reason: str) -> Vetting:
    """One side's decision: a refusal (with a reason) ends it; the person is vetted once the
    school and, where the school has one, the parent committee have approved."""
    if current.state is not OutsideState.PROPOSED:
        raise Conflict(f"the person is {current.state.value} already")
    if by is Vetter.COMMITTEE and not current.has_committee:
        raise PermissionDenied("the school has no parent committee")
    if not approve:
        if not reason.strip():
            raise Conflict("a refusal needs a reason")
        return Vetting(OutsideState.REFUSED, False, False, current.has_committee)
    school = current.school_approved or by is Vetter.SCHOOL
    committee = current.committee_approved or by is Vetter.COMMITTEE
    done = school and (committee or not current.has_committee)
    state = OutsideState.VETTED if done else OutsideState.PROPOSED
    return Vetting(state, school, committee, current.has_committee)


@dataclass(frozen=True)
class Agreement:
    """The three-party agreement: the school, the parents' representative and the person (and,
    for a provider's teacher, the provider)."""

    signed_on: date
    school_party: str
    parent_party: str
    person_party: str


def require_agreement(state: OutsideState, agreement: Agreement, today: date) -> None:
    if state is not OutsideState.VETTED:
        raise Conflict("the agreement is signed once the person is vetted by the school and the "
                       "parent committee")  # fmt: skip
    parties = (agreement.school_party, agreement.parent_party, agreement.person_party)
    if any(not party.strip() for party in parties):
        raise RuleViolation("the agreement names its three parties")
    if agreement.signed_on > today:
        raise RuleViolation("an agreement is recorded once signed, not ahead")
