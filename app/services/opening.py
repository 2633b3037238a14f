"""What the opening page shows of a term, from Postgres: the term and its grabbable courses, for
the school's administrators (the engine's live figures are read beside it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.models import GRABBABLE, Course, Term
from app.services.common import Reach, term_in_reach


async def opening_of(
    session: AsyncSession, principal: Principal, term_id: int
) -> tuple[Term, list[Course]]:
    in_reach = await term_in_reach(session, principal, term_id, Reach.ADMIN)
    courses = await session.scalars(
        select(Course)
        .where(Course.term_id == term_id, Course.kind.in_(GRABBABLE))
        .order_by(Course.id)
    )
    return in_reach.term, list(courses)
