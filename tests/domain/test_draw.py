"""The verifiable draw: commitment and reveal, the order anyone recomputes, serving ranked
choices in that order, and the opening it makes fair."""

from __future__ import annotations

import hashlib
import math
import random
from itertools import permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.draw import (
    commitment,
    draw_order,
    fair_start_order,
    new_seed,
    serve_in_order,
    ticket,
    verify_draw,
)
from app.domain.opening import Opening
from app.domain.opening_simulation import Market, arrivals, bot_wins, winners

SEED = "5e" * 32


def test_the_revealed_seed_verifies_against_its_commitment_and_the_order() -> None:
    entrants = [31, 7, 19, 4, 12]
    order = draw_order(SEED, "term:1", entrants)
    assert sorted(order) == sorted(entrants)
    assert verify_draw(SEED, commitment(SEED, "term:1"), "term:1", entrants, order).ok


def test_any_tampering_is_seen() -> None:
    entrants = list(range(1, 30))
    order = draw_order(SEED, "term:1", entrants)
    other_seed = new_seed()
    assert not verify_draw(other_seed, commitment(SEED, "term:1"), "term:1", entrants, order).ok
    swapped = [order[1], order[0], *order[2:]]
    result = verify_draw(SEED, commitment(SEED, "term:1"), "term:1", entrants, swapped)
    assert (result.commitment_matches, result.order_matches, result.first_difference) == (
        True, False, 0
    )  # fmt: skip
    longer = verify_draw(SEED, commitment(SEED, "term:1"), "term:1", entrants, [*order, 99])
    assert (longer.order_matches, longer.first_difference) == (False, len(order))
    # The scope is committed with the seed: another name for the draw does not verify.
    assert not verify_draw(SEED, commitment(SEED, "term:1"), "term:2", entrants, order).ok
    assert not verify_draw(SEED, commitment(SEED, "term:1"), "term:1", entrants, order[:-1]).ok


@pytest.mark.parametrize(
    ("seed", "published"),
    [
        (SEED, "not hex"),
        (SEED, "１" * 64),  # full-width digits pasted from a page
        ("", hashlib.sha256(b"").hexdigest()),  # an empty seed: guessable, never accepted
        ("ab", hashlib.sha256(bytes.fromhex("ab")).hexdigest()),
        ("zz" * 32, "00" * 32),
    ],
)
def test_a_malformed_seed_or_commitment_is_refused_without_checking_the_order(
    seed: str, published: str
) -> None:
    result = verify_draw(seed, published, "term:1", [1, 2], [1, 2])
    assert (result.well_formed, result.ok, result.first_difference) == (False, False, None)


def test_case_and_spaces_around_a_pasted_seed_do_not_matter() -> None:
    order = draw_order(SEED, "term:1", [4, 5, 6])
    published = f"  {commitment(SEED, 'term:1').upper()} "
    assert verify_draw(SEED.upper(), published, "term:1", [4, 5, 6], order).ok


@given(st.sets(st.integers(min_value=1, max_value=10_000), min_size=2, max_size=60), st.data())
def test_an_entrants_place_among_others_does_not_depend_on_who_else_entered(
    entrants: set[int], data: st.DataObject
) -> None:
    subset = data.draw(st.sets(st.sampled_from(sorted(entrants)), min_size=1))
    whole = draw_order(SEED, "term:9", entrants)
    assert draw_order(SEED, "term:9", subset) == [e for e in whole if e in subset]


def test_tickets_are_the_hmac_of_the_scope_and_entrant() -> None:
    assert ticket(SEED, "term:1", 5) != ticket(SEED, "term:1", 6)
    assert ticket(SEED, "term:1", 5) != ticket(SEED, "term:2", 5)
    assert len(commitment(new_seed(), "term:1")) == 64


@given(
    st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=30, unique=True),
    st.dictionaries(st.integers(1, 6), st.integers(0, 4), min_size=1),
    st.data(),
)
def test_serving_in_order_never_oversells_and_gives_each_its_best_open_choice(
    order: list[int], seats: dict[int, int], data: st.DataObject
) -> None:
    courses = sorted(seats)
    choices = {
        family: data.draw(st.lists(st.sampled_from(courses), unique=True, max_size=3))
        for family in order
    }
    given_ = serve_in_order(order, choices, seats)
    for course, count in seats.items():
        assert sum(1 for c in given_.values() if c == course) <= count
    left = dict(seats)
    for family in order:
        open_choices = [c for c in choices[family] if left[c] > 0]
        assert given_.get(family) == (open_choices[0] if open_choices else None)
        if family in given_:
            left[given_[family]] -= 1


def test_a_family_listed_twice_is_served_once() -> None:
    assert serve_in_order([1, 1], {1: [10, 11]}, {10: 1, 11: 1}) == {1: 10}
    assert serve_in_order([1, 1, 2], {1: [10], 2: [10]}, {10: 2}) == {1: 10, 2: 10}


def test_no_family_gains_by_ranking_otherwise_than_it_prefers() -> None:
    """Random serial dictatorship is strategy-proof: over every ranking a family could send,
    none gets it a course it prefers to what its true ranking gets."""
    order = [3, 1, 4, 2]
    seats = {10: 1, 11: 1, 12: 1}
    truth = {1: [10, 11, 12], 2: [10, 12], 3: [11, 10], 4: [10, 11]}
    for family, preferred in truth.items():
        honest = serve_in_order(order, truth, seats).get(family)
        rank = {course: place for place, course in enumerate(preferred)}
        for length in range(len(preferred) + 1):
            for sent in permutations(list(seats), length):
                got = serve_in_order(order, {**truth, family: list(sent)}, seats).get(family)
                worst = len(preferred)
                assert rank.get(got, worst) >= rank.get(honest, worst)  # type: ignore[arg-type]


def test_a_fair_start_draws_the_first_seconds_and_serves_the_rest_as_they_came() -> None:
    arrivals = [(5, 0.01), (6, 0.4), (7, 3.0), (8, 11.0), (9, 12.5), (6, 12.9)]
    order = fair_start_order(SEED, "term:1", arrivals, 10.0)
    assert sorted(order[:3]) == [5, 6, 7]
    assert order[:3] == draw_order(SEED, "term:1", [5, 6, 7])
    assert order[3:] == [8, 9]
    with pytest.raises(ValueError, match="finite"):
        fair_start_order(SEED, "term:1", [(5, float("nan"))], 10.0)


def _binomial_bounds(runs: int, p: float, z: float = 3.89) -> tuple[float, float]:
    """Where a count of wins of probability `p` over `runs` falls but once in ten thousand."""
    spread = z * math.sqrt(runs * p * (1 - p))
    return runs * p - spread, runs * p + spread


@pytest.mark.parametrize("opening", [Opening.FAIR_START, Opening.RANKED])
def test_the_fast_bot_wins_every_time_first_come_and_no_more_than_anyone_when_drawn(
    opening: Opening,
) -> None:
    market = Market(families=400, seats=40)
    runs = 300
    assert bot_wins(market, Opening.FCFS, runs) == runs
    fair_share = market.seats / (market.families + 1)
    low, high = _binomial_bounds(runs, fair_share)
    assert low <= bot_wins(market, opening, runs) <= high


def test_a_fair_start_draws_only_its_first_seconds() -> None:
    """With the draw closing at 0.3 s, about a third of the families come after it: they are
    served as they came, behind everyone drawn, and never win a seat the early ones fill."""
    market = Market(families=400, seats=40, fair_start_s=0.3)
    late_winners = 0
    for run in range(50):
        rng = random.Random(run)  # noqa: S311  (the simulation's phones)
        late = {family for family, at in arrivals(market, rng) if at >= market.fair_start_s}
        assert len(late) > market.families // 4
        late_winners += len(late & winners(market, Opening.FAIR_START, run))
    assert late_winners == 0
