"""The attendance policies' steps and the school's decision on a dismissal."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.attendance import PolicyAction


class DismissalDecisionIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"dismiss": True, "reason": "本学期 5 次延迟接回"}]},
    )

    dismiss: bool
    reason: str = Field(min_length=1, max_length=500)


class PolicyStepOut(ResponseBody):
    id: int
    term_id: RowId
    student_id: RowId
    action: PolicyAction
    place: str = Field(
        description='"course:<id>", "care", "conduct" or "" (late pickups: the student as a whole)'
    )
    count: int
    decision: str | None = Field(description="For a proposed dismissal: dismissed / kept")
    decided_at: SchoolTime | None
    decision_reason: str
    created_at: SchoolTime
