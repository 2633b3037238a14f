"""Who may register for what: the readiness gates and a course's eligibility rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from typing import Protocol

from app.domain.schedule import DateRange, GradeRule, Period, TimeSlot, Timetable


class Prerequisite(StrEnum):
    """What a parent must have done before choosing (选课报名前): bind the child (绑定孩子信息),
    sign the service agreement (托管协议书), and hold accident insurance (学平险) for the term."""

    BINDING = "binding"
    AGREEMENT = "agreement"
    INSURANCE = "insurance"


class Ineligibility(StrEnum):
    GRADE = "grade"
    WEEKDAY = "weekday"


@dataclass(frozen=True)
class Readiness:
    bound: bool
    agreement_signed: bool
    insurance: tuple[DateRange, ...] = ()


def insurance_covers(policies: Iterable[DateRange], term: DateRange) -> bool:
    """One policy must cover every day of the term; two policies with a gap do not."""
    return any(p.first <= term.first and term.last <= p.last for p in policies)


def missing_prerequisites(readiness: Readiness, term: DateRange) -> list[Prerequisite]:
    missing = []
    if not readiness.bound:
        missing.append(Prerequisite.BINDING)
    if not readiness.agreement_signed:
        missing.append(Prerequisite.AGREEMENT)
    if not insurance_covers(readiness.insurance, term):
        missing.append(Prerequisite.INSURANCE)
    return missing


def ineligibility(
    grade: int, course_grades: frozenset[int], course_weekdays: frozenset[int], rule: GradeRule
) -> Ineligibility | None:
    """Why a student of `grade` may not take a course, or None when they may.

    A course meeting on a weekday the grade does not attend (grades 1–2 only Mon/Wed/Fri by
    default) is closed to that grade even when the grade is listed.
    """
    if grade not in course_grades:
        return Ineligibility.GRADE
    if not course_weekdays <= rule.weekdays:
        return Ineligibility.WEEKDAY
    return None


def clashes(course_id: int, slot: TimeSlot, held: Mapping[int, TimeSlot]) -> tuple[int, ...]:
    """The courses a student holds (`held`, by id) that meet at the same time as this one, in id
    order: a grab of it would be refused as a time conflict. The course itself is not a clash."""
    return tuple(
        sorted(
            other
            for other, taken in held.items()
            if other != course_id and slot.conflicts_with(taken)
        )
    )


def course_slot(
    grades: Iterable[int],
    weekdays: frozenset[int],
    rules: Mapping[int, GradeRule],
    start: time | None = None,
    end: time | None = None,
) -> TimeSlot:
    """The weekly slot of a course: explicit times, or the window every listed grade is in care.

    Raises ValueError when explicit times fall outside that window: such a course contradicts its
    term's timetable.
    """
    grade_rules = [rules[grade] for grade in sorted(set(grades))]
    if not grade_rules:
        raise ValueError("a course needs at least one grade")
    earliest = max(rule.start for rule in grade_rules)
    latest = min(rule.end for rule in grade_rules)
    chosen_start = start or earliest
    chosen_end = end or latest
    if chosen_start < earliest or chosen_end > latest:
        raise ValueError(
            f"the course must run between {earliest:%H:%M} and {latest:%H:%M}, "
            "when all of its grades are in care"
        )
    return TimeSlot(weekdays=weekdays, start=chosen_start, end=chosen_end)


class Scheduled(Protocol):
    """What places an offering in the week: a course as stored."""

    @property
    def grades(self) -> Sequence[int]: ...
    @property
    def weekdays(self) -> Sequence[int]: ...
    @property
    def period(self) -> Period: ...
    @property
    def start_time(self) -> time | None: ...
    @property
    def end_time(self) -> time | None: ...


def slot_of(offering: Scheduled, timetable: Timetable) -> TimeSlot:
    """The weekly slot of a stored course, within the rules of its period (midday or after
    school). Every place that needs a course's slot asks here. Raises ValueError as
    `course_slot` does, and for midday care in a term that offers none."""
    return course_slot(
        offering.grades,
        frozenset(offering.weekdays),
        timetable.rules(offering.period),
        offering.start_time,
        offering.end_time,
    )
