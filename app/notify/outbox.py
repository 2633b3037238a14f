"""Writing notices: into the outbox table, in the caller's transaction, so a notice exists exactly
when the change it reports was committed. Enqueuing the same notice twice keeps one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.zone import SCHOOL_ZONE
from app.models import Notice


@dataclass(frozen=True)
class NewNotice:
    user_id: int
    kind: str
    title: str
    body: str
    dedupe_key: str
    deliver_after: datetime | None = None


def local_time(moment: datetime) -> str:
    return moment.astimezone(SCHOOL_ZONE).strftime("%m月%d日 %H:%M")


async def enqueue(session: AsyncSession, notices: Iterable[NewNotice]) -> int:
    """Add notices to the outbox (flushed, not committed); the number that were new."""
    now = datetime.now(UTC)
    rows = [
        {
            "user_id": n.user_id,
            "kind": n.kind,
            "title": n.title,
            "body": n.body,
            "dedupe_key": n.dedupe_key,
            "deliver_after": n.deliver_after or now,
        }
        for n in {notice.dedupe_key: notice for notice in notices}.values()
    ]
    if not rows:
        return 0
    statement = (
        insert(Notice).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(Notice.id)
    )
    return len((await session.execute(statement, rows)).all())


_GUARDIANS = text(
    """
    SELECT g.user_id, s.id, s.name
    FROM guardianship g JOIN student s ON s.id = g.student_id
    WHERE g.student_id = ANY(:students) AND g.status = 'confirmed'
    ORDER BY s.id, g.user_id
    """
)


async def guardians_of(
    session: AsyncSession, student_ids: Iterable[int]
) -> list[tuple[int, int, str]]:
    """(guardian user id, student id, student name) for every confirmed guardian."""
    rows = await session.execute(_GUARDIANS, {"students": sorted(set(student_ids))})
    return [(int(u), int(s), str(n)) for u, s, n in rows]


async def notice_counts(session: AsyncSession) -> dict[str, int]:
    """Notices by state (queued, sent, failed, no_channel), for the metrics."""
    rows = await session.execute(select(Notice.state, func.count()).group_by(Notice.state))
    return {str(state): int(count) for state, count in rows}
