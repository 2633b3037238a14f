from __future__ import annotations

from datetime import time

from app.domain.invariants import (
    CourseCount,
    engine_agrees,
    over_capacity,
    time_conflicts,
    twice_in_a_course,
)
from app.domain.schedule import TimeSlot

MONDAY_4 = TimeSlot(frozenset({1}), time(16, 0), time(16, 40))
MONDAY_420 = TimeSlot(frozenset({1}), time(16, 20), time(17, 0))
MONDAY_440 = TimeSlot(frozenset({1}), time(16, 40), time(17, 20))


def test_over_capacity_and_a_counter_out_of_step_are_breaches() -> None:
    assert over_capacity([CourseCount(1, 30, 30, 30)]).ok
    assert not over_capacity([CourseCount(1, 30, 31, 31)]).ok
    assert not over_capacity([CourseCount(1, 30, 29, 30)]).ok


def test_a_student_twice_in_a_course_is_a_breach() -> None:
    assert twice_in_a_course([(1, 7), (1, 8), (2, 7)]).ok
    check = twice_in_a_course([(1, 7), (1, 7)])
    assert check.breaches == ["student 1 holds course 7 2 times"]


def test_clashing_courses_held_by_one_student_are_a_breach() -> None:
    slots = {7: MONDAY_4, 8: MONDAY_440, 9: MONDAY_420}
    assert time_conflicts([(1, 7), (1, 8), (2, 9)], slots).ok  # back to back is no clash
    check = time_conflicts([(1, 7), (1, 9)], slots)
    assert check.breaches == ["student 1: courses 7 and 9 clash"]


def test_the_engine_and_postgres_must_hold_the_same_seats() -> None:
    courses = [CourseCount(7, 3, 2, 2)]
    clean = engine_agrees([(1, 7), (2, 7)], {1: [7], 2: [7]}, courses, {7: 1})
    assert all(check.ok for check in clean)
    unwritten, unknown, balance = engine_agrees([(1, 7), (2, 7)], {1: [7], 3: [7]}, courses, {7: 0})
    assert unwritten.breaches == ["student 3 holds course 7 in Redis, not in Postgres"]
    assert unknown.breaches == ["student 2 holds course 7 in Postgres, not in Redis"]
    assert balance.breaches == ["course 7: 0 left + 2 confirmed ≠ 3"]
    *_, unarmed = engine_agrees([], {}, [CourseCount(8, 3, 0, 0)], {})
    assert unarmed.breaches == ["course 8 is not armed"]
