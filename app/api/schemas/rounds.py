"""What arming a term and the reconciler report."""

from __future__ import annotations

from pydantic import Field

from app.api.schemas.base import ResponseBody, RowId


class DriftOut(ResponseBody):
    course_id: RowId
    redis_seats_left: int
    confirmed: int
    capacity: int


class ArmReportOut(ResponseBody):
    term_id: RowId
    courses: int
    students: int
    persisted_first: int = Field(description="Grabs written to Postgres before rebuilding")
    seconds: float


class ReconcileReportOut(ResponseBody):
    run_id: RowId | None
    term_id: RowId
    round: int = Field(description="The round whose close this run follows · 对应的报名轮次")
    opened: list[int] = Field(description="Courses confirmed (开班)")
    cancelled: list[int] = Field(description="Courses cancelled for too few students (撤班)")
    students_affected: list[int] = Field(
        description="Students of cancelled courses: round two is theirs"
    )
    drift: list[DriftOut] = Field(
        description="Redis disagreeing with Postgres before the run (repaired)"
    )
    grabs_written_first: int
    notices: int = Field(
        default=0, description="Notices written for the guardians of cancelled seats · 通知条数"
    )
    finished_at: str
