"""Parents' feedback (家长留言) on a course or a care group, and the school's answers."""

from __future__ import annotations

from fastapi import APIRouter

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import READ_ERRORS, WRITE_ERRORS
from app.api.schemas.base import Page, RowId
from app.api.schemas.feedback import FeedbackAnswerIn, FeedbackIn, FeedbackOut
from app.services import feedback

router = APIRouter(prefix=API_PREFIX, tags=["workload and feedback"])


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
    feedback_id: RowId, body: FeedbackAnswerIn, session: SessionDep, actor: CurrentUser
) -> FeedbackOut:
    row = await feedback.answer(session, actor.principal, feedback_id, body.text)
    return FeedbackOut.model_validate(row)
