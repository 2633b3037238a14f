"""The sessions of a term: on which dates each extension course and basic-care group meets, and
from when to when, given the term calendar (weekdays, suspension days, public holidays, 调休
make-up days) and the grades' timetable with its summer schedule (夏令时)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from app.domain.schedule import DateRange, GradeRule, Period, TermCalendar, slot_on
from app.domain.zone import SCHOOL_ZONE


class CancelCause(StrEnum):
    """Why a session did not take place. Every cause is the school's side or force majeure, so
    each is refunded (personal leave is not a cancellation: the session is held)."""

    SUSPENSION = "suspension"  # a suspension day announced by the school (停课)
    SCHOOL = "school"  # cancelled by the school otherwise
    FORCE_MAJEURE = "force_majeure"  # 不可抗力


@dataclass(frozen=True)
class Hours:
    """When an offering meets on an ordinary day and on a summer-schedule day."""

    start: time
    end: time
    summer_end: time

    def __post_init__(self) -> None:
        if not self.start < self.end <= self.summer_end:
            raise ValueError("a session must start before it ends (summer end not earlier)")


@dataclass(frozen=True)
class PlannedSession:
    on_date: date
    starts_at: datetime
    ends_at: datetime
    # A basic-care group's session is for the members whose grade attends that day; None means
    # everyone the offering has (a course's confirmed seats).
    grades: tuple[int, ...] | None = None
    period: Period = Period.AFTER_SCHOOL

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


def course_hours(
    grades: Iterable[int],
    rules: Mapping[int, GradeRule],
    start: time | None = None,
    end: time | None = None,
) -> Hours:
    """A course with its own times keeps them all year; one without runs while every one of its
    grades is in care, so on the summer schedule it ends when the earliest of them ends."""
    chosen = [rules[grade] for grade in sorted(set(grades))]
    if not chosen:
        raise ValueError("a course needs at least one grade")
    if start is not None and end is not None:
        return Hours(start, end, end)
    return Hours(
        start=max(rule.start for rule in chosen),
        end=min(rule.end for rule in chosen),
        summer_end=min(rule.summer_end for rule in chosen),
    )


def care_group_hours(grades: Iterable[int], rules: Mapping[int, GradeRule]) -> Hours:
    """A basic-care group is open from the first of its grades' arrival to the last pickup."""
    chosen = [rules[grade] for grade in sorted(set(grades))]
    if not chosen:
        raise ValueError("a care group needs at least one grade")
    return Hours(
        start=min(rule.start for rule in chosen),
        end=max(rule.end for rule in chosen),
        summer_end=max(rule.summer_end for rule in chosen),
    )


def care_group_weekdays(grades: Iterable[int], rules: Mapping[int, GradeRule]) -> frozenset[int]:
    """A group meets on every weekday one of its grades attends."""
    return frozenset().union(*(rules[grade].weekdays for grade in set(grades)))


def plan_care_group(
    calendar: TermCalendar,
    grades: Iterable[int],
    rules: Mapping[int, GradeRule],
    summer: DateRange | None,
    zone: ZoneInfo = SCHOOL_ZONE,
) -> list[PlannedSession]:
    """Every date a basic-care group meets: each date one of its grades attends (a 调休 day
    counts as the weekday it follows), for the grades that attend that date and during their
    hours only, so that a roll call never marks absent a child who is not due that day."""
    chosen = sorted(set(grades))
    planned = []
    for day in calendar.session_dates(care_group_weekdays(chosen, rules)):
        attending = [grade for grade in chosen if calendar.meets_on(rules[grade].weekdays, day)]
        if not attending:  # a 调休 day that follows no weekday: no grade of the group is due
            continue
        hours = care_group_hours(attending, rules)
        planned.append(replace(_planned(day, hours, summer, zone), grades=tuple(attending)))
    return planned


def _planned(day: date, hours: Hours, summer: DateRange | None, zone: ZoneInfo) -> PlannedSession:
    start, end = slot_on(hours, day, summer)
    return PlannedSession(
        on_date=day,
        starts_at=datetime.combine(day, start, zone),
        ends_at=datetime.combine(day, end, zone),
    )


def plan_sessions(
    calendar: TermCalendar,
    weekdays: frozenset[int],
    hours: Hours,
    summer: DateRange | None,
    zone: ZoneInfo = SCHOOL_ZONE,
) -> list[PlannedSession]:
    """Every date the offering meets in the term, with its times on that date."""
    return [_planned(day, hours, summer, zone) for day in calendar.session_dates(weekdays)]
