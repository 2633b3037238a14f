"""The seed's timetable, slots, conflicts and session dates."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.schedule import (
    FRIDAY,
    MONDAY,
    SATURDAY,
    SCHOOL_WEEK,
    SUNDAY,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
    DateRange,
    GradeRule,
    MakeUpDay,
    TermCalendar,
    TimeSlot,
    any_conflict,
    build_calendar,
    default_grade_rules,
    slot_on,
)

RULES = default_grade_rules()
SUMMER = DateRange(date(2026, 5, 1), date(2026, 9, 30))
MWF = frozenset({MONDAY, WEDNESDAY, FRIDAY})


@pytest.mark.parametrize(
    ("grade", "day", "expected"),
    [
        (1, date(2026, 3, 2), (time(15, 5), time(17, 30))),  # Monday, winter
        (2, date(2026, 5, 6), (time(15, 5), time(18, 0))),  # Wednesday, summer schedule
        (3, date(2026, 3, 3), (time(15, 50), time(17, 30))),
        (4, date(2026, 9, 30), (time(15, 50), time(18, 0))),  # last day of summer
        (5, date(2026, 10, 8), (time(16, 0), time(17, 30))),  # first winter week
        (6, date(2026, 3, 6), (time(16, 0), time(17, 30))),
    ],
)
def test_grade_slot_on_a_date(grade: int, day: date, expected: tuple[time, time]) -> None:
    assert slot_on(RULES[grade], day, SUMMER) == expected


def test_whether_a_grade_attends_a_date_is_the_calendars() -> None:
    calendar = TermCalendar(
        DateRange(date(2026, 3, 2), date(2026, 3, 8)),
        make_up_days=(MakeUpDay(date(2026, 3, 8), MONDAY),),
    )
    assert not calendar.meets_on(RULES[2].weekdays, date(2026, 3, 3))  # Tuesday: Mon/Wed/Fri only
    assert not calendar.meets_on(RULES[6].weekdays, date(2026, 3, 7))  # Saturday
    assert calendar.meets_on(RULES[2].weekdays, date(2026, 3, 8))  # a Sunday worked as a Monday


def test_without_a_summer_schedule_care_ends_at_1730() -> None:
    assert slot_on(RULES[3], date(2026, 6, 2), None) == (time(15, 50), time(17, 30))


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        ((MWF, time(16, 0), time(16, 40)), (frozenset({MONDAY}), time(16, 20), time(17, 0)), True),
        (
            (MWF, time(16, 0), time(16, 40)),
            (frozenset({TUESDAY}), time(16, 0), time(16, 40)),
            False,
        ),
        (
            (MWF, time(16, 0), time(16, 40)),
            (MWF, time(16, 40), time(17, 20)),
            False,
        ),  # back to back
        ((MWF, time(16, 0), time(17, 30)), (frozenset({FRIDAY}), time(16, 50), time(17, 0)), True),
        ((SCHOOL_WEEK, time(15, 50), time(17, 30)), (MWF, time(15, 5), time(15, 51)), True),
    ],
)
def test_two_courses_conflict_when_days_and_times_overlap(
    a: tuple[frozenset[int], time, time], b: tuple[frozenset[int], time, time], conflict: bool
) -> None:
    first, second = TimeSlot(*a), TimeSlot(*b)
    assert first.conflicts_with(second) is conflict
    assert second.conflicts_with(first) is conflict
    assert any_conflict(first, [second]) is conflict


minutes = st.integers(min_value=15 * 60, max_value=18 * 60)
weekday_sets = st.frozensets(st.integers(1, 7), min_size=1)


@st.composite
def slots(draw: st.DrawFn) -> TimeSlot:
    start = draw(minutes)
    length = draw(st.integers(min_value=1, max_value=150))
    end = min(start + length, 23 * 60)
    return TimeSlot(draw(weekday_sets), time(start // 60, start % 60), time(end // 60, end % 60))


@given(slots(), slots())
def test_conflict_is_symmetric_and_a_slot_conflicts_with_itself(a: TimeSlot, b: TimeSlot) -> None:
    assert a.conflicts_with(b) == b.conflicts_with(a)
    assert a.conflicts_with(a)


def test_invalid_slots_and_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="start before"):
        TimeSlot(MWF, time(17, 0), time(16, 0))
    with pytest.raises(ValueError, match="ISO"):
        TimeSlot(frozenset({0}), time(16, 0), time(17, 0))
    with pytest.raises(ValueError, match="grade"):
        GradeRule(7, time(16, 0), time(17, 30), time(18, 0))
    with pytest.raises(ValueError, match="end before"):
        DateRange(date(2026, 3, 2), date(2026, 3, 1))


TERM = DateRange(date(2026, 9, 1), date(2026, 10, 16))


def test_session_dates_skip_weekends_suspensions_and_holidays() -> None:
    calendar = TermCalendar(
        term=TERM,
        suspensions=frozenset({date(2026, 9, 16)}),  # sports day, a Wednesday
        holidays=frozenset({date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5)}),
    )
    wednesdays = calendar.session_dates(frozenset({WEDNESDAY}))
    assert date(2026, 9, 16) not in wednesdays
    assert date(2026, 9, 2) in wednesdays
    assert all(day.isoweekday() == WEDNESDAY for day in wednesdays)
    assert len(wednesdays) == 7 - 1  # 7 Wednesdays in the term, one suspended
    fridays = calendar.session_dates(frozenset({FRIDAY}))
    assert date(2026, 10, 2) not in fridays


def test_make_up_days_follow_the_named_weekday_or_only_all_week_courses() -> None:
    calendar = TermCalendar(
        term=TERM,
        make_up_days=(MakeUpDay(date(2026, 9, 27)), MakeUpDay(date(2026, 10, 10), THURSDAY)),
    )
    every_day = calendar.session_dates(SCHOOL_WEEK)
    thursdays = calendar.session_dates(frozenset({THURSDAY}))
    mondays = calendar.session_dates(frozenset({MONDAY}))
    assert date(2026, 9, 27) in every_day  # a Sunday worked: all-week courses meet
    assert date(2026, 9, 27) not in mondays
    assert date(2026, 10, 10) in thursdays  # a Saturday on Thursday's timetable
    assert date(2026, 10, 10) not in mondays


def test_build_calendar_combines_public_days_with_school_overrides() -> None:
    public = {
        date(2026, 10, 1): True,  # National Day, Thursday
        date(2026, 10, 2): True,
        date(2026, 9, 27): False,  # Sunday worked (调休)
    }
    overrides = {
        date(2026, 10, 9): (False, None),  # the school closes a Friday
        date(2026, 10, 10): (True, FRIDAY),  # and opens a Saturday on Friday's timetable
    }
    calendar = build_calendar(TERM, [date(2026, 9, 16)], public.get, overrides)
    assert calendar.holidays == {date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 9)}
    assert [m.day for m in calendar.make_up_days] == [date(2026, 9, 27), date(2026, 10, 10)]
    fridays = calendar.session_dates(frozenset({FRIDAY}))
    assert date(2026, 10, 10) in fridays
    assert date(2026, 10, 9) not in fridays
    assert calendar.suspensions == {date(2026, 9, 16)}


def test_weekend_days_never_meet_unless_made_up() -> None:
    calendar = TermCalendar(term=TERM)
    assert calendar.session_dates(frozenset({SATURDAY, SUNDAY})) == []
