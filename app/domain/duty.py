"""The duty leader's day (篇三: 值日领导……清校; 篇八: 放学后清校): patrols through the care hours and,
at the end, the clearing check: every group dismissed, every room checked. The duty report shows
each day the school held care, its patrols and its clearing check, and a day that has none."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Clearing:
    checked_by: str
    all_groups_dismissed: bool
    rooms_checked: bool
    note: str

    @property
    def clear(self) -> bool:
        """The school was left clear: every group dismissed and every room checked."""
        return self.all_groups_dismissed and self.rooms_checked


@dataclass(frozen=True)
class DutyDay:
    on_date: date
    patrols: int
    clearing: Clearing | None

    @property
    def clearing_missing(self) -> bool:
        return self.clearing is None


def duty_days(
    care_days: Iterable[date],
    patrols: Mapping[date, int],
    clearings: Mapping[date, Clearing],
    today: date,
) -> list[DutyDay]:
    """Each day the school held care up to today (a day still to come owes nothing yet), and any
    day with a record of its own, in date order."""
    days = {d for d in care_days if d <= today} | set(patrols) | set(clearings)
    return [DutyDay(d, patrols.get(d, 0), clearings.get(d)) for d in sorted(days)]
