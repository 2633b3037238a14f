"""Binding a child to a parent's account (绑定孩子信息)."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import WRITE_ERRORS, problem_responses
from app.api.schemas.base import Page, RowId
from app.api.schemas.bindings import BindingOut, BindingRequest, BindingReview
from app.services import bindings

router = APIRouter(prefix=API_PREFIX, tags=["bindings"])


@router.post(
    "/bindings",
    operation_id="requestBinding",
    summary="Bind a child · 绑定孩子",
    description=(
        "With a school-issued code the child is bound at once; with the school, student number "
        "and name the request waits for the class teacher. At most 5 requests of an account and "
        "3 for a student wait at once; beyond, 409 `too-many-pending-bindings` and nothing is "
        "asked.\n\n凭学校发放的绑定码立即绑定;或填写学校、学号和姓名,由班主任审核。每个账号最多 5 个、"
        "每名学生最多 3 个待审核申请。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=BindingOut,
    responses=problem_responses(401, 403, 404, 409, 422, "too-many-pending-bindings"),
)
async def bind(body: BindingRequest, session: SessionDep, actor: CurrentUser) -> BindingOut:
    if body.code is not None:
        binding = await bindings.bind_with_code(session, actor.principal, body.code, body.relation)
    else:
        assert body.school_id is not None
        assert body.student_number is not None
        assert body.student_name is not None
        binding = await bindings.request_binding(
            session,
            actor.principal,
            body.school_id,
            body.student_number,
            body.student_name,
            body.relation,
        )
    return BindingOut.model_validate(binding)


@router.get(
    "/schools/{school_id}/bindings/pending",
    operation_id="listPendingBindings",
    summary="Bindings to review · 待审核绑定",
    description=(
        "Class teachers see their own classes; administrators the whole school. 班主任仅见本班。"
    ),
    response_model=Page[BindingOut],
    responses=problem_responses(401, 403, 404),
)
async def pending(
    school_id: RowId, session: SessionDep, actor: CurrentUser, paging: PageDep
) -> Page[BindingOut]:
    rows, total = await bindings.list_pending_bindings(
        session, actor.principal, school_id, paging.page, paging.size
    )
    return Page(
        items=[BindingOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        size=paging.size,
    )


@router.post(
    "/bindings/{binding_id}/review",
    operation_id="reviewBinding",
    summary="Approve or refuse a binding · 审核绑定",
    description=(
        "The class teacher (or a school administrator) approves or refuses a parent's request "
        "to be bound to a child by student number and name.\n\n班主任或学校管理员审核家长按学号"
        "与姓名提交的绑定申请。"
    ),
    response_model=BindingOut,
    responses=WRITE_ERRORS,
)
async def review(
    binding_id: RowId,
    body: BindingReview,
    session: SessionDep,
    actor: CurrentUser,
) -> BindingOut:
    binding = await bindings.review_binding(session, actor.principal, binding_id, body.approve)
    return BindingOut.model_validate(binding)
