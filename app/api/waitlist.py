"""The waitlist for full courses (候补), when the term keeps one."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.waitlist import WaitlistEntryOut, WaitlistIn
from app.services import waitlist

router = APIRouter(prefix=API_PREFIX, tags=["waitlist"])


@router.post(
    "/terms/{term_id}/waitlist",
    operation_id="joinWaitlist",
    summary="Wait for a seat in a full course · 候补",
    description=(
        "Only when the term keeps a waitlist and the course is full. When a seat frees, the "
        "first waiting student who can take it gets it and the family is notified.\n\n"
        "仅在学期启用候补且课程已满时可用;有名额空出时按候补先后递补,并通知家长。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=WaitlistEntryOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def join(
    term_id: RowId, body: WaitlistIn, session: SessionDep, actor: CurrentUser
) -> WaitlistEntryOut:
    entry = await waitlist.join(session, actor.principal, term_id, body.student_id, body.course_id)
    return WaitlistEntryOut.model_validate(entry)


@router.get(
    "/courses/{course_id}/waitlist",
    operation_id="listWaitlist",
    summary="A course's waitlist · 课程候补名单",
    description="In order of joining; for the school's staff. 按候补先后排列,仅限本校教职工。",
    response_model=list[WaitlistEntryOut],
    responses=problem_responses(401, 403, 404),
)
async def of_course(
    course_id: RowId, session: SessionDep, actor: CurrentUser
) -> list[WaitlistEntryOut]:
    rows = await waitlist.of_course(session, actor.principal, course_id)
    return [WaitlistEntryOut.model_validate(r) for r in rows]


@router.post(
    "/waitlist/{entry_id}/withdraw",
    operation_id="leaveWaitlist",
    summary="Leave a waitlist · 取消候补",
    description="A guardian takes their child off a course's waitlist.\n\n家长为孩子取消候补。",
    response_model=WaitlistEntryOut,
    responses=problem_responses(401, 403, 404, 409),
)
async def withdraw(entry_id: RowId, session: SessionDep, actor: CurrentUser) -> WaitlistEntryOut:
    return WaitlistEntryOut.model_validate(
        await waitlist.withdraw(session, actor.principal, entry_id)
    )
