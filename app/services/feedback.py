"""Parents' feedback to the school (家长留言), answered by its staff."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import Conflict, NotYourChild
from app.models import Feedback, Student
from app.notify.outbox import enqueue
from app.notify.term_messages import feedback_answered
from app.services.access import childs_teachers, students_taught
from app.services.common import get_or_404, paginate, require, require_staff_of, school_scope


async def leave_feedback(
    session: AsyncSession, principal: Principal, school_id: int, student_id: int | None, body: str
) -> Feedback:
    await school_scope(session, school_id)
    require(principal.has_child_at(school_id), "feedback comes from the school's families")
    if student_id is not None:
        if not principal.acts_for(student_id):
            raise NotYourChild()
        student = await get_or_404(session, Student, student_id, "student")
        require(student.school_id == school_id, "the child is not at this school")
    feedback = Feedback(
        school_id=school_id, author_id=principal.user_id, student_id=student_id, body=body
    )
    session.add(feedback)
    await session.flush()
    return feedback


async def list_feedback(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    unanswered: bool,
    page: int,
    size: int,
) -> tuple[Sequence[Feedback], int]:
    """The school's administrators see all of its feedback; its other staff the feedback about
    the children they teach (`may_follow_child`); a family sees its own."""
    scope = await school_scope(session, school_id)
    query = select(Feedback).where(Feedback.school_id == school_id)
    if principal.is_staff_of(scope) and not principal.administers_school(scope):
        query = query.where(Feedback.student_id.in_(students_taught(principal, scope)))
    elif not principal.is_staff_of(scope):
        require(principal.has_child_at(school_id), "you are neither staff nor a family here")
        query = query.where(Feedback.author_id == principal.user_id)
    if unanswered:
        query = query.where(Feedback.answered_at.is_(None))
    return await paginate(session, query.order_by(Feedback.id.desc()), page, size)


async def answer(
    session: AsyncSession, principal: Principal, feedback_id: int, text: str
) -> Feedback:
    """By the school's administrators, or by a teacher of the child the feedback is about."""
    feedback = await get_or_404(session, Feedback, feedback_id, "feedback")
    scope = await require_staff_of(session, principal, feedback.school_id)
    if not principal.administers_school(scope):
        student = await session.get(Student, feedback.student_id) if feedback.student_id else None
        require(
            student is not None
            and principal.teaches_child(await childs_teachers(session, student)),
            "only the school's administrators and the child's teachers answer this",
        )
    if feedback.answered_at is not None:
        raise Conflict("the feedback is answered already")
    feedback.answer, feedback.answered_by_id = text, principal.user_id
    feedback.answered_at = datetime.now(UTC)
    await enqueue(session, [feedback_answered(feedback.author_id, feedback.id, text)])
    await session.flush()
    return feedback
