"""Roll call (点名签到), pickups, handovers (交接) and attendance records."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import AwareDatetime, ConfigDict, Field

from app.api.deps import CurrentUser, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RequestBody, ResponseBody, RowId, SchoolTime
from app.domain.attendance import PolicyAction
from app.domain.statuses import AttendanceStatus
from app.services import attendance
from app.services.attendance import Mark, RollCall

router = APIRouter(tags=["attendance"])

READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)


class MarkIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"student_id": 11, "status": "present"}]}
    )

    student_id: RowId = Field(ge=1)
    status: AttendanceStatus = Field(
        description="present (出勤) / absent (缺勤) / leave (请假) / late (迟到)"
    )
    note: str = Field(default="", max_length=200)


class RollCallIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
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
        extra="forbid",
        json_schema_extra={
            "examples": [{"student_id": 11, "picked_up_at": "2026-03-02T17:45:00+08:00"}]
        },
    )

    student_id: RowId = Field(ge=1)
    picked_up_at: AwareDatetime


class PickupsIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"pickups": [{"student_id": 11, "picked_up_at": "2026-03-02T17:45:00+08:00"}]}
            ]
        },
    )

    pickups: list[PickupIn] = Field(min_length=1, max_length=200)


class HandoverIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
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
    place: str = Field(description='"course:<id>", "care" or "" (the student as a whole)')
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


def _roll_call_out(result: RollCall) -> RollCallOut:
    return RollCallOut(
        session_id=result.session.id,
        marks=[AttendanceOut.model_validate(m) for m in result.marks],
        policy_steps=[StepOut.model_validate(s) for s in result.steps],
    )


@router.put(
    "/sessions/{session_id}/attendance",
    operation_id="recordRollCall",
    summary="Take the roll call · 点名签到",
    description=(
        "The care or course teacher marks every student of the session in one request; sent "
        "again, it replaces the marks (idempotent). A child with approved leave marked absent is "
        "excused. Unexcused absences reaching the term's limit treat the place as given up "
        "(视作自动放弃), with a warning one absence before.\n\n托管教师一次提交整个班组的考勤,"
        "重复提交以最后一次为准;已批准请假的缺勤记为请假;无故缺勤达到学期上限视作自动放弃名额,"
        "差一次时提醒家长。"
    ),
    response_model=RollCallOut,
    responses=WRITE_ERRORS,
)
async def roll_call(
    session_id: RowId,
    body: RollCallIn,
    session: SessionDep,
    actor: CurrentUser,
) -> RollCallOut:
    marks = [Mark(m.student_id, m.status, m.note) for m in body.marks]
    result = await attendance.roll_call(session, actor.principal, session_id, marks)
    return _roll_call_out(result)


@router.get(
    "/sessions/{session_id}/attendance",
    operation_id="getRollCallSheet",
    summary="A session's roll call and handovers · 课次考勤",
    description="The students of the session with their marks, for the roll-call screen. "
    "本课次学生名单及考勤,供点名使用。",
    response_model=SessionSheetOut,
    responses=READ_ERRORS,
)
async def sheet(session_id: RowId, session: SessionDep, actor: CurrentUser) -> SessionSheetOut:
    row, lines, handovers = await attendance.session_sheet(session, actor.principal, session_id)
    students = [
        SheetLineOut(
            student_id=line.student_id, name=line.name, class_name=line.class_name,
            status=line.mark.status if line.mark else None, on_leave=line.on_leave,
            note=line.mark.note if line.mark else "",
            picked_up_at=line.mark.picked_up_at if line.mark else None,
            picked_up_late=bool(line.mark and line.mark.picked_up_late),
        )
        for line in lines
    ]  # fmt: skip
    return SessionSheetOut(
        session_id=row.id, on_date=row.on_date, starts_at=row.starts_at, ends_at=row.ends_at,
        roll_call_at=row.roll_call_at, students=students,
        handovers=[HandoverOut.model_validate(h) for h in handovers],
    )  # fmt: skip


@router.post(
    "/sessions/{session_id}/pickups",
    operation_id="recordPickups",
    summary="Record pickups · 登记接走时间",
    description=(
        "When each child was picked up. Later than the session's end plus the term's grace is a "
        "late pickup; reaching the term's limit warns the family, one more proposes a dismissal "
        "(劝退) to the school.\n\n登记家长接走时间;超过结束时间加宽限即为延迟接回,达到上限提醒"
        "家长,再有一次则提请学校劝退。"
    ),
    response_model=RollCallOut,
    responses=WRITE_ERRORS,
)
async def pickups(
    session_id: RowId, body: PickupsIn, session: SessionDep, actor: CurrentUser
) -> RollCallOut:
    items = [(p.student_id, p.picked_up_at) for p in body.pickups]
    result = await attendance.record_pickups(session, actor.principal, session_id, items)
    return _roll_call_out(result)


@router.post(
    "/sessions/{session_id}/handovers",
    operation_id="recordHandover",
    summary="Record a handover · 交接登记",
    description=(
        "The last lesson's teacher hands the children over to the care teacher: who, how many, "
        "when.\n\n最后一节课任课教师与托管教师的交接:交接人、人数、时间。"
    ),
    status_code=201,
    response_model=HandoverOut,
    responses=WRITE_ERRORS,
)
async def handover(
    session_id: RowId, body: HandoverIn, session: SessionDep, actor: CurrentUser
) -> HandoverOut:
    row = await attendance.record_handover(
        session, actor.principal, session_id, body.from_teacher, body.children,
        body.handed_over_at,
    )  # fmt: skip
    return HandoverOut.model_validate(row)


@router.get(
    "/students/{student_id}/attendance",
    operation_id="listStudentAttendance",
    summary="A student's attendance · 学生考勤记录",
    description=(
        "A student's roll-call marks for a term, for the child's guardians, class teacher, the "
        "teachers of the child's sessions and administrators.\n\n学生的考勤记录;家长、班主任、"
        "任课教师与管理员可见。"
    ),
    response_model=list[StudentAttendanceOut],
    responses=READ_ERRORS,
)
async def of_student(
    student_id: RowId, term_id: RowId, session: SessionDep, actor: CurrentUser
) -> list[StudentAttendanceOut]:
    rows = await attendance.of_student(session, actor.principal, student_id, term_id)
    return [
        StudentAttendanceOut(
            **AttendanceOut.model_validate(a).model_dump(),
            session_id=s.id, on_date=s.on_date, course_id=s.course_id,
            care_group_id=s.care_group_id,
        )
        for a, s in rows
    ]  # fmt: skip
