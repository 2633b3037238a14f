"""Roll-call marks and the attendance policies (seed: 视作自动放弃 after repeated unexcused
absence; warning then 劝退 after repeated late pickup)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.attendance import (
    PolicyAction,
    PolicyLimits,
    absence_actions,
    conduct_actions,
    is_late_pickup,
    late_pickup_actions,
    leave_covers,
    mark,
    requested_in_advance,
    unexcused_absences,
)
from app.domain.statuses import AttendanceStatus

A = AttendanceStatus
P = PolicyAction


@pytest.mark.parametrize(
    ("recorded", "on_leave", "expected"),
    [
        (A.ABSENT, True, A.LEAVE),  # approved leave excuses an absence
        (A.ABSENT, False, A.ABSENT),
        (A.LEAVE, False, A.ABSENT),  # "on leave" without approved leave is unexcused
        (A.LEAVE, True, A.LEAVE),
        (A.PRESENT, True, A.PRESENT),  # came anyway
        (A.LATE, True, A.LATE),
        (A.PRESENT, False, A.PRESENT),
    ],
)
def test_marks(recorded: A, on_leave: bool, expected: A) -> None:
    assert mark(recorded, on_leave) is expected


@pytest.mark.parametrize(
    ("absences", "expected"),
    [
        (0, []),
        (1, []),
        (2, [P.ABSENCE_WARNING]),
        (3, [P.ABSENCE_WARNING, P.PLACE_GIVEN_UP]),
        (7, [P.ABSENCE_WARNING, P.PLACE_GIVEN_UP]),
    ],
)
def test_absence_policy_warns_one_before_the_limit(absences: int, expected: list[P]) -> None:
    assert absence_actions(absences, PolicyLimits(absences=3)) == expected


def test_a_limit_of_one_gives_the_place_up_without_a_warning() -> None:
    assert absence_actions(1, PolicyLimits(absences=1)) == [P.PLACE_GIVEN_UP]


@pytest.mark.parametrize(
    ("late", "expected"),
    [
        (2, []),
        (3, [P.LATE_PICKUP_WARNING]),
        (4, [P.LATE_PICKUP_WARNING, P.DISMISSAL_PROPOSED]),
    ],
)
def test_late_pickups_warn_at_the_limit_then_propose_a_dismissal(
    late: int, expected: list[P]
) -> None:
    assert late_pickup_actions(late, PolicyLimits(late_pickups=3)) == expected


def test_limits_are_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        PolicyLimits(absences=0)


def test_a_pickup_within_the_grace_is_on_time() -> None:
    end = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert not is_late_pickup(end, end + timedelta(minutes=10), 10)
    assert is_late_pickup(end, end + timedelta(minutes=10, seconds=1), 10)


def test_leave_is_asked_in_advance_and_covers_its_days() -> None:
    today = date(2026, 3, 2)
    assert requested_in_advance(today, today)
    assert not requested_in_advance(today - timedelta(days=1), today)
    assert leave_covers(date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 3))
    assert not leave_covers(date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 5))


@given(st.lists(st.sampled_from(list(A))))
def test_only_absent_marks_count_as_unexcused(marks: list[A]) -> None:
    assert unexcused_absences(marks) == marks.count(A.ABSENT)
    assert all(m.attended == (m in (A.PRESENT, A.LATE)) for m in marks)


@given(st.integers(0, 50), st.integers(1, 10))
def test_the_place_is_given_up_exactly_from_the_limit_on(absences: int, limit: int) -> None:
    actions = absence_actions(absences, PolicyLimits(absences=limit))
    assert (P.PLACE_GIVEN_UP in actions) == (absences >= limit)
    if P.PLACE_GIVEN_UP in actions and limit > 1:
        assert P.ABSENCE_WARNING in actions


def test_conduct_incidents_warn_at_the_limit_and_propose_a_dismissal_past_it() -> None:
    limits = PolicyLimits(conduct=3)
    assert [conduct_actions(n, limits) for n in (1, 2)] == [[], []]
    assert conduct_actions(3, limits) == [PolicyAction.CONDUCT_WARNING]
    assert conduct_actions(4, limits) == [
        PolicyAction.CONDUCT_WARNING,
        PolicyAction.DISMISSAL_PROPOSED,
    ]
    with pytest.raises(ValueError, match="at least 1"):
        PolicyLimits(conduct=0)
