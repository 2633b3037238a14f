"""Calendar feeds' answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.api.schemas.base import ResponseBody, RowId


class CalendarFeedOut(ResponseBody):
    id: RowId
    student_id: RowId
    created_at: datetime
    revoked: bool


class NewCalendarFeedOut(CalendarFeedOut):
    url: str = Field(
        description="The secret address: anyone holding it sees the child's sessions, so keep it "
        "to the family's phones; revoke it when a phone is lost · 订阅地址(请勿外传)",
        examples=["https://kehou.example.edu.cn/calendar/3q2-…X8.ics"],
    )
    webcal_url: str = Field(
        description="The same, as a `webcal://` link a phone opens in its calendar app · 日历订阅链接",
        examples=["webcal://kehou.example.edu.cn/calendar/3q2-…X8.ics"],
    )
