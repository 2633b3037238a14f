"""Administrators' overrides (管理员调整): enrol, move, remove, reopen; each with a reason, kept in
the append-only audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import ConfigDict, Field

from app.api.courses import course_out
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import problem_responses
from app.api.schemas.base import Page, RequestBody, ResponseBody, RowId, SchoolTime
from app.api.schemas.courses import CourseOut
from app.api.schemas.enrollments import EnrollmentOut, enrollment_out
from app.services import courses, overrides

# What a placement by an administrator can still be refused for: the rules the override keeps.
PLACEMENT_REFUSALS = (
    "course-full", "already-enrolled", "time-conflict", "not-eligible", "course-cancelled",
)  # fmt: skip

router = APIRouter(tags=["overrides"])

Reason = Field(min_length=1, max_length=500, description="Why, for the audit log · 调整原因(必填)")
AboveCapacity = Field(
    default=False,
    description="Allow one seat above capacity (the course grows by it) · 允许超出容量",
)


class EnrolIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"student_id": 11, "course_id": 7, "reason": "家长报名当天住院,经校长同意补报"},
                {
                    "student_id": 12,
                    "course_id": 7,
                    "reason": "随迁子女优先保障",
                    "above_capacity": True,
                },
            ]
        },
    )

    student_id: RowId = Field(ge=1)
    course_id: RowId = Field(ge=1)
    reason: str = Reason
    above_capacity: bool = AboveCapacity


class MoveIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"to_course_id": 8, "reason": "与校队训练时间冲突"}]},
    )

    to_course_id: RowId = Field(ge=1)
    reason: str = Reason
    above_capacity: bool = AboveCapacity


class ReasonIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{"reason": "家长书面申请退出,学校批准"}]},
    )

    reason: str = Reason


class AuditEventOut(ResponseBody):
    id: int
    term_id: RowId | None
    actor_id: RowId
    action: str = Field(description="enrol / move / remove / reopen")
    student_id: RowId | None
    course_id: RowId | None
    reason: str
    detail: dict[str, Any]
    created_at: SchoolTime


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


@router.get(
    "/schools/{school_id}/audit-events",
    operation_id="listAuditEvents",
    summary="Audit log of overrides · 调整审计日志",
    description="Newest first. Append-only: nothing here can be edited or deleted. 只增不改。",
    response_model=Page[AuditEventOut],
    responses=problem_responses(401, 403, 404),
)
async def audit_log(
    school_id: RowId,
    session: SessionDep,
    actor: CurrentUser,
    page: PageDep,
    term_id: Annotated[RowId | None, Query()] = None,
) -> Page[AuditEventOut]:
    rows, total = await overrides.audit_events(
        session, actor.principal, school_id, term_id, page.page, page.size
    )
    items = [AuditEventOut.model_validate(r) for r in rows]
    return Page(items=items, total=total, page=page.page, size=page.size)
