"""Basic-care applications: what the routes take and answer."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.applications import Action
from app.domain.schedule import Period
from app.domain.statuses import ApplicationState

PERIOD_DESCRIPTION = (
    "after_school (课后托管, the default) or midday (午托: in the term's midday window, where the "
    "term offers it). Each is applied for, approved, and grouped apart."
)


class ApplyIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"student_id": 11}, {"student_id": 11, "period": "midday"}]}
    )

    student_id: RowId = Field(ge=1)
    period: Period = Field(default=Period.AFTER_SCHOOL, description=PERIOD_DESCRIPTION)


class TransitionIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"action": "review_approve"}, {"action": "refuse", "reason": "名额已满"}]
        },
    )

    action: Action = Field(
        description="review_approve / review_refuse (class teacher), approve / refuse (school), withdraw (parent)"
    )
    reason: str = Field(
        default="", max_length=500, description="Required for a refusal · 拒绝须说明理由"
    )


class ApplicationOut(ResponseBody):
    id: int
    term_id: RowId
    student_id: RowId
    period: Period = Field(description=PERIOD_DESCRIPTION)
    state: ApplicationState = Field(
        description="applied → class_approved → approved; or refused / withdrawn"
    )
    created_at: SchoolTime
    decided_at: SchoolTime | None

    @classmethod
    def of(cls, application: object) -> ApplicationOut:
        return cls.model_validate(application)
