"""Vetting people from outside: the school and, where there is one, the parent committee; then
the three-party agreement."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.errors import Conflict, PermissionDenied, RuleViolation
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

NEW = Vetting(OutsideState.PROPOSED, False, False, has_committee=True)
TODAY = date(2026, 9, 1)
SIGNED = Agreement(TODAY, "溪尾中心小学", "家委会 王芳", "刘老师")


def test_both_sides_approve_in_either_order() -> None:
    school_first = vet(vet(NEW, Vetter.SCHOOL, True, ""), Vetter.COMMITTEE, True, "")
    committee_first = vet(vet(NEW, Vetter.COMMITTEE, True, ""), Vetter.SCHOOL, True, "")
    assert school_first == committee_first
    assert school_first.state is OutsideState.VETTED
    assert vet(NEW, Vetter.SCHOOL, True, "").state is OutsideState.PROPOSED


def test_without_a_committee_the_school_alone_vets() -> None:
    alone = Vetting(OutsideState.PROPOSED, False, False, has_committee=False)
    assert vet(alone, Vetter.SCHOOL, True, "").state is OutsideState.VETTED
    with pytest.raises(PermissionDenied):
        vet(alone, Vetter.COMMITTEE, True, "")


def test_a_refusal_needs_a_reason_and_ends_the_vetting() -> None:
    with pytest.raises(Conflict, match="reason"):
        vet(NEW, Vetter.COMMITTEE, False, " ")
    refused = vet(NEW, Vetter.COMMITTEE, False, "无资质")
    assert refused.state is OutsideState.REFUSED
    with pytest.raises(Conflict):
        vet(refused, Vetter.SCHOOL, True, "")


def test_the_agreement_is_signed_once_vetted_by_three_named_parties() -> None:
    require_agreement(OutsideState.VETTED, SIGNED, TODAY)
    with pytest.raises(Conflict):
        require_agreement(OutsideState.PROPOSED, SIGNED, TODAY)
    with pytest.raises(RuleViolation, match="three parties"):
        require_agreement(OutsideState.VETTED, Agreement(TODAY, "学校", " ", "刘老师"), TODAY)
    with pytest.raises(RuleViolation, match="ahead"):
        require_agreement(OutsideState.VETTED, SIGNED, date(2026, 8, 31))


def test_a_provider_s_teacher_names_the_provider() -> None:
    require_provider(OutsideKind.RETIRED_TEACHER, "")
    require_provider(OutsideKind.PROVIDER_TEACHER, "体育中心")
    with pytest.raises(RuleViolation):
        require_provider(OutsideKind.PROVIDER_TEACHER, "")
