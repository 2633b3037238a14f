"""Benchmark: how fair the opening is, and how long a draw takes.

    uv run python loadtests/bench_draw.py [--runs 2000] [--families 1000] [--seats 100]

The fairness figure: one family with a script and a 5 ms line among `--families` families on
phones of 50–800 ms, for a course of `--seats` seats, over `--runs` seeded runs. It prints how
often that family gets a seat under first come first served, under a fair start (the first 10
seconds drawn) and under ranked choices served in a drawn order, beside any family's fair share.
The timing figure: one draw of 20,000 families (their tickets, the order, and their three ranked
choices served over 100 courses), against the target of one second.
"""

from __future__ import annotations

import argparse
import math
import random
import time

from app.domain.draw import commitment, draw_order, new_seed, serve_in_order, verify_draw
from app.domain.opening import Opening
from app.domain.opening_simulation import Market, bot_wins

DRAW_TARGET_S = 1.0


def fairness(runs: int, market: Market) -> None:
    share = market.seats / (market.families + 1)
    spread = 1.96 * math.sqrt(share * (1 - share) / runs)
    print(
        f"{market.families} families + 1 bot, {market.seats} seats, {runs} runs; "
        f"any family's fair share {share:.1%} (95 % of runs' rates within ±{spread:.1%})"
    )
    for opening in Opening:
        started = time.perf_counter()
        wins = bot_wins(market, opening, runs)
        print(
            f"  {opening.value:<11} bot wins {wins}/{runs} = {wins / runs:6.1%}"
            f"  ({time.perf_counter() - started:.1f} s)"
        )


def draw_time(families: int, courses: int, choices: int) -> float:
    rng = random.Random(7)
    ranked = {family: rng.sample(range(courses), choices) for family in range(1, families + 1)}
    seats = dict.fromkeys(range(courses), families // courses)
    seed = new_seed()
    started = time.perf_counter()
    order = draw_order(seed, "term:1", ranked)
    given = serve_in_order(order, ranked, seats)
    elapsed = time.perf_counter() - started
    assert verify_draw(seed, commitment(seed, "term:1"), "term:1", ranked, order).ok
    print(
        f"draw of {families} families, {choices} choices each over {courses} courses: "
        f"{elapsed * 1000:.0f} ms (target {DRAW_TARGET_S * 1000:.0f} ms), "
        f"{len(given)} placed, {'met' if elapsed < DRAW_TARGET_S else 'NOT MET'}"
    )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--families", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=100)
    args = parser.parse_args()
    fairness(args.runs, Market(families=args.families, seats=args.seats))
    draw_time(20_000, 100, 3)


if __name__ == "__main__":
    main()
