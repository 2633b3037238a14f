"""Calendar feeds a phone can subscribe to: each family makes a secret address per child (the
token is shown once and kept only as its digest), the calendar app fetches it without signing in,
and the family revokes it when a phone is lost or handed on."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import NotFound, NotYourChild
from app.domain.statuses import BindingStatus
from app.models import CalendarFeed, Course, Guardianship, User
from app.services.calendar_feed import SessionDetails, student_calendar
from app.services.sessions import sessions_of_student


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    token: str  # shown once, to the family that made it


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_guardian(principal: Principal, student_id: int) -> None:
    """Checked before anything is looked up: whether a child exists is not told to others."""
    if not principal.acts_for(student_id):
        raise NotYourChild("only the child's guardians make, see or revoke its calendar feeds")


async def create_feed(session: AsyncSession, principal: Principal, student_id: int) -> NewFeed:
    _require_guardian(principal, student_id)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed(
        student_id=student_id, user_id=principal.user_id, token_hash=token_hash(token)
    )
    session.add(feed)
    await session.flush()
    await session.refresh(feed)
    return NewFeed(feed, token)


async def feeds_of(
    session: AsyncSession, principal: Principal, student_id: int
) -> list[CalendarFeed]:
    _require_guardian(principal, student_id)
    rows = await session.scalars(
        select(CalendarFeed).where(CalendarFeed.student_id == student_id).order_by(CalendarFeed.id)
    )
    return list(rows)


async def revoke_feed(session: AsyncSession, principal: Principal, feed_id: int) -> None:
    """A feed of a child the caller is not a guardian of is, to them, no feed at all (404)."""
    feed = await session.get(CalendarFeed, feed_id)
    if feed is None or not principal.acts_for(feed.student_id):
        raise NotFound(f"no calendar feed {feed_id}")
    if feed.revoked_at is None:
        feed.revoked_at = datetime.now(UTC)
        await session.flush()


async def feed_calendar(session: AsyncSession, token: str) -> bytes:
    """The calendar behind a token: 404 for a token never made, revoked, or made by a guardian
    no longer bound to the child (a subscription that ended looks like one that never was)."""
    feed = await session.scalar(
        select(CalendarFeed)
        .join(
            Guardianship,
            (Guardianship.student_id == CalendarFeed.student_id)
            & (Guardianship.user_id == CalendarFeed.user_id)
            & (Guardianship.status == BindingStatus.CONFIRMED),
        )
        .where(CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None))
    )
    if feed is None:
        raise NotFound("no such calendar feed")
    rows = await sessions_of_student(session, feed.student_id, None, None)
    course_ids = {row.course_id for row, _ in rows if row.course_id is not None}
    details = {
        course_id: SessionDetails(room, teacher)
        for course_id, room, teacher in await session.execute(
            select(Course.id, Course.room, User.name)
            .outerjoin(User, User.id == Course.teacher_id)
            .where(Course.id.in_(course_ids))
        )
    }
    return student_calendar(feed.student_id, rows, details)
