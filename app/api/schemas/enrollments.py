"""The grab and a student's enrollments: what the routes take and answer."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.opening import Opening
from app.models import Enrollment

# The Idempotency-Key rule, shared by the grab's route and its fast entry.
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:-]+$"
IDEMPOTENCY_KEY_MAX = 64


class GrabIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"student_id": 11, "course_id": 7}]})

    student_id: RowId = Field(ge=1, le=2**31 - 1)
    course_id: RowId = Field(ge=1, le=2**31 - 1)


EnrollmentState = Literal["confirmed", "pending", "cancelled_by_school", "dismissed"]


class EnrollmentOut(ResponseBody):
    id: int | None = Field(description="Null while pending · 写入中时为空", examples=[501])
    student_id: RowId
    course_id: RowId
    status: EnrollmentState = Field(
        description="confirmed (已报名), pending (已受理、写入中), cancelled_by_school (撤班), dismissed"
    )
    round: int = Field(examples=[1], description="1, or 2 for the second round · 报名轮次")
    created_at: SchoolTime = Field(
        description="When the seat was granted (in the draw: when the attempt arrived), by the "
        "engine's clock"
    )


class GrabAcceptedOut(EnrollmentOut):
    """A grab accepted without a written seat: pending (the seat is the family's, being
    written), or in_draw (round one waits for its draw: the attempt is an entry, not a seat)."""

    status: Literal["pending", "in_draw"] = Field(  # type: ignore[assignment]
        description="pending (已受理、写入中), or in_draw (已进入抽签)"
    )
    opening: Opening | None = Field(
        default=None,
        description="In the draw only: how the term's round one opens · 开放方式(仅抽签时)",
    )
    draw_at: SchoolTime | None = Field(
        default=None, description="In the draw only: when the draw is due · 抽签时间"
    )
    choices: list[int] | None = Field(
        default=None,
        description="In the draw only: the family's choices so far, most wanted first · 志愿顺序",
    )


def enrollment_out(enrollment: Enrollment) -> EnrollmentOut:
    """A written enrollment (an ORM row) as the contract shows it."""
    return EnrollmentOut(
        id=enrollment.id,
        student_id=enrollment.student_id,
        course_id=enrollment.course_id,
        status=enrollment.status.value,
        round=enrollment.round,
        created_at=enrollment.grabbed_at,
    )
