"""A term's timetable with midday care (午托): each offering is judged by the rules of its period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.eligibility import slot_of
from app.domain.schedule import (
    GRADES,
    SCHOOL_WEEK,
    MiddayWindow,
    Period,
    Timetable,
    care_group_name,
    default_grade_rules,
)
from app.domain.workload import Rates, SupervisedSession, workload

WITH_MIDDAY = Timetable(default_grade_rules(), MiddayWindow())


@dataclass(frozen=True)
class Offering:
    grades: list[int]
    weekdays: list[int]
    period: Period = Period.AFTER_SCHOOL
    start_time: time | None = None
    end_time: time | None = None


def test_after_school_rules_are_the_grades_and_midday_is_every_grade_every_school_day() -> None:
    assert WITH_MIDDAY.rules(Period.AFTER_SCHOOL) == default_grade_rules()
    midday = WITH_MIDDAY.rules(Period.MIDDAY)
    assert sorted(midday) == list(GRADES)
    for rule in midday.values():
        assert (rule.start, rule.end, rule.summer_end) == (time(11), time(13, 30), time(13, 30))
        assert rule.weekdays == SCHOOL_WEEK


def test_a_term_without_a_midday_window_has_no_midday_rules() -> None:
    with pytest.raises(ValueError, match="no midday care"):
        Timetable(default_grade_rules()).rules(Period.MIDDAY)
    with pytest.raises(ValueError, match="no midday care"):
        slot_of(Offering([3], [2], Period.MIDDAY), Timetable(default_grade_rules()))


def test_the_same_hours_fit_one_period_and_not_the_other() -> None:
    noon = Offering([1], [2], Period.MIDDAY, time(12), time(12, 40))
    slot = slot_of(noon, WITH_MIDDAY)
    assert (slot.start, slot.end) == (time(12), time(12, 40))
    with pytest.raises(ValueError, match="between 15:05 and 17:30"):
        slot_of(Offering([1], [2], Period.AFTER_SCHOOL, time(12), time(12, 40)), WITH_MIDDAY)
    default = slot_of(Offering([3, 4], [1], Period.MIDDAY), WITH_MIDDAY)
    assert (default.start, default.end) == (time(11), time(13, 30))


@given(
    st.lists(st.sampled_from(list(GRADES)), min_size=1, unique=True),
    st.lists(st.sampled_from(sorted(SCHOOL_WEEK)), min_size=1, unique=True),
)
def test_midday_and_after_school_slots_never_clash(grades: list[int], weekdays: list[int]) -> None:
    midday = slot_of(Offering(grades, weekdays, Period.MIDDAY), WITH_MIDDAY)
    rules = default_grade_rules()
    after = [g for g in grades if set(weekdays) <= rules[g].weekdays]
    if after:
        after_school = slot_of(Offering(after, weekdays), WITH_MIDDAY)
        assert not midday.conflicts_with(after_school)


def test_a_midday_window_must_be_in_order() -> None:
    with pytest.raises(ValueError, match="start before it ends"):
        MiddayWindow(time(13, 30), time(11))
    with pytest.raises(ValueError, match="summer end not earlier"):
        MiddayWindow(time(11), time(13, 30), time(13))


def test_groups_are_named_by_their_period() -> None:
    assert care_group_name(Period.AFTER_SCHOOL, 3) == "基础托管3组"
    assert care_group_name(Period.MIDDAY, 3) == "午托3组"


def test_workload_counts_midday_sessions_among_all_at_the_same_rates() -> None:
    line = workload(
        [
            SupervisedSession(150, 10, Period.MIDDAY),
            SupervisedSession(90, 10),
            SupervisedSession(150, 5, Period.MIDDAY),
        ],
        activities=0,
        patrols=0,
        rates=Rates(),
    )
    assert (line.sessions, line.midday_sessions) == (3, 2)
    assert line.student_minutes == 150 * 10 + 90 * 10 + 150 * 5
    assert line.points == 3 * 50
