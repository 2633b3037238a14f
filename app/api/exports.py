"""Spreadsheet exports (.xlsx), streamed: rosters, sign-in sheets, attendance, fee and workload
statements."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from app.api import API_PREFIX
from app.api.deps import Actor, CurrentUser, ResourcesDep, SessionDep
from app.api.export_jobs import ACCEPTED_RESPONSE, accepted
from app.api.problems import problem_responses
from app.api.schemas.base import CareSessionId, RowId
from app.domain.statuses import ExportKind
from app.resources import Resources
from app.services import export_jobs, exports
from app.services.exports import Export
from app.services.workbook import XLSX_MEDIA_TYPE, chunks, content_disposition, write_workbook

router = APIRouter(prefix=API_PREFIX, tags=["exports"])

XLSX_RESPONSES = {
    200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "The workbook (.xlsx)"},
    **problem_responses(401, 403, 404),
}


async def _stream(export: Export) -> StreamingResponse:
    # Writing the workbook is CPU work: off the event loop, so other requests go on meanwhile.
    output = await asyncio.to_thread(write_workbook, export.sheets)
    return StreamingResponse(
        chunks(output),
        media_type=XLSX_MEDIA_TYPE,
        headers={"Content-Disposition": content_disposition(export.filename, export.fallback)},
    )


async def _inline_or_job(
    session: AsyncSession,
    actor: Actor,
    resources: Resources,
    kind: ExportKind,
    term_id: RowId,
) -> Response:
    """The workbook in the answer, or past the size a request should make, a job (202)."""
    export = await export_jobs.inline_export(
        session, actor.principal, kind, term_id, resources.settings.export_inline_max_cells
    )
    if isinstance(export, Export):
        return await _stream(export)
    return accepted(export)


@router.get(
    "/courses/{course_id}/roster.xlsx",
    operation_id="exportCourseRoster",
    summary="A course's roster · 课程学生名单",
    description=(
        "The course's students as an .xlsx sheet, ready to print.\n\n课程学生名单(.xlsx,可直接"
        "打印)。"
    ),
    response_class=StreamingResponse,
    responses=XLSX_RESPONSES,
)
async def course_roster(
    course_id: RowId, session: SessionDep, actor: CurrentUser
) -> StreamingResponse:
    return await _stream(await exports.course_roster(session, actor.principal, course_id))


@router.get(
    "/care-groups/{group_id}/roster.xlsx",
    operation_id="exportCareGroupRoster",
    summary="A care group's roster · 基础托管组名单",
    description=(
        "A basic-care group's students as an .xlsx sheet, ready to print.\n\n基础托管组学生名单"
        "(.xlsx,可直接打印)。"
    ),
    response_class=StreamingResponse,
    responses=XLSX_RESPONSES,
)
async def care_group_roster(
    group_id: RowId, session: SessionDep, actor: CurrentUser
) -> StreamingResponse:
    return await _stream(await exports.care_group_roster(session, actor.principal, group_id))


@router.get(
    "/sessions/{session_id}/sign-in-sheet.xlsx",
    operation_id="exportSignInSheet",
    summary="A session's sign-in sheet · 签到表",
    description="Marks if taken, pickup times, and a column for the parent's signature. "
    "含考勤、接走时间与家长签字栏。",
    response_class=StreamingResponse,
    responses=XLSX_RESPONSES,
)
async def sign_in_sheet(
    care_session_id: CareSessionId, session: SessionDep, actor: CurrentUser
) -> StreamingResponse:
    return await _stream(await exports.sign_in_sheet(session, actor.principal, care_session_id))


@router.get(
    "/terms/{term_id}/attendance.xlsx",
    operation_id="exportTermAttendance",
    summary="The term's attendance · 学期考勤汇总",
    description=(
        "One sheet per course and care group, students × session dates (√ present, × absent, "
        "假 leave, 迟 late, 停 cancelled), with totals, printed a month to a page. A large term "
        "(more cells than the service's `KEHOU_EXPORT_INLINE_MAX_CELLS`) answers `202` with an "
        "export job instead.\n\n每个课程/托管组一张表,学生×日期(√出勤 ×缺勤 假请假 迟迟到 停停课),"
        "附合计,每月一页打印。数据量较大时返回 `202` 与后台导出任务。"
    ),
    response_class=StreamingResponse,
    responses={**XLSX_RESPONSES, 202: ACCEPTED_RESPONSE},
)
async def term_attendance(
    term_id: RowId, session: SessionDep, actor: CurrentUser, resources: ResourcesDep
) -> Response:
    return await _inline_or_job(session, actor, resources, ExportKind.ATTENDANCE, term_id)


@router.get(
    "/terms/{term_id}/statements.xlsx",
    operation_id="exportTermStatements",
    summary="Fee statements · 费用结算单",
    description=(
        "Every student's fee statement for the term as an .xlsx workbook, money in yuan. A large "
        "term answers `202` with an export job instead.\n\n本学期全部学生费用结算单(.xlsx,金额"
        "单位元)。数据量较大时返回 `202` 与后台导出任务。"
    ),
    response_class=StreamingResponse,
    responses={**XLSX_RESPONSES, 202: ACCEPTED_RESPONSE},
)
async def term_statements(
    term_id: RowId, session: SessionDep, actor: CurrentUser, resources: ResourcesDep
) -> Response:
    return await _inline_or_job(session, actor, resources, ExportKind.STATEMENTS, term_id)


@router.get(
    "/terms/{term_id}/workload.xlsx",
    operation_id="exportTermWorkload",
    summary="Workload statements · 教师工作量统计表",
    description="The term, or one month of it (`?month=YYYY-MM`). 全学期或指定月份。",
    response_class=StreamingResponse,
    responses={**XLSX_RESPONSES, **problem_responses(422)},
)
async def term_workload(
    term_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
) -> StreamingResponse:
    return await _stream(await exports.term_workload(session, actor.principal, term_id, month))
