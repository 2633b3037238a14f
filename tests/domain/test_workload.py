"""Workload and subsidy (seed defaults: 2 yuan per student-hour; 50/50/40 points)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.workload import Rates, SupervisedSession, workload


def test_the_seed_defaults() -> None:
    # Two 145-minute sessions with 30 and 28 children: 8,410 student-minutes = 140.17 h.
    sessions = [SupervisedSession(145, 30), SupervisedSession(145, 28)]
    line = workload(sessions, activities=1, patrols=2, rates=Rates())
    assert line.student_minutes == 8410
    assert line.student_hours == 140.17
    assert line.subsidy_fen == 28033  # 140.1667 h × 200 fen, rounded to the fen
    assert line.points == 2 * 50 + 50 + 2 * 40


def test_half_a_fen_rounds_up() -> None:
    # 3 student-minutes at 10 fen per hour: 0.5 fen.
    assert (
        workload([SupervisedSession(3, 1)], 0, 0, Rates(fen_per_student_hour=10)).subsidy_fen == 1
    )


def test_rates_are_not_negative() -> None:
    with pytest.raises(ValueError, match="not negative"):
        Rates(points_per_patrol=-1)


@given(st.lists(st.tuples(st.integers(1, 240), st.integers(0, 60)), max_size=40))
def test_subsidy_is_the_student_hours_at_the_rate(rows: list[tuple[int, int]]) -> None:
    sessions = [SupervisedSession(m, n) for m, n in rows]
    line = workload(sessions, 0, 0, Rates())
    exact = sum(m * n for m, n in rows) * 200 / 60
    assert abs(line.subsidy_fen - exact) <= 0.5
    assert line.sessions == len(rows)
    assert line.points == 50 * len(rows)
