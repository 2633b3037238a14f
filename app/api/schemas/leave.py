"""Leave requests: what the routes take and answer."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.statuses import LeaveState


class LeaveIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "term_id": 1,
                    "first_day": "2026-03-05",
                    "last_day": "2026-03-06",
                    "reason": "去医院复查",
                }
            ]
        },
    )

    term_id: RowId = Field(ge=1)
    first_day: date
    last_day: date
    reason: str = Field(min_length=1, max_length=500)


class DecisionIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"approve": True, "note": ""}]})

    approve: bool
    note: str = Field(default="", max_length=500)


class LeaveOut(ResponseBody):
    id: int
    term_id: RowId
    student_id: RowId
    first_day: date
    last_day: date
    reason: str
    state: LeaveState = Field(description="pending / approved / refused / withdrawn")
    decided_at: SchoolTime | None
    decision_note: str
    created_at: SchoolTime
