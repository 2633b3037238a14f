"""How a term's round one opens (开放方式): first come first served, a fair start, or ranked
choices, and how a draw's entrants are served once it is done.

- `fcfs` (先到先得, the source document's rule): the grab as it is.
- `fair_start`: attempts from the grab's opening until `fair_start_s` seconds after it are held
  and put in the order of a verifiable draw (app/domain/draw.py); those held after that moment,
  until the draw is served, follow in the order they came; everything after is the grab.
- `ranked` (志愿): families list up to `choices_max` courses in order during round one, and at
  its close the draw orders the families and each in turn gets its highest choice still open.

Serving follows the engine's rules (app/grab/lua/grab.lua) for every seat it gives: the child is
ready and of an eligible grade, the course is not cancelled and has a seat, it does not clash
with what the child holds, and the child stays within the term's per-student maximum. A family
is given at most one course per pass over the order; further passes, in the same order, serve
second courses while the maximum allows. The first pass is random serial dictatorship.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.draw import draw_order


class Opening(enum.StrEnum):
    FCFS = "fcfs"
    FAIR_START = "fair_start"
    RANKED = "ranked"


FAIR_START_S_RANGE = (1, 600)
CHOICES_MAX_RANGE = (1, 10)
# How round one opens is fixed this long before the grab opens: the seat engine holds it well
# before the first attempt, and the commitment is public well before anyone can enter.
OPENING_FIXED_BEFORE = timedelta(minutes=10)
# A draw is served this long after it is due, and an attempt held for it is written within
# HOLD_DEADLINE: every attempt the engine held before the due moment is in the draw, or was
# answered as not entered (503, to be sent again).
DRAW_GRACE = timedelta(seconds=3)
HOLD_DEADLINE_S = 2.0


def draw_moment(
    opening: Opening, grab_opens_at: datetime, closes_at: datetime, fair_start_s: int
) -> datetime | None:
    """When the term's draw is due: the end of the fair start, or the close of round one for
    ranked choices; None when the term opens first come first served."""
    if opening is Opening.FAIR_START:
        return min(grab_opens_at + timedelta(seconds=fair_start_s), closes_at)
    if opening is Opening.RANKED:
        return closes_at
    return None


def draw_scope(term_id: int, opening: Opening) -> str:
    """The draw's name, covered by its commitment."""
    return f"term:{term_id}:round:1:{opening.value}"


@dataclass(frozen=True)
class Arrival:
    family: int  # the student the family entered for
    first_at: datetime  # when its first attempt (or list of choices) arrived


def serving_order(
    seed: str, scope: str, arrivals: Sequence[Arrival], draw_at: datetime
) -> tuple[list[int], list[int]]:
    """(drawn, late): those who arrived before `draw_at` in the draw's order, then those who
    arrived after it (a fair start's attempts held until the draw was served) as they came."""
    drawn = draw_order(seed, scope, (a.family for a in arrivals if a.first_at < draw_at))
    late_arrivals = sorted(
        (a for a in arrivals if a.first_at >= draw_at), key=lambda a: (a.first_at, a.family)
    )
    return drawn, [a.family for a in late_arrivals]


@dataclass(frozen=True)
class Offer:
    """A course as the draw serves it."""

    course_id: int
    grades: frozenset[int]
    weekdays: frozenset[int]
    start_minute: int
    end_minute: int
    seats: int
    cancelled: bool

    def clashes_with(self, other: Offer) -> bool:
        return bool(self.weekdays & other.weekdays) and (
            self.start_minute < other.end_minute and other.start_minute < self.end_minute
        )


@dataclass(frozen=True)
class Entrant:
    family: int
    grade: int
    ready: bool
    held: tuple[int, ...]  # courses the child holds already (an administrator's placement)
    choices: tuple[int, ...]  # most wanted first


def serve_draw(
    order: Sequence[int],
    entrants: Mapping[int, Entrant],
    offers: Mapping[int, Offer],
    max_courses: int,
) -> dict[int, list[int]]:
    """The courses each family is given, in the order given: one per pass over `order`, each
    its highest choice that the engine's rules allow and that has a seat left."""
    seats = {course_id: offer.seats for course_id, offer in offers.items()}
    given: dict[int, list[int]] = {}
    waiting = list(dict.fromkeys(order))
    while waiting:
        still = []
        for family in waiting:
            entrant = entrants.get(family)
            if entrant is None or not entrant.ready:
                continue
            mine = given.setdefault(family, [])
            if len(entrant.held) + len(mine) >= max_courses:
                continue
            course = _first_open(entrant, mine, offers, seats)
            if course is not None:
                seats[course] -= 1
                mine.append(course)
                still.append(family)
        waiting = still
    return {family: courses for family, courses in given.items() if courses}


def _first_open(
    entrant: Entrant, mine: list[int], offers: Mapping[int, Offer], seats: Mapping[int, int]
) -> int | None:
    holding = [offers[c] for c in (*entrant.held, *mine) if c in offers]
    for course_id in entrant.choices:
        offer = offers.get(course_id)
        if offer is None or offer.cancelled or seats.get(course_id, 0) <= 0:
            continue
        if course_id in entrant.held or course_id in mine or entrant.grade not in offer.grades:
            continue
        if any(offer.clashes_with(other) for other in holding):
            continue
        return course_id
    return None
