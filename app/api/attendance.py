"""Roll call (点名签到), pickups, handovers (交接) and attendance records."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import READ_ERRORS, WRITE_ERRORS
from app.api.schemas.attendance import (
    AttendanceOut,
    HandoverIn,
    HandoverOut,
    PickupsIn,
    RollCallIn,
    RollCallOut,
    SessionSheetOut,
    SheetLineOut,
    StudentAttendanceOut,
    roll_call_out,
)
from app.api.schemas.base import CareSessionId, RowId
from app.services import attendance
from app.services.attendance import Mark

router = APIRouter(prefix=API_PREFIX, tags=["attendance"])


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
    care_session_id: CareSessionId,
    body: RollCallIn,
    session: SessionDep,
    actor: CurrentUser,
) -> RollCallOut:
    marks = [Mark(m.student_id, m.status, m.note) for m in body.marks]
    result = await attendance.roll_call(session, actor.principal, care_session_id, marks)
    return roll_call_out(result)


@router.get(
    "/sessions/{session_id}/attendance",
    operation_id="getRollCallSheet",
    summary="A session's roll call and handovers · 课次考勤",
    description="The students of the session with their marks, for the roll-call screen. "
    "本课次学生名单及考勤,供点名使用。",
    response_model=SessionSheetOut,
    responses=READ_ERRORS,
)
async def sheet(
    care_session_id: CareSessionId, session: SessionDep, actor: CurrentUser
) -> SessionSheetOut:
    row, lines, handovers = await attendance.session_sheet(
        session, actor.principal, care_session_id
    )
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
    care_session_id: CareSessionId, body: PickupsIn, session: SessionDep, actor: CurrentUser
) -> RollCallOut:
    items = [(p.student_id, p.picked_up_at) for p in body.pickups]
    result = await attendance.record_pickups(session, actor.principal, care_session_id, items)
    return roll_call_out(result)


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
    care_session_id: CareSessionId, body: HandoverIn, session: SessionDep, actor: CurrentUser
) -> HandoverOut:
    row = await attendance.record_handover(
        session, actor.principal, care_session_id, body.from_teacher, body.children,
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
