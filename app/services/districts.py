"""A district: its schools, and its corrections to the public-holiday calendar (调休)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import RuleViolation
from app.models import CalendarOverride, District, School
from app.services.common import (
    flush_or_conflict,
    get_or_404,
    paginate,
    require,
)


async def get_district(session: AsyncSession, principal: Principal, district_id: int) -> District:
    district = await get_or_404(session, District, district_id, "district")
    require(principal.administers_district(district_id), "only this district's administrators")
    return district


async def list_schools(
    session: AsyncSession, principal: Principal, district_id: int, page: int, size: int
) -> tuple[Sequence[School], int]:
    await get_district(session, principal, district_id)
    statement = select(School).where(School.district_id == district_id).order_by(School.id)
    return await paginate(session, statement, page, size)


async def create_school(
    session: AsyncSession, principal: Principal, district_id: int, name: str, code: str
) -> School:
    await get_district(session, principal, district_id)
    school = School(district_id=district_id, name=name, code=code)
    session.add(school)
    await flush_or_conflict(session, f"the district already has a school with code {code}")
    return school


async def list_calendar_overrides(
    session: AsyncSession, principal: Principal, district_id: int
) -> Sequence[CalendarOverride]:
    await get_district(session, principal, district_id)
    rows = await session.scalars(
        select(CalendarOverride)
        .where(CalendarOverride.district_id == district_id)
        .order_by(CalendarOverride.on_date)
    )
    return rows.all()


async def add_calendar_override(
    session: AsyncSession, principal: Principal, district_id: int, values: dict[str, object]
) -> CalendarOverride:
    await get_district(session, principal, district_id)
    if not values.get("is_workday") and values.get("follows_weekday") is not None:
        raise RuleViolation("only a working day can follow a weekday's timetable")
    override = CalendarOverride(district_id=district_id, **values)
    session.add(override)
    await flush_or_conflict(session, "that day has an override already")
    return override
