"""Writing notices: into the outbox table, in the caller's transaction, so a notice exists exactly
when the change it reports was committed. Enqueuing the same notice twice keeps one."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text
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


# One statement however many notices: a draw or a reconciler run tells thousands of families.
_ENQUEUE = text(
    """
    WITH added AS (
        INSERT INTO notice (user_id, kind, title, body, dedupe_key, deliver_after)
        SELECT v.user_id, v.kind, v.title, v.body, v.dedupe_key, v.deliver_after
        FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(
            user_id int, kind text, title text, body text, dedupe_key text,
            deliver_after timestamptz
        )
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING 1
    )
    SELECT count(*) FROM added
    """
)


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
            "deliver_after": (n.deliver_after or now).isoformat(),
        }
        for n in {notice.dedupe_key: notice for notice in notices}.values()
    ]
    if not rows:
        return 0
    await session.flush()
    added = await session.scalar(_ENQUEUE, {"rows": json.dumps(rows, ensure_ascii=False)})
    return int(added or 0)


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
