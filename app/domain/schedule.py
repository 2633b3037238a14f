"""Time slots and school days: when a grade is in care, and on which dates a course meets.

Defaults come from the source plans: grades 1–2 15:05, 3–4 15:50, 5–6 16:00, all ending 17:30,
or 18:00 on the summer schedule (夏令时); grades 1–2 attend Monday, Wednesday and Friday only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Protocol

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(1, 8)
SCHOOL_WEEK = frozenset({MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY})
GRADES = range(1, 7)


@dataclass(frozen=True)
class DateRange:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a date range must not end before it starts")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def days(self) -> Iterator[date]:
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)


@dataclass(frozen=True)
class GradeRule:
    """When one grade is in care: start, end, the summer end, and the weekdays it attends."""

    grade: int
    start: time
    end: time
    summer_end: time
    weekdays: frozenset[int] = SCHOOL_WEEK

    def __post_init__(self) -> None:
        if self.grade not in GRADES:
            raise ValueError(f"grade must be 1–6, not {self.grade}")
        if not self.start < self.end <= self.summer_end:
            raise ValueError("a grade's care must start before it ends (summer end not earlier)")
        if not self.weekdays or not self.weekdays <= frozenset(range(1, 8)):
            raise ValueError("weekdays are ISO numbers 1 (Monday) to 7 (Sunday)")


def default_grade_rules() -> dict[int, GradeRule]:
    """The seed's timetable: 1–2 at 15:05 on Mon/Wed/Fri, 3–4 at 15:50, 5–6 at 16:00."""
    low_grades = frozenset({MONDAY, WEDNESDAY, FRIDAY})
    starts = {1: time(15, 5), 2: time(15, 5), 3: time(15, 50), 4: time(15, 50)}
    rules = {}
    for grade in GRADES:
        rules[grade] = GradeRule(
            grade=grade,
            start=starts.get(grade, time(16, 0)),
            end=time(17, 30),
            summer_end=time(18, 0),
            weekdays=low_grades if grade <= 2 else SCHOOL_WEEK,
        )
    return rules


class Period(StrEnum):
    """When in the school day care is given: after the last lesson (课后), or over the midday
    break (午托, 篇九: 11:00–13:30 on school days)."""

    AFTER_SCHOOL = "after_school"
    MIDDAY = "midday"

    @property
    def label(self) -> str:
        """As the school's sheets and notices say it."""
        return "午托" if self is Period.MIDDAY else "课后托管"


def care_group_name(period: Period, number: int) -> str:
    """基础托管3组 after school, 午托3组 at midday: groups are numbered within their period."""
    return f"{'午托' if period is Period.MIDDAY else '基础托管'}{number}组"


@dataclass(frozen=True)
class MiddayWindow:
    """The midday break a term offers care in: the same for every grade, on every school day,
    ending later on the summer schedule when the school says so (随季节变化作适当调整)."""

    start: time = time(11, 0)
    end: time = time(13, 30)
    summer_end: time = time(13, 30)

    def __post_init__(self) -> None:
        if not self.start < self.end <= self.summer_end:
            raise ValueError("midday care must start before it ends (summer end not earlier)")


@dataclass(frozen=True)
class Timetable:
    """A term's timetable: each grade's after-school care, and the midday window when the term
    offers midday care. Every course and care group is judged by the rules of its period."""

    grades: Mapping[int, GradeRule]
    midday: MiddayWindow | None = None

    def __post_init__(self) -> None:
        # Midday care ends, on the summer schedule too, before any grade's after-school care
        # starts: a midday and an after-school offering never meet at the same time.
        if self.midday is not None and self.grades:
            earliest = min(rule.start for rule in self.grades.values())
            if self.midday.summer_end > earliest:
                raise ValueError(
                    f"midday care must end by {earliest:%H:%M}, when after-school care starts"
                )

    def rules(self, period: Period) -> Mapping[int, GradeRule]:
        """The rules by grade that an offering of `period` meets within (asked once per course
        on the catalogue's path: nothing is built anew). Raises ValueError for midday care in a
        term that offers none."""
        if period is Period.AFTER_SCHOOL:
            return self.grades
        if self.midday is None:
            raise ValueError("the term offers no midday care: set its midday window first")
        return _midday_rules(self.midday)


@cache
def _midday_rules(window: MiddayWindow) -> Mapping[int, GradeRule]:
    """Every grade in care through the midday window, on every school day."""
    return MappingProxyType(
        {
            grade: GradeRule(grade, window.start, window.end, window.summer_end, SCHOOL_WEEK)
            for grade in GRADES
        }
    )


@dataclass(frozen=True)
class TimeSlot:
    """A weekly slot: these weekdays, from start to end (half-open: a slot ending at 16:40
    does not meet one starting at 16:40)."""

    weekdays: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.start < self.end:
            raise ValueError("a slot must start before it ends")
        if not self.weekdays or not self.weekdays <= frozenset(range(1, 8)):
            raise ValueError("weekdays are ISO numbers 1 (Monday) to 7 (Sunday)")

    def conflicts_with(self, other: TimeSlot) -> bool:
        shares_a_day = bool(self.weekdays & other.weekdays)
        return shares_a_day and self.start < other.end and other.start < self.end


def any_conflict(candidate: TimeSlot, held: Iterable[TimeSlot]) -> bool:
    return any(candidate.conflicts_with(slot) for slot in held)


class DailyHours(Protocol):
    """Hours that end later on the summer schedule: a grade's rule, an offering's hours."""

    @property
    def start(self) -> time: ...
    @property
    def end(self) -> time: ...
    @property
    def summer_end(self) -> time: ...


def slot_on(hours: DailyHours, day: date, summer: DateRange | None) -> tuple[time, time]:
    """The hours on a date: they end at the summer end on a day of the summer schedule (夏令时).
    Whether anyone meets that date at all is the calendar's (`TermCalendar.meets_on`, which knows
    the 调休 days); every session's times are planned through this."""
    end = hours.summer_end if summer is not None and day in summer else hours.end
    return hours.start, end


@dataclass(frozen=True)
class MakeUpDay:
    """A weekend day worked in place of a holiday (调休). It follows the timetable of
    `follows_weekday` when the school says which; otherwise only courses held every weekday meet."""

    day: date
    follows_weekday: int | None = None


@dataclass(frozen=True)
class TermCalendar:
    term: DateRange
    suspensions: frozenset[date] = frozenset()
    holidays: frozenset[date] = frozenset()
    make_up_days: tuple[MakeUpDay, ...] = field(default=())

    def _make_up(self, day: date) -> MakeUpDay | None:
        for make_up in self.make_up_days:
            if make_up.day == day:
                return make_up
        return None

    def meets_on(self, weekdays: frozenset[int], day: date) -> bool:
        """Whether a course on `weekdays` meets on `day`."""
        if day not in self.term or day in self.suspensions or day in self.holidays:
            return False
        make_up = self._make_up(day)
        if make_up is not None:
            if make_up.follows_weekday is not None:
                return make_up.follows_weekday in weekdays
            return weekdays >= SCHOOL_WEEK
        return day.isoweekday() in weekdays and day.isoweekday() in SCHOOL_WEEK

    def session_dates(self, weekdays: frozenset[int]) -> list[date]:
        return [day for day in self.term.days() if self.meets_on(weekdays, day)]


HolidayLookup = Callable[[date], bool | None]
"""True for a public holiday, False for a working day, None when the calendar does not know."""


def build_calendar(
    term: DateRange,
    suspensions: Iterable[date],
    is_holiday: HolidayLookup,
    overrides: dict[date, tuple[bool, int | None]],
) -> TermCalendar:
    """Combine the public calendar with the school's overrides (day → (is_workday, follows)).

    An override wins over the public calendar; a day the public calendar does not know and no
    override names counts as an ordinary day of its weekday.
    """
    holidays: set[date] = set()
    make_up: list[MakeUpDay] = []
    for day in term.days():
        if day in overrides:
            is_workday, follows = overrides[day]
            if not is_workday:
                holidays.add(day)
            elif day.isoweekday() not in SCHOOL_WEEK or follows is not None:
                make_up.append(MakeUpDay(day, follows))
            continue
        holiday = is_holiday(day)
        if holiday is True and day.isoweekday() in SCHOOL_WEEK:
            holidays.add(day)
        elif holiday is False and day.isoweekday() not in SCHOOL_WEEK:
            make_up.append(MakeUpDay(day))
    return TermCalendar(
        term=term,
        suspensions=frozenset(suspensions),
        holidays=frozenset(holidays),
        make_up_days=tuple(make_up),
    )
