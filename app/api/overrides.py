"""Administrators' overrides (管理员调整): enrol, move, remove, reopen; each with a reason, kept in
the append-only audit log."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.problems import problem_responses
from app.api.schemas.base import RowId
from app.api.schemas.courses import CourseOut, course_out
from app.api.schemas.enrollments import EnrollmentOut, enrollment_out
from app.api.schemas.overrides import EnrolIn, MoveIn, ReasonIn
from app.services import courses, overrides

# What a placement by an administrator can still be refused for: the rules the override keeps.
PLACEMENT_REFUSALS = (
    "course-full", "already-enrolled", "time-conflict", "not-eligible", "course-cancelled",
)  # fmt: skip

router = APIRouter(prefix=API_PREFIX, tags=["overrides"])


@router.post(
    "/terms/{term_id}/override-enrollments",
    operation_id="enrolByOverride",
    summary="Enrol by override · 管理员补录",
    description=(
        "A school administrator enrols a student outside the window or, with `above_capacity`, "
        "above a full course's capacity (the course grows by the seat). Grade, weekday and "
        "time-conflict rules still hold. The reason goes to the audit log.\n\n"
        "学校管理员在报名时间外补录,或经确认超出容量录入(课程容量随之加一);年级、上课日与时间冲突"
        "规则仍然适用。原因记入审计日志。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=EnrollmentOut,
    responses=problem_responses(401, 403, 404, 409, 422, *PLACEMENT_REFUSALS),
)
async def enrol(
    term_id: RowId, body: EnrolIn, session: SessionDep, actor: CurrentUser
) -> EnrollmentOut:
    enrollment = await overrides.enrol(
        session, actor.principal, term_id, body.student_id, body.course_id, body.reason,
        body.above_capacity,
    )  # fmt: skip
    return enrollment_out(enrollment)


@router.post(
    "/enrollments/{enrollment_id}/move",
    operation_id="moveEnrollment",
    summary="Move a student to another course · 调课",
    description=(
        "Moves a confirmed enrollment to another course of the term. The freed seat goes to the "
        "waitlist when the term keeps one.\n\n将学生从一门课程调至本学期另一门课程;空出的名额"
        "按候补顺序递补(如启用候补)。"
    ),
    response_model=EnrollmentOut,
    responses=problem_responses(401, 403, 404, 409, 422, *PLACEMENT_REFUSALS),
)
async def move(
    enrollment_id: RowId,
    body: MoveIn,
    session: SessionDep,
    actor: CurrentUser,
) -> EnrollmentOut:
    enrollment = await overrides.move(
        session, actor.principal, enrollment_id, body.to_course_id, body.reason,
        body.above_capacity,
    )  # fmt: skip
    return enrollment_out(enrollment)


@router.post(
    "/enrollments/{enrollment_id}/remove",
    operation_id="removeEnrollment",
    summary="Remove a student from a course · 移出课程",
    description=(
        "Ends a confirmed enrollment (status `dismissed`), e.g. an approved withdrawal. The seat "
        "goes to the first waiting student when the term keeps a waitlist.\n\n"
        "结束一条已确认的报名(如经批准退出);启用候补时名额由候补第一位递补。"
    ),
    response_model=EnrollmentOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def remove(
    enrollment_id: RowId,
    body: ReasonIn,
    session: SessionDep,
    actor: CurrentUser,
) -> EnrollmentOut:
    enrollment = await overrides.remove(session, actor.principal, enrollment_id, body.reason)
    return enrollment_out(enrollment)


@router.post(
    "/courses/{course_id}/reopen",
    operation_id="reopenCourse",
    summary="Reopen a cancelled course for round two · 重新开放已撤班课程",
    description=(
        "A cancelled course takes grabs again in round two, from the students of cancelled "
        "courses. After round two the reconciler applies the term's `under_min_after_round2`.\n\n"
        "已撤班课程在第二轮报名中重新开放;第二轮结束后按学期设置处理仍不足最低人数的课程。"
    ),
    response_model=CourseOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def reopen(
    course_id: RowId, body: ReasonIn, session: SessionDep, actor: CurrentUser
) -> CourseOut:
    await overrides.reopen(session, actor.principal, course_id, body.reason)
    return course_out(await courses.get_course(session, actor.principal, course_id))
