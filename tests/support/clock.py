"""A chosen clock for the tests of date rules. The app reads the time from Python
(`datetime.now`, `school_today()`); these tests set it, so that they run alike on any day.

The grab's window is decided by the Redis server's clock, which no test moves: tests of the grab
place their windows relative to the real now instead, in hours, never in days of the week.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time

import time_machine

from app.domain.zone import SCHOOL_ZONE

# A school week with no public holiday within three weeks either side (2026's calendar).
SCHOOL_WEEK = (
    date(2026, 11, 9),  # Monday
    date(2026, 11, 10),
    date(2026, 11, 11),
    date(2026, 11, 12),
    date(2026, 11, 13),  # Friday
)
CHOSEN_DAY = SCHOOL_WEEK[2]  # a Wednesday: the default for tests of the running term
SUMMER_DAY = date(2026, 9, 16)  # a Wednesday of the summer schedule (夏令时) in the tests' terms
MAKE_UP_DAY = date(2026, 10, 10)  # a Saturday worked for the National Day holidays (调休)
SCHOOL_DAYS = (*SCHOOL_WEEK, SUMMER_DAY, MAKE_UP_DAY)
# After care has ended that day: roll calls and pickups of the day are all in the past.
EVENING = time(18, 30)


def day_id(day: date) -> str:
    label = {SUMMER_DAY: "summer", MAKE_UP_DAY: "make-up"}.get(day, day.strftime("%a"))
    return f"{day.isoformat()}-{label}"


@contextmanager
def school_clock(day: date, at: time = EVENING) -> Iterator[datetime]:
    """Python's clock at `at` on `day` at the school, running on from there."""
    moment = datetime.combine(day, at, SCHOOL_ZONE)
    with time_machine.travel(moment, tick=True):
        yield moment
