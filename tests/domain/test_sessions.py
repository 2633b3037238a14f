"""Sessions from the term calendar: weekdays, holidays, 调休, suspensions and the summer schedule."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.schedule import (
    FRIDAY,
    MONDAY,
    TUESDAY,
    WEDNESDAY,
    DateRange,
    MakeUpDay,
    TermCalendar,
    default_grade_rules,
)
from app.domain.sessions import (
    Hours,
    care_group_hours,
    care_group_weekdays,
    course_hours,
    plan_care_group,
    plan_sessions,
)
from app.domain.zone import SCHOOL_ZONE

RULES = default_grade_rules()
# 2026-09-28 (Mon) .. 2026-10-11 (Sun): National Day week off, 10-10 (Sat) worked as a Friday.
TERM = DateRange(date(2026, 9, 28), date(2026, 10, 11))
NATIONAL_DAY = frozenset(date(2026, 10, d) for d in range(1, 8) if date(2026, 10, d).weekday() < 5)
CALENDAR = TermCalendar(
    term=TERM,
    suspensions=frozenset({date(2026, 9, 30)}),
    holidays=NATIONAL_DAY,
    make_up_days=(MakeUpDay(date(2026, 10, 10), follows_weekday=FRIDAY),),
)
HOURS = Hours(time(16, 0), time(16, 40), time(16, 40))


def test_a_course_meets_on_its_weekdays_minus_holidays_and_suspensions() -> None:
    planned = plan_sessions(CALENDAR, frozenset({MONDAY, WEDNESDAY}), HOURS, None)
    # Mon 9-28 meets; Wed 9-30 is suspended; Mon/Wed 10-5, 10-7 are holidays; 10-10 follows Friday.
    assert [p.on_date for p in planned] == [date(2026, 9, 28)]


def test_a_make_up_day_follows_the_weekday_it_replaces() -> None:
    planned = plan_sessions(CALENDAR, frozenset({FRIDAY}), HOURS, None)
    # Fri 10-2 is a National Day holiday; Fri 10-9 meets; Sat 10-10 is worked as a Friday.
    assert [p.on_date for p in planned] == [date(2026, 10, 9), date(2026, 10, 10)]


def test_times_are_the_school_zones_and_the_summer_schedule_ends_later() -> None:
    rules = default_grade_rules()
    hours = course_hours([3, 4], rules)
    summer = DateRange(date(2026, 9, 28), date(2026, 9, 29))
    planned = plan_sessions(CALENDAR, frozenset({MONDAY, TUESDAY}), hours, summer)
    first, second = planned[0], planned[1]
    assert first.starts_at.tzinfo == SCHOOL_ZONE
    assert (first.starts_at.time(), first.ends_at.time()) == (time(15, 50), time(18, 0))
    assert second.on_date == date(2026, 9, 29)
    assert second.ends_at.time() == time(18, 0)
    later = plan_sessions(CALENDAR, frozenset({MONDAY}), hours, DateRange(TERM.first, TERM.first))
    assert all(p.ends_at.time() == time(17, 30) for p in later if p.on_date != TERM.first)


def test_a_course_with_its_own_times_keeps_them_in_summer() -> None:
    hours = course_hours([3], RULES, time(16, 0), time(16, 40))
    assert hours == Hours(time(16, 0), time(16, 40), time(16, 40))


def test_a_course_without_times_runs_while_all_its_grades_are_in_care() -> None:
    hours = course_hours([2, 5], RULES)
    assert (hours.start, hours.end, hours.summer_end) == (time(16, 0), time(17, 30), time(18, 0))


def test_a_care_group_opens_for_its_earliest_grade_and_meets_on_any_of_their_days() -> None:
    hours = care_group_hours([2, 3], RULES)
    assert hours.start == time(15, 5)
    assert hours.end == time(17, 30)
    assert care_group_weekdays([2], RULES) == frozenset({1, 3, 5})
    assert care_group_weekdays([2, 3], RULES) == frozenset({1, 2, 3, 4, 5})


def test_a_mixed_care_group_meets_each_day_for_the_grades_due_that_day() -> None:
    planned = {p.on_date: p for p in plan_care_group(CALENDAR, [2, 3], RULES, None)}
    tuesday, thursday, friday = date(2026, 9, 29), date(2026, 10, 1), date(2026, 10, 2)
    assert planned[date(2026, 9, 28)].grades == (2, 3)  # Monday: both grades
    assert planned[tuesday].grades == (3,)  # grade 2 attends Mon/Wed/Fri only
    assert planned[tuesday].starts_at.time() == time(15, 50)  # so the group opens for grade 3
    assert planned[date(2026, 9, 28)].starts_at.time() == time(15, 5)
    assert thursday not in planned  # National Day
    assert friday not in planned
    assert planned[date(2026, 10, 10)].grades == (2, 3)  # the 调休 Saturday follows a Friday


def test_a_make_up_day_following_no_weekday_meets_only_for_grades_in_every_day() -> None:
    calendar = TermCalendar(term=TERM, make_up_days=(MakeUpDay(date(2026, 10, 10)),))
    assert date(2026, 10, 10) not in {
        p.on_date for p in plan_care_group(calendar, [2], RULES, None)
    }
    mixed = {p.on_date: p for p in plan_care_group(calendar, [2, 3], RULES, None)}
    assert mixed[date(2026, 10, 10)].grades == (3,)


@given(grades=st.sets(st.integers(1, 6), min_size=1))
def test_a_care_group_session_is_for_exactly_the_grades_the_calendar_says(grades: set[int]) -> None:
    planned = {p.on_date: p for p in plan_care_group(CALENDAR, grades, RULES, None)}
    for day in TERM.days():
        due = tuple(sorted(g for g in grades if CALENDAR.meets_on(RULES[g].weekdays, day)))
        assert (planned[day].grades if day in planned else ()) == due


def test_hours_refuse_an_end_before_the_start() -> None:
    with pytest.raises(ValueError, match="start before it ends"):
        Hours(time(17, 0), time(16, 0), time(18, 0))
    with pytest.raises(ValueError, match="at least one grade"):
        course_hours([], RULES)


@given(
    weekdays=st.frozensets(st.integers(1, 5), min_size=1),
    suspended=st.sets(st.integers(0, 13)),
)
def test_planned_sessions_meet_only_where_the_calendar_says(
    weekdays: frozenset[int], suspended: set[int]
) -> None:
    calendar = TermCalendar(
        term=TERM,
        suspensions=frozenset(TERM.first + timedelta(days=d) for d in suspended),
        holidays=NATIONAL_DAY,
        make_up_days=(MakeUpDay(date(2026, 10, 10), follows_weekday=FRIDAY),),
    )
    planned = plan_sessions(calendar, weekdays, HOURS, None)
    days = [p.on_date for p in planned]
    assert days == sorted(set(days))
    for day in days:
        assert day not in calendar.suspensions
        assert day not in calendar.holidays
        assert day.isoweekday() in weekdays or day == date(2026, 10, 10)
    for day in TERM.days():
        if calendar.meets_on(weekdays, day):
            assert day in days
