"""Districts (教育局): their schools and calendar overrides."""

from __future__ import annotations

from fastapi import APIRouter, status

from app.api import API_PREFIX
from app.api.deps import CurrentUser, SessionDep
from app.api.pagination import PageDep
from app.api.problems import READ_ERRORS, problem_responses
from app.api.schemas.base import Page, RowId
from app.api.schemas.districts import DistrictOut
from app.api.schemas.schools import SchoolIn, SchoolOut
from app.api.schemas.terms import CalendarOverrideIn, CalendarOverrideOut
from app.services import districts

router = APIRouter(prefix=f"{API_PREFIX}/districts", tags=["districts"])


@router.get(
    "/{district_id}",
    operation_id="getDistrict",
    summary="A district · 区县",
    description="For the district's administrators. 仅限本区教育局管理员。",
    response_model=DistrictOut,
    responses=READ_ERRORS,
)
async def get_district(district_id: RowId, session: SessionDep, actor: CurrentUser) -> DistrictOut:
    return DistrictOut.model_validate(
        await districts.get_district(session, actor.principal, district_id)
    )


@router.get(
    "/{district_id}/schools",
    operation_id="listSchools",
    summary="Schools of a district · 区内学校",
    description=(
        "The schools of a district, for its administrators.\n\n区教育局管理员查看本区学校。"
    ),
    response_model=Page[SchoolOut],
    responses=READ_ERRORS,
)
async def list_schools(
    district_id: RowId, session: SessionDep, actor: CurrentUser, paging: PageDep
) -> Page[SchoolOut]:
    rows, total = await districts.list_schools(
        session, actor.principal, district_id, paging.page, paging.size
    )
    return Page(
        items=[SchoolOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        size=paging.size,
    )


@router.post(
    "/{district_id}/schools",
    operation_id="createSchool",
    summary="Add a school · 新增学校",
    description="District administrators add the schools the district runs. 教育局管理员新增学校。",
    status_code=status.HTTP_201_CREATED,
    response_model=SchoolOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_school(
    district_id: RowId, body: SchoolIn, session: SessionDep, actor: CurrentUser
) -> SchoolOut:
    school = await districts.create_school(
        session, actor.principal, district_id, body.name, body.code
    )
    return SchoolOut.model_validate(school)


@router.get(
    "/{district_id}/calendar-overrides",
    operation_id="listCalendarOverrides",
    summary="Calendar overrides · 节假日调整",
    description=(
        "The district's corrections to the public holiday calendar: extra holidays, or worked days "
        "(调休) and whose timetable they follow.\n\n本区对法定节假日日历的补充与调整(含调休上课日)。"
    ),
    response_model=list[CalendarOverrideOut],
    responses=READ_ERRORS,
)
async def list_overrides(
    district_id: RowId, session: SessionDep, actor: CurrentUser
) -> list[CalendarOverrideOut]:
    rows = await districts.list_calendar_overrides(session, actor.principal, district_id)
    return [CalendarOverrideOut.model_validate(row) for row in rows]


@router.post(
    "/{district_id}/calendar-overrides",
    operation_id="addCalendarOverride",
    summary="Add a calendar override · 新增节假日调整",
    description=(
        "A district administrator records a holiday or a make-up working day (调休) that every "
        "school of the district follows; terms' calendars and sessions follow it.\n\n区管理员新"
        "增节假日或调休工作日,全区学校的学期日历与课次随之调整。"
    ),
    status_code=status.HTTP_201_CREATED,
    response_model=CalendarOverrideOut,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def add_override(
    district_id: RowId, body: CalendarOverrideIn, session: SessionDep, actor: CurrentUser
) -> CalendarOverrideOut:
    override = await districts.add_calendar_override(
        session, actor.principal, district_id, body.model_dump()
    )
    return CalendarOverrideOut.model_validate(override)
