"""Leaving a place by written request (退出申请): asked by the family, decided by the school."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import WRITE_ERRORS, problem_responses
from app.api.schemas.base import Page, RowId
from app.api.schemas.exits import ExitDecisionIn, ExitRequestIn, ExitRequestOut
from app.domain.statuses import ExitState
from app.services import exits

router = APIRouter(prefix=API_PREFIX, tags=["basic care"])


@router.post(
    "/students/{student_id}/exit-requests",
    operation_id="askToLeave",
    summary="Ask to leave a place · 申请退出",
    description=(
        "A guardian asks, with a reason, for the child to leave a place they hold: the "
        "basic-care place (no `course_id`), or a course seat where the term allows it "
        "(`withdrawal_allowed`; otherwise 422). The school decides. One request per place "
        "waits at a time (409).\n\n"
        "监护人书面申请退出基础托管或拓展课(须学期允许退出拓展课),经学校批准后退出。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=ExitRequestOut,
    responses=WRITE_ERRORS,
)
async def ask_to_leave(
    student_id: RowId, body: ExitRequestIn, session: SessionDep, actor: CurrentUser
) -> ExitRequestOut:
    request = await exits.ask_to_leave(
        session,
        actor.principal,
        student_id,
        body.term_id,
        body.course_id,
        body.reason,
        body.period,
    )
    return ExitRequestOut.model_validate(request)


@router.get(
    "/students/{student_id}/exit-requests",
    operation_id="listStudentExitRequests",
    summary="A child's requests to leave · 孩子的退出申请",
    description="For the child's guardians, teachers and school. 监护人、任课教师与学校可见。",
    response_model=list[ExitRequestOut],
    responses=problem_responses(401, 403, 404),
)
async def list_for_student(
    student_id: RowId, session: SessionDep, actor: CurrentUser
) -> list[ExitRequestOut]:
    rows = await exits.of_student(session, actor.principal, student_id)
    return [ExitRequestOut.model_validate(r) for r in rows]


@router.get(
    "/terms/{term_id}/exit-requests",
    operation_id="listTermExitRequests",
    summary="Requests to leave, to decide · 待审批的退出申请",
    description="The term's requests, by state. School administrators. 限学校管理员。",
    response_model=Page[ExitRequestOut],
    responses=problem_responses(401, 403, 404),
)
async def list_for_term(
    term_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    paging: PageDep,
    state: ExitState | None = None,
) -> Page[ExitRequestOut]:
    rows, total = await exits.of_term(
        session, actor.principal, term_id, state, paging.page, paging.size
    )
    items = [ExitRequestOut.model_validate(r) for r in rows]
    return Page(items=items, total=total, page=paging.page, size=paging.size)


@router.post(
    "/exit-requests/{request_id}/decision",
    operation_id="decideExitRequest",
    summary="Decide a request to leave · 审批退出申请",
    description=(
        "Approved: the place ends today (today's session was held); a course seat is released "
        "and its sessions still to come refunded, a basic-care place leaves its group. Refused: "
        "with a reason. The family is told either way. School administrators.\n\n"
        "同意:当天为最后一天,拓展课此后课次退费,基础托管移出托管组;不同意须说明理由。均通知家长。"
    ),
    response_model=ExitRequestOut,
    responses=WRITE_ERRORS,
)
async def decide(
    request_id: RowId, body: ExitDecisionIn, session: SessionDep, actor: CurrentUser
) -> ExitRequestOut:
    request = await exits.decide_request(
        session, actor.principal, request_id, body.approve, body.reason
    )
    return ExitRequestOut.model_validate(request)


@router.post(
    "/exit-requests/{request_id}/withdraw",
    operation_id="withdrawExitRequest",
    summary="Withdraw a request to leave · 撤回退出申请",
    description="The family, before the school decides. 学校审批前,家长可撤回。",
    response_model=ExitRequestOut,
    responses=WRITE_ERRORS,
)
async def withdraw(request_id: RowId, session: SessionDep, actor: CurrentUser) -> ExitRequestOut:
    return ExitRequestOut.model_validate(
        await exits.withdraw_request(session, actor.principal, request_id)
    )
