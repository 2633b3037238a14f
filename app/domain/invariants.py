"""The invariants of a term's seats, checked after any run (a rehearsal, a real window): pure
comparisons of what Postgres and the seat engine hold."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import combinations

from app.domain.schedule import TimeSlot


@dataclass(frozen=True)
class CourseCount:
    course_id: int
    capacity: int
    seats_taken: int  # the course row's counter
    confirmed: int  # confirmed enrollment rows


@dataclass
class Check:
    name: str
    breaches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.breaches


def over_capacity(courses: Iterable[CourseCount]) -> Check:
    check = Check("no course over capacity")
    for c in courses:
        if c.confirmed > c.capacity or c.seats_taken != c.confirmed:
            check.breaches.append(
                f"course {c.course_id}: {c.confirmed} confirmed, counter {c.seats_taken}, "
                f"capacity {c.capacity}"
            )
    return check


def twice_in_a_course(seats: Iterable[tuple[int, int]]) -> Check:
    """`seats`: (student, course) of every confirmed enrollment."""
    check = Check("no student twice in a course")
    for (student, course), n in Counter(seats).items():
        if n > 1:
            check.breaches.append(f"student {student} holds course {course} {n} times")
    return check


def time_conflicts(seats: Iterable[tuple[int, int]], slots: Mapping[int, TimeSlot]) -> Check:
    check = Check("no time conflict held")
    held: dict[int, list[int]] = defaultdict(list)
    for student, course in seats:
        held[student].append(course)
    for student, courses in sorted(held.items()):
        for first, second in combinations(sorted(set(courses)), 2):
            if slots[first].conflicts_with(slots[second]):
                check.breaches.append(f"student {student}: courses {first} and {second} clash")
    return check


def engine_agrees(
    postgres_seats: Iterable[tuple[int, int]],
    redis_held: Mapping[int, Iterable[int]],
    courses: Iterable[CourseCount],
    redis_seats_left: Mapping[int, int],
) -> list[Check]:
    """Every seat the engine granted is in Postgres and the other way round, and per course the
    engine's seats left + confirmed = capacity."""
    in_postgres = set(postgres_seats)
    in_redis = {(s, c) for s, held in redis_held.items() for c in held}
    written = Check("every confirmed grab in Postgres")
    written.breaches += [
        f"student {s} holds course {c} in Redis, not in Postgres"
        for s, c in sorted(in_redis - in_postgres)
    ]
    known = Check("every Postgres seat known to the engine")
    known.breaches += [
        f"student {s} holds course {c} in Postgres, not in Redis"
        for s, c in sorted(in_postgres - in_redis)
    ]
    balance = Check("Redis seats left + Postgres confirmed = capacity")
    for c in courses:
        left = redis_seats_left.get(c.course_id)
        if left is None:
            balance.breaches.append(f"course {c.course_id} is not armed")
        elif left + c.confirmed != c.capacity:
            balance.breaches.append(
                f"course {c.course_id}: {left} left + {c.confirmed} confirmed ≠ {c.capacity}"
            )
    return [written, known, balance]
