"""A term's sessions (课次): generation from the term calendar, cancellation, lists, and a
student's calendar feed."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import READ_ERRORS, WRITE_ERRORS
from app.api.schemas.base import CareSessionId, Page, RowId
from app.api.schemas.sessions import CancelIn, GenerateOut, SessionOut, StudentSessionOut
from app.services import sessions
from app.services.calendar_feed import student_calendar

router = APIRouter(prefix=API_PREFIX, tags=["sessions"])

FromDay = Annotated[date | None, Query(alias="from", description="First day, inclusive")]
ToDay = Annotated[date | None, Query(alias="to", description="Last day, inclusive")]


@router.post(
    "/terms/{term_id}/sessions/generate",
    operation_id="generateSessions",
    summary="Generate the term's sessions · 生成课次",
    description=(
        "Every session of every opened extension course and basic-care group, from the term "
        "calendar: the weekdays each meets, public holidays and 调休 make-up days, the school's "
        "suspension days, and the grades' times with the summer schedule (夏令时). Run it again "
        "after a change: it adds what is missing, moves the times of sessions still to come, and "
        "cancels (refunds, tells the families) those the calendar no longer has.\n\n"
        "按学期校历为已开班课程和基础托管组生成全部课次(含节假日、调休、停课日与夏令时);"
        "可重复执行:补充缺少的课次,调整今后课次的时间,取消校历已不再安排的课次(退费并通知家长)。"
    ),
    response_model=GenerateOut,
    responses=WRITE_ERRORS,
)
async def generate(term_id: RowId, session: SessionDep, actor: CurrentUser) -> GenerateOut:
    report = await sessions.generate(session, actor.principal, term_id)
    return GenerateOut.model_validate(report)


@router.get(
    "/terms/{term_id}/sessions",
    operation_id="listTermSessions",
    summary="The term's sessions · 课次列表",
    description=(
        "For the school's staff, in date order, a page at a time; filter by course, care group "
        "and dates.\n\n仅限本校教职工,按日期排序分页;可按课程、托管组和日期筛选。"
    ),
    response_model=Page[SessionOut],
    responses=READ_ERRORS,
)
async def of_term(
    term_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    paging: PageDep,
    course_id: RowId | None = None,
    care_group_id: RowId | None = None,
    first: FromDay = None,
    last: ToDay = None,
) -> Page[SessionOut]:
    rows, total = await sessions.list_for_term(
        session, actor.principal, term_id, course_id, care_group_id, first, last,
        paging.page, paging.size,
    )  # fmt: skip
    return Page(
        items=[SessionOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        size=paging.size,
    )


@router.post(
    "/sessions/{session_id}/cancel",
    operation_id="cancelSession",
    summary="Cancel a session · 取消课次",
    description=(
        "By the school or for force majeure (不可抗力): the families are notified and the paid "
        "session is refunded at settlement. A whole day off is a suspension day instead.\n\n"
        "学校原因或不可抗力取消单次课:通知家长,费用在结算时退还。整天停课请使用停课日。"
    ),
    response_model=SessionOut,
    responses=WRITE_ERRORS,
)
async def cancel(
    care_session_id: CareSessionId, body: CancelIn, session: SessionDep, actor: CurrentUser
) -> SessionOut:
    row = await sessions.cancel_one(
        session, actor.principal, care_session_id, body.cause, body.reason
    )
    return SessionOut.model_validate(row)


@router.get(
    "/students/{student_id}/sessions",
    operation_id="listStudentSessions",
    summary="A student's sessions · 学生课表",
    description="Every course and care group the child holds. 孩子的全部课次。",
    response_model=list[StudentSessionOut],
    responses=READ_ERRORS,
)
async def of_student(
    student_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    first: FromDay = None,
    last: ToDay = None,
) -> list[StudentSessionOut]:
    rows = await sessions.of_student(session, actor.principal, student_id, first, last)
    return [
        StudentSessionOut.model_validate({**SessionOut.model_validate(r).model_dump(), "name": n})
        for r, n in rows
    ]


@router.get(
    "/students/{student_id}/sessions.ics",
    operation_id="getStudentCalendarFeed",
    summary="A student's sessions as a calendar · 课表日历订阅",
    description=(
        "iCalendar (RFC 5545) for a phone's calendar: one event per session, cancelled ones "
        "marked CANCELLED.\n\n可导入手机日历的 iCalendar 文件,停课的课次标记为取消。"
    ),
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "The calendar"},
        **READ_ERRORS,
    },
)
async def calendar_feed(student_id: RowId, session: SessionDep, actor: CurrentUser) -> Response:
    rows = await sessions.of_student(session, actor.principal, student_id)
    body = student_calendar(student_id, rows)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="student-{student_id}.ics"'},
    )
