"""The school's time zone: the one every date rule counts days in (Beijing time). SQL that turns
a moment into a school day binds its name (`SCHOOL_ZONE.key`) rather than spelling it again."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

SCHOOL_ZONE = ZoneInfo("Asia/Shanghai")


def school_day(moment: datetime) -> date:
    """The date at the school of a moment (an aware datetime)."""
    return moment.astimezone(SCHOOL_ZONE).date()
