"""When basic care can be applied for or withdrawn, who may ask to leave what, and which group a
child approved mid-term joins."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.errors import Conflict, PermissionDenied, RuleViolation
from app.domain.grab_errors import WindowClosed, WindowNotOpen
from app.domain.leaving import (
    CareWindow,
    GroupRoom,
    decide,
    group_for_late_joiner,
    require_care_applications_open,
    require_may_ask_to_leave,
    withdraw,
)
from app.domain.statuses import ExitState

OPENS = datetime(2026, 8, 30, 3, 0, tzinfo=UTC)  # 11:00 in Beijing
CLOSES = OPENS + timedelta(hours=24)
LAST_DAY = date(2027, 1, 20)


def _window(midterm: bool) -> CareWindow:
    return CareWindow(OPENS, CLOSES, LAST_DAY, midterm)


@pytest.mark.parametrize("midterm", [False, True])
def test_inside_the_window_applications_are_open_either_way(midterm: bool) -> None:
    require_care_applications_open(_window(midterm), OPENS, OPENS.date())
    require_care_applications_open(_window(midterm), CLOSES - timedelta(seconds=1), CLOSES.date())
    with pytest.raises(WindowNotOpen):
        require_care_applications_open(_window(midterm), OPENS - timedelta(seconds=1), OPENS.date())


def test_after_the_window_only_a_midterm_term_takes_applications_until_its_last_day() -> None:
    later = CLOSES + timedelta(days=30)
    with pytest.raises(WindowClosed):
        require_care_applications_open(_window(False), CLOSES, CLOSES.date())
    require_care_applications_open(_window(True), later, later.date())
    require_care_applications_open(_window(True), later, LAST_DAY)
    with pytest.raises(WindowClosed):
        require_care_applications_open(_window(True), later, LAST_DAY + timedelta(days=1))


def test_a_care_place_may_always_be_asked_to_be_left_a_course_only_where_allowed() -> None:
    require_may_ask_to_leave(course=False, withdrawal_allowed=False)
    require_may_ask_to_leave(course=True, withdrawal_allowed=True)
    with pytest.raises(RuleViolation):
        require_may_ask_to_leave(course=True, withdrawal_allowed=False)


def test_the_school_decides_a_pending_request_once_and_a_refusal_says_why() -> None:
    assert decide(ExitState.PENDING, True, "") is ExitState.APPROVED
    assert decide(ExitState.PENDING, False, "学期将结束") is ExitState.REFUSED
    with pytest.raises(Conflict):
        decide(ExitState.PENDING, False, "  ")
    for decided in (ExitState.APPROVED, ExitState.REFUSED, ExitState.WITHDRAWN):
        with pytest.raises(Conflict):
            decide(decided, True, "")


def test_only_the_family_withdraws_and_only_while_pending() -> None:
    assert withdraw(ExitState.PENDING, by_requester=True) is ExitState.WITHDRAWN
    with pytest.raises(PermissionDenied):
        withdraw(ExitState.PENDING, by_requester=False)
    with pytest.raises(Conflict):
        withdraw(ExitState.APPROVED, by_requester=True)


def test_a_late_joiner_takes_the_smallest_group_of_their_grade_with_room() -> None:
    groups = [
        GroupRoom(1, frozenset({3}), 40),  # full
        GroupRoom(2, frozenset({3}), 35),
        GroupRoom(3, frozenset({3, 4}), 20),
        GroupRoom(4, frozenset({2}), 5),
    ]
    assert group_for_late_joiner(groups, 3, 40) == 3
    assert group_for_late_joiner(groups, 4, 40) == 3
    # No group of the grade: an adjacent one with room, keeping a group within two grades.
    assert group_for_late_joiner(groups, 1, 40) == 4
    assert group_for_late_joiner(groups, 5, 40) is None  # 3–5 would span three grades
    assert group_for_late_joiner([GroupRoom(1, frozenset({3}), 40)], 3, 40) is None
    assert group_for_late_joiner([], 3, 40) is None
