"""Conduct incidents recorded on a session."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.api.schemas.attendance import StepOut
from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime


class IncidentIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"student_id": 11, "note": "多次推搡同学,劝阻无效"}]}
    )

    student_id: RowId = Field(ge=1)
    note: str = Field(min_length=1, max_length=1000, description="What happened · 情况记录")


class IncidentOut(ResponseBody):
    id: RowId
    term_id: RowId
    session_id: int
    student_id: RowId
    recorded_by_id: RowId
    note: str
    created_at: SchoolTime


class IncidentRecordedOut(IncidentOut):
    policy_steps: list[StepOut] = Field(
        description="Steps this incident took: conduct_warning (the family), dismissal_proposed "
        "(the school decides) · 由此触发的提醒或劝退建议"
    )
