"""Administrators' overrides: what they take, each with its reason."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, RowId

Reason = Field(min_length=1, max_length=500, description="Why, for the audit log · 调整原因(必填)")


AboveCapacity = Field(
    default=False,
    description="Allow one seat above capacity (the course grows by it) · 允许超出容量",
)


class EnrolIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"student_id": 11, "course_id": 7, "reason": "家长报名当天住院,经校长同意补报"},
                {
                    "student_id": 12,
                    "course_id": 7,
                    "reason": "随迁子女优先保障",
                    "above_capacity": True,
                },
            ]
        },
    )

    student_id: RowId = Field(ge=1)
    course_id: RowId = Field(ge=1)
    reason: str = Reason
    above_capacity: bool = AboveCapacity


class MoveIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"to_course_id": 8, "reason": "与校队训练时间冲突"}]},
    )

    to_course_id: RowId = Field(ge=1)
    reason: str = Reason
    above_capacity: bool = AboveCapacity


class ReasonIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "家长书面申请退出,学校批准"}]},
    )

    reason: str = Reason
