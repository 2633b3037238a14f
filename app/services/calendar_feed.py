"""A student's sessions as iCalendar (RFC 5545), for a phone's calendar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from icalendar import Calendar, Event

from app.domain.statuses import SessionStatus
from app.domain.zone import SCHOOL_ZONE
from app.models import CareSession

PRODUCT = "-//Kehou//课后托管//ZH"


def student_calendar(student_id: int, rows: Sequence[tuple[CareSession, str]]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "课后托管课表")
    calendar.add("x-wr-timezone", SCHOOL_ZONE.key)
    stamp = datetime.now(UTC)
    for row, name in rows:
        event = Event()
        # Stable per session and student: a calendar that subscribes updates the same event.
        event.add("uid", f"session-{row.id}-student-{student_id}@kehou")
        event.add("dtstamp", stamp)
        event.add("dtstart", row.starts_at)
        event.add("dtend", row.ends_at)
        event.add("summary", name)
        if row.status is SessionStatus.CANCELLED:
            event.add("status", "CANCELLED")
            event.add("description", f"停课:{row.cancel_reason}")
        else:
            event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
