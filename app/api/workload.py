"""Teacher workload and subsidy (工作量), duty records (值日巡查) and parents' feedback (家长留言)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field

from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import problem_responses
from app.api.schemas.base import Page, RequestBody, ResponseBody, RowId, SchoolTime
from app.models import DutyKind
from app.services import feedback, workload

router = APIRouter(tags=["workload and feedback"])

READ_ERRORS = problem_responses(401, 403, 404)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 422)
Month = Annotated[
    str | None,
    Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; the whole term when absent"),
]


class WorkloadOut(ResponseBody):
    user_id: RowId
    name: str
    sessions: int = Field(description="Sessions supervised (roll calls taken)")
    student_hours: float
    activities: int
    patrols: int
    subsidy_fen: int
    points: int


class DutyRecordIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "patrol",
                    "on_date": "2026-03-02",
                    "note": "16:30 巡查各托管教室,秩序良好",
                    "incidents": "",
                }
            ]
        },
    )

    kind: DutyKind = Field(description="patrol (安全巡查, duty leaders) / activity (活动)")
    on_date: date
    note: str = Field(min_length=1, max_length=2000)
    incidents: str = Field(default="", max_length=2000, description="Incident notes, if any")


class DutyRecordOut(ResponseBody):
    id: int
    school_id: RowId
    user_id: RowId
    kind: DutyKind
    on_date: date
    note: str
    incidents: str
    created_at: SchoolTime


class FeedbackIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"student_id": 11, "body": "希望增加阅读时间"}]},
    )

    student_id: RowId | None = Field(default=None, ge=1)
    body: str = Field(min_length=1, max_length=2000)


class AnswerIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"text": "已安排每周三增加阅读课"}]}
    )

    text: str = Field(min_length=1, max_length=2000)


class FeedbackOut(ResponseBody):
    id: int
    school_id: RowId
    student_id: RowId | None
    body: str
    answer: str | None
    answered_at: SchoolTime | None
    created_at: SchoolTime


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


@router.post(
    "/schools/{school_id}/feedback",
    operation_id="leaveFeedback",
    summary="Leave feedback · 家长留言",
    description=(
        "A parent leaves feedback for the school (家长留言), optionally about one of their "
        "children; the school's administrators answer it.\n\n家长向学校留言,可注明孩子,由学校管"
        "理员答复。"
    ),
    status_code=201,
    response_model=FeedbackOut,
    responses=WRITE_ERRORS,
)
async def leave_feedback(
    school_id: RowId, body: FeedbackIn, session: SessionDep, actor: CurrentUser
) -> FeedbackOut:
    row = await feedback.leave_feedback(
        session, actor.principal, school_id, body.student_id, body.body
    )
    return FeedbackOut.model_validate(row)


@router.get(
    "/schools/{school_id}/feedback",
    operation_id="listFeedback",
    summary="Feedback · 留言列表",
    description="Staff see all of it, a family its own. 教职工可见全部,家长仅见自己的留言。",
    response_model=Page[FeedbackOut],
    responses=READ_ERRORS,
)
async def list_feedback(
    school_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    paging: PageDep,
    unanswered: bool = False,
) -> Page[FeedbackOut]:
    rows, total = await feedback.list_feedback(
        session, actor.principal, school_id, unanswered, paging.page, paging.size
    )
    return Page(
        items=[FeedbackOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        size=paging.size,
    )


@router.post(
    "/feedback/{feedback_id}/answer",
    operation_id="answerFeedback",
    summary="Answer feedback · 回复留言",
    description="The family is notified. 回复后通知家长。",
    response_model=FeedbackOut,
    responses=WRITE_ERRORS,
)
async def answer(
    feedback_id: RowId, body: AnswerIn, session: SessionDep, actor: CurrentUser
) -> FeedbackOut:
    row = await feedback.answer(session, actor.principal, feedback_id, body.text)
    return FeedbackOut.model_validate(row)
