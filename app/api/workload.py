"""Teacher workload and subsidy (工作量) and duty records (值日巡查)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import READ_ERRORS, WRITE_ERRORS, problem_responses
from app.api.schemas.base import Page, RowId
from app.api.schemas.workload import DutyRecordIn, DutyRecordOut, WorkloadOut
from app.services import workload

router = APIRouter(prefix=API_PREFIX, tags=["workload and feedback"])

Month = Annotated[
    str | None,
    Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; the whole term when absent"),
]


@router.get(
    "/terms/{term_id}/workload",
    operation_id="getTermWorkload",
    summary="Teachers' workload and subsidy · 教师工作量统计",
    description=(
        "Per teacher for the term or one month: sessions supervised, student-hours, activities "
        "and patrols, with the subsidy (default 2 yuan per student-hour) and points (50 per "
        "supervision, 50 per activity, 40 per patrol) at the term's rates. Administrators see "
        "everyone, a teacher their own line.\n\n按学期或月份统计每位教师的看护课次、生均课时、"
        "活动与巡查次数,以及补贴和积分;管理员可见全部,教师仅见本人。"
    ),
    response_model=list[WorkloadOut],
    responses=problem_responses(401, 403, 404, 422),
)
async def of_term(
    term_id: RowId, session: SessionDep, actor: CurrentUser, month: Month = None
) -> list[WorkloadOut]:
    rows = await workload.of_term(session, actor.principal, term_id, month)
    return [
        WorkloadOut(
            user_id=r.user_id, name=r.name, sessions=r.line.sessions,
            midday_sessions=r.line.midday_sessions,
            student_hours=r.line.student_hours, activities=r.line.activities,
            patrols=r.line.patrols, subsidy_fen=r.line.subsidy_fen, points=r.line.points,
        )
        for r in rows
    ]  # fmt: skip


@router.post(
    "/schools/{school_id}/duty-records",
    operation_id="addDutyRecord",
    summary="Record a patrol or an activity · 登记巡查/活动",
    description=(
        "Duty leaders keep a daily patrol record with incident notes; teachers record the "
        "activities they organised.\n\n值日领导每日巡查记录(含突发情况);教师登记组织的活动。"
    ),
    status_code=201,
    response_model=DutyRecordOut,
    responses=WRITE_ERRORS,
)
async def add_duty_record(
    school_id: RowId, body: DutyRecordIn, session: SessionDep, actor: CurrentUser
) -> DutyRecordOut:
    row = await workload.add_duty_record(
        session, actor.principal, school_id, body.kind, body.on_date, body.note, body.incidents
    )
    return DutyRecordOut.model_validate(row)


@router.get(
    "/schools/{school_id}/duty-records",
    operation_id="listDutyRecords",
    summary="Patrol and activity records · 巡查与活动记录",
    description=(
        "The school's patrol and activity records (值日巡查), for its staff.\n\n本校值日巡查与"
        "活动记录。"
    ),
    response_model=Page[DutyRecordOut],
    responses=READ_ERRORS,
)
async def duty_records(
    school_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    paging: PageDep,
    first: Annotated[date | None, Query(alias="from")] = None,
    last: Annotated[date | None, Query(alias="to")] = None,
) -> Page[DutyRecordOut]:
    rows, total = await workload.duty_records(
        session, actor.principal, school_id, first, last, paging.page, paging.size
    )
    return Page(
        items=[DutyRecordOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        size=paging.size,
    )
