"""Requests to leave a place (退出申请)."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.schedule import Period
from app.domain.statuses import ExitState


class ExitRequestIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"term_id": 3, "reason": "家中有老人接送,不再需要托管"},
                {"term_id": 3, "period": "midday", "reason": "中午由家长接回午休"},
                {"term_id": 3, "course_id": 12, "reason": "孩子转学"},
            ]
        }
    )

    term_id: RowId = Field(ge=1)
    course_id: RowId | None = Field(
        default=None, ge=1, description="The course seat to leave; none: the basic-care place"
    )
    period: Period | None = Field(
        default=None,
        description=(
            "Without a course: leave basic care of this period only (after_school, midday); "
            "none: both · 仅退出该时段的基础托管"
        ),
    )
    reason: str = Field(min_length=1, max_length=500, description="Why · 退出理由(书面申请)")


class ExitDecisionIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"approve": True}, {"approve": False, "reason": "学期将结束,请坚持"}]
        }
    )

    approve: bool
    reason: str = Field(
        default="", max_length=500, description="Required for a refusal · 不同意须说明理由"
    )


class ExitRequestOut(ResponseBody):
    id: RowId
    term_id: RowId
    student_id: RowId
    course_id: RowId | None = Field(description="None: the basic-care place")
    period: Period | None = Field(
        validation_alias="care_period",
        description="Basic care of this period only; none: both (or a course seat)",
    )
    reason: str
    state: ExitState = Field(description="pending → approved / refused; or withdrawn")
    decision_reason: str
    ends_on: date | None = Field(description="Once approved: the place's last day · 最后一天")
    refunded_sessions: int = Field(
        description="Sessions still to come refunded (a paid course) · 退还课次数"
    )
    created_at: SchoolTime
    decided_at: SchoolTime | None
