"""What the opening page shows of a term, from Postgres: the term and its grabbable courses, for
the school's administrators (the engine's live figures are read beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.window import OpeningPhase, Window, opening_phase
from app.models import GRABBABLE, Course, Term
from app.services.common import Reach, term_in_reach


@dataclass(frozen=True)
class Opening:
    term: Term
    courses: list[Course]
    now: datetime
    phase: OpeningPhase


async def opening_of(session: AsyncSession, principal: Principal, term_id: int) -> Opening:
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    courses = await session.scalars(
        select(Course)
        .where(Course.term_id == term_id, Course.kind.in_(GRABBABLE))
        .order_by(Course.id)
    )
    now = datetime.now(UTC)
    window = Window(
        term.opens_at, term.closes_at, term.grab_opens_at, term.round2_opens_at,
        term.round2_closes_at,
    )  # fmt: skip
    return Opening(term, list(courses), now, opening_phase(window, now))
