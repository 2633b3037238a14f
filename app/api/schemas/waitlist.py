"""The waiting list: what the routes take and answer."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.statuses import WaitlistState


class WaitlistIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"student_id": 11, "course_id": 7}]})

    student_id: RowId = Field(ge=1)
    course_id: RowId = Field(ge=1)


class WaitlistEntryOut(ResponseBody):
    id: int
    term_id: RowId
    course_id: RowId
    student_id: RowId
    state: WaitlistState = Field(description="waiting (候补中) / admitted (已递补) / withdrawn")
    created_at: SchoolTime
    admitted_at: SchoolTime | None
