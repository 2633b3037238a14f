"""The course catalogue: basic care, extension (X) and hybrid (1+X) courses of a term."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.api import API_PREFIX
from app.api.cached_reads import catalogue_key, kept_answer, tagged_responses
from app.api.deps import CachedReader, CurrentUser, ResourcesDep, SessionDep
from app.api.pagination import PageDep
from app.api.problems import WRITE_ERRORS, problem_responses
from app.api.schemas.base import Page, RowId
from app.api.schemas.courses import (
    CatalogueJson,
    CourseIn,
    CourseOut,
    CourseUpdate,
    course_out,
)
from app.models import CourseKind
from app.services import courses
from app.services.read_cache import term_tag

router = APIRouter(prefix=API_PREFIX, tags=["courses"])
# A course list answer is kept a second: seat counts move at the opening.
CATALOGUE_TTL_S = 1.0


@router.get(
    "/terms/{term_id}/courses",
    operation_id="listCourses",
    summary="Courses of a term · 课程列表",
    description=(
        "The term's catalogue. With `student_id` (your own child, or any student for staff) each "
        "course says whether that student may take it and, if not, why (`grade`, `weekday`), "
        "whether they hold it, and which of their courses it clashes with (`clashes_with`: a "
        "grab of it would be refused as `time-conflict`). "
        "Seat counts are at most a second old (the seat stream is live); every answer carries "
        "an `ETag`: send it back as `If-None-Match` and an unchanged list answers `304` with no "
        "body. How round one gives these seats (first come first served, a fair start or ranked "
        "choices, and when its draw is due) is the term's `opening` and `draw_at` "
        "(`GET /terms/{term_id}`, `GET /terms/{term_id}/draw`).\n\n"
        "学期课程列表。带 `student_id` 时标明该学生是否可报名及原因、是否已报,以及与已报课程的时间冲突"
        "(`clashes_with`)。剩余名额至多延迟一秒;"
        "回传 `ETag`(`If-None-Match`)时,未变化的列表返回 `304`。"
        "第一轮的开放方式(先到先得、公平开局或志愿抽签)及抽签时间见学期的 `opening` 与 `draw_at`。"
    ),
    response_model=Page[CourseOut],
    responses=tagged_responses(401, 403, 404, 422),
)
async def list_courses(
    term_id: RowId,
    request: Request,
    reader: CachedReader,
    resources: ResourcesDep,
    paging: PageDep,
    student_id: Annotated[RowId | None, Query(ge=1)] = None,
    kind: CourseKind | None = None,
) -> Response:
    access = await courses.catalogue_access(
        resources.reads, resources.engine_sync, reader, term_id, student_id
    )

    async def render(session: AsyncSession) -> CatalogueJson:
        live = await resources.engine_sync.live_seats(term_id)
        return CatalogueJson.of(
            await courses.list_courses(session, access, kind, paging.page, paging.size, live),
            paging.page,
            paging.size,
        )

    tags = (term_tag(term_id),)
    named = student_id is not None

    # The page as every student of the grade sees it, then what this one holds laid over it: a
    # thousand children holding different courses cost one read of the database. Read before
    # the answer's own load, not inside it: a load waiting for another load's slot while holding
    # its own would, with enough of them at once, wait for ever.
    base = catalogue_key(term_id, named, access.grade, None, kind, paging.page, paging.size)
    catalogue: CatalogueJson = await resources.reads.get_or_query(
        base, CATALOGUE_TTL_S, render, tags
    )

    async def answer() -> bytes:
        return catalogue.for_student(access.held) if named else catalogue.for_anyone()

    key = catalogue_key(term_id, named, access.grade, access.held, kind, paging.page, paging.size)
    return await kept_answer(request, resources.reads, key, CATALOGUE_TTL_S, answer, tags)


@router.post(
    "/terms/{term_id}/courses",
    operation_id="createCourse",
    summary="Add a course · 新增课程",
    description=(
        "Defaults by kind: extension and hybrid courses open with at least 15 students and cost "
        "2000 fen (20 yuan) a session; basic care is free, in groups of 40. Times default to when "
        "all of the course's grades are in care; explicit times outside that, or weekdays a grade "
        "does not attend, are refused with 422.\n\n"
        "拓展课默认最低开班 15 人、每课次 2000 分(20 元);基础托管免费、每组 40 人。课程时间须在各年级托管时间内。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=CourseOut,
    responses=WRITE_ERRORS,
)
async def create_course(
    term_id: RowId, body: CourseIn, session: SessionDep, actor: CurrentUser
) -> CourseOut:
    return course_out(
        await courses.create_course(session, actor.principal, term_id, body.model_dump())
    )


@router.get(
    "/courses/{course_id}",
    operation_id="getCourse",
    summary="A course · 课程详情",
    description=(
        "A course with its timetable, capacity, seats left and status.\n\n课程详情:上课时间、容"
        "量、剩余名额与状态。"
    ),
    response_model=CourseOut,
    responses=problem_responses(401, 403, 404),
)
async def get_course(course_id: RowId, session: SessionDep, actor: CurrentUser) -> CourseOut:
    return course_out(await courses.get_course(session, actor.principal, course_id))


@router.patch(
    "/courses/{course_id}",
    operation_id="updateCourse",
    summary="Update a course · 修改课程",
    description=(
        "A school administrator changes a course. Send the `version` you read. A schedule that "
        "clashes for enrolled students is refused (409 `conflict`, with the students); the "
        "seat engine learns of the change when it is committed.\n\n学校管理员修改课程;需提交读"
        "取时的 `version`。与已报名学生时间冲突的调整将被拒绝并列出学生;修改提交后同步至抢课引"
        "擎。"
    ),
    response_model=CourseOut,
    responses=WRITE_ERRORS,
)
async def update_course(
    course_id: RowId, body: CourseUpdate, session: SessionDep, actor: CurrentUser
) -> CourseOut:
    changes = body.model_dump(exclude_unset=True, exclude={"version"})
    return course_out(
        await courses.update_course(session, actor.principal, course_id, changes, body.version)
    )
