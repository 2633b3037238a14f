"""The registration window: 24 hours by default, the grab inside it, round two after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

DEFAULT_WINDOW = timedelta(hours=24)
EARLIEST_YEAR, LATEST_YEAR = 2000, 2200


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime
    grab_opens_at: datetime
    round2_opens_at: datetime
    round2_closes_at: datetime


def plan_window(
    opens_at: datetime,
    closes_at: datetime | None = None,
    grab_opens_at: datetime | None = None,
    round2_opens_at: datetime | None = None,
    round2_closes_at: datetime | None = None,
) -> Window:
    """Fill in the defaults (a 24-hour window, the grab at its opening, round two right after it
    and as long) and check the order of everything. Raises ValueError naming what is wrong."""
    for moment in (opens_at, closes_at, grab_opens_at, round2_opens_at, round2_closes_at):
        if moment is not None and moment.tzinfo is None:
            raise ValueError("times need a UTC offset, e.g. 2026-09-01T11:00:00+08:00")
        # The defaults add days to these; near the calendar's end that would overflow.
        if moment is not None and not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise ValueError(f"times must fall in the years {EARLIEST_YEAR}–{LATEST_YEAR}")
    closes = closes_at or opens_at + DEFAULT_WINDOW
    grab = grab_opens_at or opens_at
    round2_opens = round2_opens_at or closes
    round2_closes = round2_closes_at or round2_opens + (closes - opens_at)
    if closes <= opens_at:
        raise ValueError("the window must close after it opens")
    if not opens_at <= grab < closes:
        raise ValueError("the grab must open inside the registration window")
    if round2_opens < closes:
        raise ValueError("round two must open after the registration window closes")
    if round2_closes <= round2_opens:
        raise ValueError("round two must close after it opens")
    return Window(opens_at, closes, grab, round2_opens, round2_closes)


def check_term_dates(
    starts_on: date, ends_on: date, summer: tuple[date | None, date | None] = (None, None)
) -> None:
    if ends_on < starts_on:
        raise ValueError("the term must not end before it starts")
    first, last = summer
    if (first is None) != (last is None):
        raise ValueError("the summer schedule needs both a first and a last day")
    if first is not None and last is not None and last < first:
        raise ValueError("the summer schedule must not end before it starts")


def grab_closed_reason(window: Window, now: datetime) -> str | None:
    """Why a grab at `now` is refused by the clock alone, as the seat engine says it
    (`window-not-open` before the grab, `window-closed` once round one has closed, but while
    round two is open), or None while a round is open."""
    if now < window.grab_opens_at:
        return "window-not-open"
    if now < window.closes_at or window.round2_opens_at <= now < window.round2_closes_at:
        return None
    return "window-closed"


OpeningPhase = Literal["before", "round1", "between", "round2", "closed"]


def opening_phase(window: Window, now: datetime) -> OpeningPhase:
    """Where the window stands at `now`, as the opening page shows it: `before` the grab,
    `round1`, `between` the rounds, `round2`, or `closed`."""
    if now < window.grab_opens_at:
        return "before"
    if now < window.closes_at:
        return "round1"
    if now < window.round2_opens_at:
        return "between"
    if now < window.round2_closes_at:
        return "round2"
    return "closed"
