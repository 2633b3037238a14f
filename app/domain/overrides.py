"""What an administrator may do outside the grab's rules, and what still binds them.

An override lifts the window and, when asked, the capacity (the course grows by the seat); it
never lifts the grade and weekday rules or a time conflict: a child cannot be in two rooms.
Every override carries a reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.eligibility import ineligibility
from app.domain.errors import RuleViolation
from app.domain.grab_errors import CourseCancelled, CourseFull, NotEligible, TimeConflict
from app.domain.schedule import GradeRule, TimeSlot, any_conflict


@dataclass(frozen=True)
class Seat:
    """The course as it stands: its grades, weekly slot, capacity and seats taken."""

    grades: frozenset[int]
    slot: TimeSlot
    capacity: int
    seats_taken: int
    cancelled: bool


def require_reason(reason: str) -> str:
    cleaned = reason.strip()
    if not cleaned:
        raise RuleViolation("an override needs a reason")
    return cleaned


def capacity_after_placement(
    grade: int,
    rule: GradeRule,
    seat: Seat,
    held: Iterable[TimeSlot],
    above_capacity: bool,
) -> int:
    """The course's capacity once the student is placed in it by an administrator: the same, or
    one more when the course is full and `above_capacity` was asked for. Raises when the
    placement breaks a rule no override lifts."""
    if seat.cancelled:
        raise CourseCancelled()
    if ineligibility(grade, seat.grades, seat.slot.weekdays, rule) is not None:
        raise NotEligible()
    if any_conflict(seat.slot, held):
        raise TimeConflict()
    if seat.seats_taken < seat.capacity:
        return seat.capacity
    if not above_capacity:
        raise CourseFull()
    return seat.seats_taken + 1
