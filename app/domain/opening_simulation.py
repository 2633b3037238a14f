"""The opening second, simulated: one family with a script and a fast line (a "bot") among
families pressing at 11:00 on phones of every speed, for one course with fewer seats than
families. Who gets a seat under first come first served, under a fair start (the first
seconds drawn), and under ranked choices served in a drawn order. Pure, seeded: the same run
gives the same result."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from app.domain.draw import draw_order, fair_start_order, serve_in_order
from app.domain.opening import Opening

BOT = 0  # the family with the script
COURSE = 1


@dataclass(frozen=True)
class Market:
    families: int = 1000  # besides the bot
    seats: int = 100
    bot_latency_s: float = 0.005
    slowest_s: float = 0.8
    fastest_s: float = 0.05
    fair_start_s: float = 10.0


def arrivals(market: Market, rng: random.Random) -> list[tuple[int, float]]:
    """(family, seconds after 11:00) in arrival order: the bot at its latency, the others at
    theirs (uniform between the fastest and the slowest phone)."""
    timed = [(BOT, market.bot_latency_s)] + [
        (family, rng.uniform(market.fastest_s, market.slowest_s))
        for family in range(1, market.families + 1)
    ]
    return sorted(timed, key=lambda pair: (pair[1], pair[0]))


def winners(market: Market, opening: Opening, run: int) -> set[int]:
    """The families given a seat in one run (its phones and its draw seeded by `run`)."""
    rng = random.Random(run)  # noqa: S311  (phones' latencies, not a secret)
    arrived = arrivals(market, rng)
    seed = hashlib.sha256(f"simulation:{run}".encode()).hexdigest()
    scope = f"simulation:{run}:{opening.value}"  # a fresh scope for every draw
    if opening is Opening.FCFS:
        order = [family for family, _ in arrived]
    elif opening is Opening.FAIR_START:
        order = fair_start_order(seed, scope, arrived, market.fair_start_s)
    else:
        order = draw_order(seed, scope, [family for family, _ in arrived])
    choices = {family: [COURSE] for family, _ in arrived}
    return set(serve_in_order(order, choices, {COURSE: market.seats}))


def bot_wins(market: Market, opening: Opening, runs: int, first_run: int = 0) -> int:
    """In how many of `runs` runs the bot got a seat."""
    return sum(BOT in winners(market, opening, run) for run in range(first_run, first_run + runs))
