"""A term's sessions: what the routes take and answer."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.schedule import Period
from app.domain.sessions import CancelCause
from app.domain.statuses import SessionStatus


class SessionOut(ResponseBody):
    id: int
    term_id: RowId
    course_id: RowId | None = Field(description="Set for an extension course's session")
    care_group_id: RowId | None = Field(description="Set for a basic-care group's session")
    on_date: date
    period: Period = Field(description="after_school (课后) or midday (午托)")
    starts_at: SchoolTime
    ends_at: SchoolTime
    status: SessionStatus = Field(description="scheduled (照常) / cancelled (停课)")
    cancel_cause: CancelCause | None
    cancel_reason: str
    roll_call_at: SchoolTime | None = Field(description="When the roll call was (last) taken")


class StudentSessionOut(SessionOut):
    name: str = Field(
        description="The course's name, or 基础托管N组 (午托N组 at midday)", examples=["创意美术"]
    )


class GenerateOut(ResponseBody):
    term_id: RowId
    courses: int = Field(description="Opened courses (开班) with sessions")
    care_groups: int
    sessions: int = Field(description="Sessions the calendar gives")
    created: int = Field(description="Of which new now (0 when run again unchanged)")
    moved: int = Field(description="Sessions to come whose times changed (summer schedule…)")
    cancelled: int = Field(
        description="Sessions to come the calendar no longer has: cancelled, refunded, told"
    )


class CancelIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"cause": "force_majeure", "reason": "暴雨红色预警"}]},
    )

    cause: CancelCause = Field(description="school or force_majeure (a suspension is a day)")
    reason: str = Field(min_length=1, max_length=200)
