"""Teachers' workload and duty records: what the routes take and answer."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.models import DutyKind


class WorkloadOut(ResponseBody):
    user_id: RowId
    name: str
    sessions: int = Field(description="Sessions supervised (roll calls taken)")
    midday_sessions: int = Field(
        description="Of those, sessions of midday care (午托) · 其中午托课次"
    )
    student_hours: float
    activities: int
    patrols: int
    subsidy_fen: int
    points: int


class DutyRecordIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "patrol",
                    "on_date": "2026-03-02",
                    "note": "16:30 巡查各托管教室,秩序良好",
                    "incidents": "",
                }
            ]
        },
    )

    kind: DutyKind = Field(description="patrol (安全巡查, duty leaders) / activity (活动)")
    on_date: date
    note: str = Field(min_length=1, max_length=2000)
    incidents: str = Field(default="", max_length=2000, description="Incident notes, if any")


class DutyRecordOut(ResponseBody):
    id: int
    school_id: RowId
    user_id: RowId
    kind: DutyKind
    on_date: date
    note: str
    incidents: str
    created_at: SchoolTime
