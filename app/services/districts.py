"""A district and the schools it runs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.models import District, School
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
