"""Basic care by application (基础托管申请): apply, review, approve."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import problem_responses
from app.api.schemas.base import Page, RowId
from app.api.schemas.care import ApplicationOut, ApplyIn, TransitionIn
from app.domain.schedule import Period
from app.domain.statuses import ApplicationState
from app.services import care

router = APIRouter(prefix=API_PREFIX, tags=["basic care"])


@router.post(
    "/terms/{term_id}/care-applications",
    operation_id="applyForCare",
    summary="Apply for basic care · 申请基础托管",
    description=(
        "A parent applies for their child inside the registration window; not first come first "
        "served. The class teacher reviews, then the school approves. `period: midday` applies "
        "for midday care (午托) where the term offers it; each period is a place of its own.\\n\\n"
        "家长在报名时间内为孩子申请基础托管(非先到先得),经班主任审核、学校审批。"
        "`period: midday` 申请午托(学期开设午托时),午托与课后托管分别申请、审批、编班。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422, "window-not-open", "window-closed"),
)
async def apply(
    term_id: RowId, body: ApplyIn, session: SessionDep, actor: CurrentUser
) -> ApplicationOut:
    return ApplicationOut.of(
        await care.apply(session, actor.principal, term_id, body.student_id, body.period)
    )


@router.get(
    "/terms/{term_id}/care-applications",
    operation_id="listTermCareApplications",
    summary="Applications to review · 托管申请列表",
    description=(
        "Administrators see the school's; class teachers their own classes'. 班主任仅见本班。"
    ),
    response_model=Page[ApplicationOut],
    responses=problem_responses(401, 403, 404),
)
async def list_for_term(
    term_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    paging: PageDep,
    state: ApplicationState | None = None,
    period: Annotated[
        Period | None,
        Query(description="after_school or midday; both when left out · 按时段筛选"),
    ] = None,
) -> Page[ApplicationOut]:
    rows, total = await care.of_term(
        session, actor.principal, term_id, state, paging.page, paging.size, period
    )
    items = [ApplicationOut.of(r) for r in rows]
    return Page(items=items, total=total, page=paging.page, size=paging.size)


@router.get(
    "/students/{student_id}/care-applications",
    operation_id="listStudentCareApplications",
    summary="A child's applications · 孩子的托管申请",
    description=(
        "A child's basic-care applications and their states, for the child's guardians and the "
        "school's staff.\n\n孩子的基础托管申请及状态。"
    ),
    response_model=list[ApplicationOut],
    responses=problem_responses(401, 403, 404),
)
async def list_for_student(
    student_id: RowId, session: SessionDep, actor: CurrentUser
) -> list[ApplicationOut]:
    return [
        ApplicationOut.of(r) for r in await care.of_student(session, actor.principal, student_id)
    ]


@router.post(
    "/care-applications/{application_id}/transitions",
    operation_id="reviewCareApplication",
    summary="Review, approve, refuse or withdraw · 审核申请",
    description=(
        "Moves an application one step. A step the application's state does not allow is 409; a "
        "step the caller's role may not take is 403; a refusal without a reason is 409.\\n\\n"
        "班主任审核、学校审批、家长撤回;拒绝须说明理由。"
    ),
    response_model=ApplicationOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def act(
    application_id: RowId, body: TransitionIn, session: SessionDep, actor: CurrentUser
) -> ApplicationOut:
    application = await care.act(session, actor.principal, application_id, body.action, body.reason)
    return ApplicationOut.of(application)
