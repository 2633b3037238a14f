"""The signed-in user."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.me import ChildSummary, MeResponse
from app.services.students import children_of

router = APIRouter(prefix=API_PREFIX, tags=["auth"])


@router.get(
    "/me",
    operation_id="getMe",
    summary="Who am I · 当前用户",
    description=(
        "The user, their roles and the children bound to them. 当前用户、角色及已绑定的孩子。"
    ),
    response_model=MeResponse,
    responses=problem_responses(401),
)
async def me(session: SessionDep, actor: CurrentUser) -> MeResponse:
    children = await children_of(session, actor.user.id)
    return MeResponse(
        id=actor.user.id,
        name=actor.user.name,
        roles=actor.principal.roles,
        children=[
            ChildSummary(
                id=student.id,
                name=student.name,
                grade=school_class.grade,
                class_name=school_class.name,
                school_id=student.school_id,
            )
            for student, school_class in children
        ],
    )
