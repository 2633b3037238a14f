"""Roll calls, pickups and handovers: what the attendance routes take and answer."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, ConfigDict, Field

from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.attendance import PolicyAction
from app.domain.statuses import AttendanceStatus
from app.services.attendance import RollCall


class MarkIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"student_id": 11, "status": "present"}]}
    )

    student_id: RowId = Field(ge=1)
    status: AttendanceStatus = Field(
        description="present (出勤) / absent (缺勤) / leave (请假) / late (迟到)"
    )
    note: str = Field(default="", max_length=200)


class RollCallIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "marks": [
                        {"student_id": 11, "status": "present"},
                        {"student_id": 12, "status": "absent"},
                        {"student_id": 13, "status": "late", "note": "15:20 到"},
                    ]
                }
            ]
        },
    )

    marks: list[MarkIn] = Field(max_length=1000)


class PickupIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"student_id": 11, "picked_up_at": "2026-03-02T17:45:00+08:00"}]
        },
    )

    student_id: RowId = Field(ge=1)
    picked_up_at: AwareDatetime


class PickupsIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"pickups": [{"student_id": 11, "picked_up_at": "2026-03-02T17:45:00+08:00"}]}
            ]
        },
    )

    pickups: list[PickupIn] = Field(min_length=1, max_length=200)


class HandoverIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "from_teacher": "王老师",
                    "children": 38,
                    "handed_over_at": "2026-03-02T15:05:00+08:00",
                }
            ]
        },
    )

    from_teacher: str = Field(min_length=1, max_length=50, description="The last lesson's teacher")
    children: int = Field(ge=0, le=500, description="How many children were handed over")
    handed_over_at: AwareDatetime


class AttendanceOut(ResponseBody):
    student_id: RowId
    status: AttendanceStatus
    note: str
    picked_up_at: SchoolTime | None
    picked_up_late: bool
    recorded_at: SchoolTime


class StepOut(ResponseBody):
    id: int
    student_id: RowId
    action: PolicyAction
    place: str = Field(
        description='"course:<id>", "care", "conduct" or "" (late pickups: the student as a whole)'
    )
    count: int


class RollCallOut(ResponseBody):
    session_id: RowId
    marks: list[AttendanceOut]
    policy_steps: list[StepOut] = Field(
        description="Steps the attendance policies took because of this request"
    )


class HandoverOut(ResponseBody):
    id: int
    session_id: RowId
    from_teacher: str
    children: int
    handed_over_at: SchoolTime


class SheetLineOut(ResponseBody):
    student_id: RowId
    name: str
    class_name: str
    status: AttendanceStatus | None = Field(description="None until the roll call is taken")
    on_leave: bool = Field(description="Approved leave covers the day (请假已批准)")
    note: str
    picked_up_at: SchoolTime | None
    picked_up_late: bool


class SessionSheetOut(ResponseBody):
    session_id: RowId
    on_date: date
    starts_at: SchoolTime
    ends_at: SchoolTime
    roll_call_at: SchoolTime | None
    students: list[SheetLineOut] = Field(description="Who the roll call is for, with marks")
    handovers: list[HandoverOut]


class StudentAttendanceOut(AttendanceOut):
    session_id: RowId
    on_date: date
    course_id: RowId | None
    care_group_id: RowId | None


def roll_call_out(result: RollCall) -> RollCallOut:
    return RollCallOut(
        session_id=result.care_session.id,
        marks=[AttendanceOut.model_validate(m) for m in result.marks],
        policy_steps=[StepOut.model_validate(s) for s in result.steps],
    )
