from __future__ import annotations

from datetime import date, time

import pytest

from app.domain.eligibility import (
    Ineligibility,
    Prerequisite,
    Readiness,
    clashes,
    course_slot,
    ineligibility,
    insurance_covers,
    missing_prerequisites,
)
from app.domain.schedule import (
    FRIDAY,
    MONDAY,
    SCHOOL_WEEK,
    TUESDAY,
    DateRange,
    TimeSlot,
    default_grade_rules,
)

RULES = default_grade_rules()
TERM = DateRange(date(2026, 9, 1), date(2027, 1, 20))
COVERING = DateRange(date(2026, 8, 31), date(2027, 8, 31))


@pytest.mark.parametrize(
    ("readiness", "missing"),
    [
        (Readiness(True, True, (COVERING,)), []),
        (Readiness(False, True, (COVERING,)), [Prerequisite.BINDING]),
        (Readiness(True, False, (COVERING,)), [Prerequisite.AGREEMENT]),
        (Readiness(True, True, ()), [Prerequisite.INSURANCE]),
        (
            Readiness(False, False, ()),
            [Prerequisite.BINDING, Prerequisite.AGREEMENT, Prerequisite.INSURANCE],
        ),
    ],
)
def test_missing_prerequisites(readiness: Readiness, missing: list[Prerequisite]) -> None:
    assert missing_prerequisites(readiness, TERM) == missing


@pytest.mark.parametrize(
    ("policies", "covers"),
    [
        ([COVERING], True),
        ([DateRange(date(2026, 9, 1), date(2027, 1, 20))], True),  # exactly the term
        ([DateRange(date(2026, 9, 2), date(2027, 8, 31))], False),  # starts a day late
        ([DateRange(date(2025, 9, 1), date(2026, 12, 31))], False),  # expires mid-term
        (
            [
                DateRange(date(2026, 8, 1), date(2026, 12, 1)),
                DateRange(date(2026, 12, 3), date(2027, 6, 1)),
            ],
            False,  # two policies with a gap
        ),
    ],
)
def test_insurance_must_cover_the_whole_term(policies: list[DateRange], covers: bool) -> None:
    assert insurance_covers(policies, TERM) is covers


@pytest.mark.parametrize(
    ("grade", "grades", "weekdays", "expected"),
    [
        (3, {3, 4}, {MONDAY}, None),
        (5, {3, 4}, {MONDAY}, Ineligibility.GRADE),
        (1, {1, 2}, {MONDAY, FRIDAY}, None),
        (1, {1, 2}, {TUESDAY}, Ineligibility.WEEKDAY),  # grades 1–2 do not come on Tuesdays
        (2, {1, 2, 3}, set(SCHOOL_WEEK), Ineligibility.WEEKDAY),
        (3, {1, 2, 3}, set(SCHOOL_WEEK), None),
    ],
)
def test_course_eligibility_by_grade_and_weekday(
    grade: int, grades: set[int], weekdays: set[int], expected: Ineligibility | None
) -> None:
    assert ineligibility(grade, frozenset(grades), frozenset(weekdays), RULES[grade]) == expected


def test_course_slot_defaults_to_when_all_its_grades_are_in_care() -> None:
    slot = course_slot([2, 3], frozenset({MONDAY}), RULES)
    assert (slot.start, slot.end) == (time(15, 50), time(17, 30))
    explicit = course_slot([5, 6], frozenset({MONDAY}), RULES, time(16, 0), time(16, 40))
    assert (explicit.start, explicit.end) == (time(16, 0), time(16, 40))


def test_course_slot_outside_the_grades_hours_contradicts_the_term() -> None:
    with pytest.raises(ValueError, match="between 15:50 and 17:30"):
        course_slot([3, 4], frozenset({MONDAY}), RULES, time(15, 5), time(15, 45))
    with pytest.raises(ValueError, match="at least one grade"):
        course_slot([], frozenset({MONDAY}), RULES)


def test_clashes_name_the_held_courses_meeting_at_the_same_time_in_id_order() -> None:
    def slot(days: set[int], start: int, end: int) -> TimeSlot:
        return TimeSlot(frozenset(days), time(16, start), time(17, end))

    held = {
        9: slot({MONDAY, TUESDAY}, 0, 0),
        3: slot({TUESDAY}, 30, 10),
        5: slot({FRIDAY}, 0, 0),
        7: slot({TUESDAY}, 0, 0),
    }
    candidate = slot({TUESDAY}, 20, 0)
    assert clashes(11, candidate, held) == (3, 7, 9)
    assert clashes(7, held[7], held) == (3, 9)  # a held course does not clash with itself
    assert (
        clashes(11, slot({TUESDAY}, 0, 0), {4: TimeSlot(frozenset({TUESDAY}), time(17), time(18))})
        == ()
    )
    assert clashes(11, candidate, {}) == ()
