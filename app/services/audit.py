"""The append-only audit log, as the school's administrators read it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.models import AuditEvent
from app.services.common import (
    paginate,
    require_admin_of,
)


async def audit_events(
    session: AsyncSession,
    principal: Principal,
    school_id: int,
    term_id: int | None,
    page: int,
    size: int,
) -> tuple[Sequence[AuditEvent], int]:
    await require_admin_of(session, principal, school_id)
    statement = select(AuditEvent).where(AuditEvent.school_id == school_id)
    if term_id is not None:
        statement = statement.where(AuditEvent.term_id == term_id)
    return await paginate(session, statement.order_by(AuditEvent.id.desc()), page, size)
