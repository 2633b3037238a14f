"""Publication (公示): lists shown to the school's families for a set period. Families see
classes and masked names; staff see everything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_DAYS = 30


def mask_name(name: str) -> str:
    """张小明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明: the family name and, for three characters
    or more, the last one stay."""
    cleaned = name.strip()
    if len(cleaned) <= 1:
        return "*"
    if len(cleaned) == 2:
        return cleaned[0] + "*"
    return cleaned[0] + "*" * (len(cleaned) - 2) + cleaned[-1]


@dataclass(frozen=True)
class Period:
    opens_at: datetime
    closes_at: datetime

    def is_open(self, moment: datetime) -> bool:
        return self.opens_at <= moment < self.closes_at


def publication_period(opens_at: datetime, days: int) -> Period:
    """The seed publishes for a few days (公示期); between 1 and MAX_DAYS."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"a publication runs 1 to {MAX_DAYS} days")
    return Period(opens_at, opens_at + timedelta(days=days))
