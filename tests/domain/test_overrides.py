from __future__ import annotations

from datetime import time

import pytest

from app.domain.errors import RuleViolation
from app.domain.grab_errors import CourseCancelled, CourseFull, NotEligible, TimeConflict
from app.domain.overrides import Seat, capacity_after_placement, require_reason
from app.domain.schedule import GradeRule, TimeSlot

RULE_3 = GradeRule(3, time(15, 50), time(17, 30), time(18, 0), frozenset({1, 2, 3, 4, 5}))
RULE_1 = GradeRule(1, time(15, 5), time(17, 30), time(18, 0), frozenset({1, 3, 5}))
TUESDAY_4PM = TimeSlot(frozenset({2}), time(16, 0), time(16, 40))


def seat(capacity: int = 2, taken: int = 0, cancelled: bool = False) -> Seat:
    return Seat(frozenset({3, 4}), TUESDAY_4PM, capacity, taken, cancelled)


def test_a_free_seat_keeps_the_capacity() -> None:
    assert capacity_after_placement(3, RULE_3, seat(taken=1), [], above_capacity=False) == 2


def test_a_full_course_refuses_unless_above_capacity_is_asked_for() -> None:
    with pytest.raises(CourseFull):
        capacity_after_placement(3, RULE_3, seat(taken=2), [], above_capacity=False)
    assert capacity_after_placement(3, RULE_3, seat(taken=2), [], above_capacity=True) == 3


@pytest.mark.parametrize(
    ("grade", "rule", "held", "course", "error"),
    [
        (3, RULE_3, [], seat(cancelled=True), CourseCancelled),
        (5, RULE_3, [], seat(), NotEligible),  # grade not listed
        (1, RULE_1, [], Seat(frozenset({1}), TUESDAY_4PM, 2, 0, False), NotEligible),  # weekday
        (3, RULE_3, [TimeSlot(frozenset({2}), time(16, 30), time(17, 0))], seat(), TimeConflict),
    ],
)
def test_no_override_lifts_grade_weekday_conflict_or_cancellation(
    grade: int, rule: GradeRule, held: list[TimeSlot], course: Seat, error: type[Exception]
) -> None:
    with pytest.raises(error):
        capacity_after_placement(grade, rule, course, held, above_capacity=True)


def test_an_override_needs_a_reason() -> None:
    assert require_reason("  家长申请 ") == "家长申请"
    with pytest.raises(RuleViolation):
        require_reason("   ")
