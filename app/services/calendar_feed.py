"""A student's sessions as iCalendar (RFC 5545), for a phone's calendar: times in Asia/Shanghai
with the zone's definition inside (a phone shows them right wherever it is set), the room as the
location and the teacher in the description, cancelled sessions marked CANCELLED."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from icalendar import Calendar, Event

from app.domain.statuses import SessionStatus
from app.domain.zone import SCHOOL_ZONE
from app.models import CareSession

PRODUCT = "-//Kehou//课后托管//ZH"


@dataclass(frozen=True)
class SessionDetails:
    """What a course's sessions say beyond their name: where, and with whom."""

    room: str
    teacher: str | None


def student_calendar(
    student_id: int,
    rows: Sequence[tuple[CareSession, str]],
    details: Mapping[int, SessionDetails] | None = None,
) -> bytes:
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
        event.add("dtstart", row.starts_at.astimezone(SCHOOL_ZONE))
        event.add("dtend", row.ends_at.astimezone(SCHOOL_ZONE))
        event.add("summary", name)
        about = (details or {}).get(row.course_id) if row.course_id is not None else None
        lines = []
        if about is not None and about.room:
            event.add("location", about.room)
        if about is not None and about.teacher:
            lines.append(f"教师:{about.teacher}")
        if row.status is SessionStatus.CANCELLED:
            event.add("status", "CANCELLED")
            lines.insert(0, f"停课:{row.cancel_reason}")
        else:
            event.add("status", "CONFIRMED")
        if lines:
            event.add("description", "\n".join(lines))
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
