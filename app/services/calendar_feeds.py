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
from app.domain.errors import NotFound, PermissionDenied
from app.models import CalendarFeed, Course, Student, User
from app.services.calendar_feed import SessionDetails, student_calendar
from app.services.common import get_or_404
from app.services.sessions import sessions_of_student


@dataclass(frozen=True)
class NewFeed:
    feed: CalendarFeed
    token: str  # shown once, to the family that made it


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _child_of(session: AsyncSession, principal: Principal, student_id: int) -> Student:
    student = await get_or_404(session, Student, student_id, "student")
    if not principal.acts_for(student.id):
        raise PermissionDenied("only the child's guardians make or revoke its calendar feeds")
    return student


async def create_feed(session: AsyncSession, principal: Principal, student_id: int) -> NewFeed:
    await _child_of(session, principal, student_id)
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
    await _child_of(session, principal, student_id)
    rows = await session.scalars(
        select(CalendarFeed).where(CalendarFeed.student_id == student_id).order_by(CalendarFeed.id)
    )
    return list(rows)


async def revoke_feed(session: AsyncSession, principal: Principal, feed_id: int) -> None:
    feed = await get_or_404(session, CalendarFeed, feed_id, "calendar feed")
    await _child_of(session, principal, feed.student_id)
    if feed.revoked_at is None:
        feed.revoked_at = datetime.now(UTC)
        await session.flush()


async def feed_calendar(session: AsyncSession, token: str) -> bytes:
    """The calendar behind a token: 404 for a token never made, or revoked (a subscription
    that ended looks like one that never was)."""
    feed = await session.scalar(
        select(CalendarFeed).where(
            CalendarFeed.token_hash == token_hash(token), CalendarFeed.revoked_at.is_(None)
        )
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
