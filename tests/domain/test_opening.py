"""How round one opens, and how a draw's entrants are served by the engine's rules."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.draw import draw_order, new_seed, serve_in_order
from app.domain.opening import (
    Arrival,
    Entrant,
    Offer,
    Opening,
    draw_moment,
    draw_scope,
    serve_draw,
    serving_order,
)

T0 = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
CLOSE = T0 + timedelta(hours=24)


def offer(course_id: int, seats: int, day: int = 1, start: int = 960, **kw: object) -> Offer:
    values: dict[str, object] = {
        "grades": frozenset({3}), "weekdays": frozenset({day}), "start_minute": start,
        "end_minute": start + 40, "seats": seats, "cancelled": False,
    } | kw  # fmt: skip
    return Offer(course_id, **values)  # type: ignore[arg-type]


def entrant(
    family: int, *choices: int, grade: int = 3, ready: bool = True, held: tuple[int, ...] = ()
) -> Entrant:
    return Entrant(family, grade, ready, held, choices)


def test_the_draw_is_due_at_the_end_of_the_fair_start_or_the_close_of_round_one() -> None:
    assert draw_moment(Opening.FCFS, T0, CLOSE, 10) is None
    assert draw_moment(Opening.FAIR_START, T0, CLOSE, 10) == T0 + timedelta(seconds=10)
    assert draw_moment(Opening.FAIR_START, T0, T0 + timedelta(seconds=5), 10) == T0 + timedelta(
        seconds=5
    )
    assert draw_moment(Opening.RANKED, T0, CLOSE, 10) == CLOSE
    assert draw_scope(7, Opening.RANKED) != draw_scope(7, Opening.FAIR_START)


def test_those_before_the_drawn_moment_are_drawn_and_those_after_follow_as_they_came() -> None:
    seed, scope = new_seed(), "term:1:round:1:fair_start"
    due = T0 + timedelta(seconds=10)
    arrivals = [
        Arrival(5, T0 + timedelta(seconds=12)),
        Arrival(1, T0),
        Arrival(2, T0 + timedelta(seconds=9.999)),
        Arrival(4, T0 + timedelta(seconds=11)),
        Arrival(3, due),
    ]
    drawn, late = serving_order(seed, scope, arrivals, due)
    assert drawn == draw_order(seed, scope, [1, 2])
    assert late == [3, 4, 5]


def test_each_family_gets_its_highest_choice_still_open_in_the_draws_order() -> None:
    offers = {1: offer(1, 1), 2: offer(2, 1, day=2), 3: offer(3, 5, day=3)}
    entrants = {10: entrant(10, 1, 2), 20: entrant(20, 1, 2), 30: entrant(30, 1, 2)}
    given = serve_draw([20, 10, 30], entrants, offers, max_courses=1)
    assert given == {20: [1], 10: [2]}


def test_further_passes_serve_second_courses_in_the_same_order_within_the_maximum() -> None:
    offers = {1: offer(1, 1), 2: offer(2, 2, day=2), 3: offer(3, 2, day=3)}
    entrants = {10: entrant(10, 1, 2, 3), 20: entrant(20, 1, 2, 3)}
    assert serve_draw([10, 20], entrants, offers, max_courses=2) == {10: [1, 2], 20: [2, 3]}
    held = {10: entrant(10, 1, 2, 3, held=(9,)), 20: entrant(20, 1, 2, 3)}
    assert serve_draw([10, 20], held, offers, max_courses=2) == {10: [1], 20: [2, 3]}


@pytest.mark.parametrize(
    ("the_offer", "the_entrant"),
    [
        (offer(1, 5, cancelled=True), entrant(10, 1)),
        (offer(1, 0), entrant(10, 1)),
        (offer(1, 5), entrant(10, 1, grade=4)),
        (offer(1, 5), entrant(10, 1, ready=False)),
        (offer(1, 5), entrant(10, 1, held=(1,))),
    ],
    ids=["cancelled", "full", "grade", "not-ready", "held-already"],
)
def test_a_choice_the_engine_would_refuse_is_passed_over(
    the_offer: Offer, the_entrant: Entrant
) -> None:
    assert serve_draw([10], {10: the_entrant}, {1: the_offer}, max_courses=3) == {}


def test_a_choice_clashing_with_a_course_given_or_held_is_passed_over() -> None:
    offers = {1: offer(1, 5), 2: offer(2, 5, start=980), 3: offer(3, 5, day=2)}
    assert serve_draw([10], {10: entrant(10, 1, 2, 3)}, offers, 3) == {10: [1, 3]}
    offers[9] = offer(9, 0, start=990)
    assert serve_draw([10], {10: entrant(10, 2, 3, held=(9,))}, offers, 3) == {10: [3]}


def test_no_course_is_given_beyond_its_seats_and_no_family_beyond_the_maximum() -> None:
    rng = random.Random(18)  # noqa: S311  (made-up catalogues)
    for _ in range(200):
        offers = {
            c: offer(c, rng.randint(0, 4), day=rng.randint(1, 5), start=rng.choice([900, 960]))
            for c in range(1, 9)
        }
        entrants = {
            f: entrant(f, *rng.sample(range(1, 9), rng.randint(1, 5))) for f in range(1, 30)
        }
        limit = rng.randint(1, 3)
        given = serve_draw(rng.sample(range(1, 30), 29), entrants, offers, limit)
        for course_id, the_offer in offers.items():
            assert sum(course_id in courses for courses in given.values()) <= the_offer.seats
        for family, courses in given.items():
            assert len(courses) <= limit
            assert len(set(courses)) == len(courses)
            assert set(courses) <= set(entrants[family].choices)
            chosen = [offers[c] for c in courses]
            assert not any(a.clashes_with(b) for a, b in itertools.combinations(chosen, 2))


def test_one_course_each_is_random_serial_dictatorship() -> None:
    rng = random.Random(7)  # noqa: S311  (made-up catalogues)
    for _ in range(200):
        seats = {c: rng.randint(0, 3) for c in range(1, 6)}
        offers = {c: offer(c, n, day=c) for c, n in seats.items()}
        choices = {f: tuple(rng.sample(range(1, 6), rng.randint(1, 5))) for f in range(1, 15)}
        order = rng.sample(range(1, 15), 14)
        entrants = {f: entrant(f, *c) for f, c in choices.items()}
        served = serve_draw(order, entrants, offers, max_courses=1)
        assert {f: cs[0] for f, cs in served.items()} == serve_in_order(order, choices, seats)
