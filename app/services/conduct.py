"""Conduct incidents (篇十 ①: 多次由于个人行为习惯未能适应群体性管理而影响他人): a teacher records
one on a session for a child of it; at the term's limit the family is warned, one more proposes a
dismissal (劝退) to the school, decided as a late pickup's is (`POST /policy-steps/{id}/decision`).
Every step notified and audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import RuleViolation
from app.domain.overrides import require_reason
from app.models import ConductIncident, Student
from app.services import policies
from app.services.attendance import session_for_roll_caller
from app.services.common import flush_or_conflict, record_audit
from app.services.sessions import roster_of


@dataclass(frozen=True)
class IncidentRecorded:
    incident: ConductIncident
    steps: Sequence[policies.StepTaken]


async def record_incident(
    session: AsyncSession, principal: Principal, care_session_id: int, student_id: int, note: str
) -> IncidentRecorded:
    """By the school's care and course teachers and administrators, for a child of the session,
    on its day or after; one a session and child."""
    row, term = await session_for_roll_caller(session, principal, care_session_id)
    note = require_reason(note)
    if student_id not in set(await session.scalars(roster_of(row))):
        raise RuleViolation(f"student {student_id} is not a student of this session")
    incident = ConductIncident(
        term_id=term.id,
        session_id=row.id,
        student_id=student_id,
        recorded_by_id=principal.user_id,
        note=note,
    )
    # The child's row locked before the incident is counted: two incidents recorded at once in
    # two sessions both count, and the step the second brings is taken.
    await session.execute(select(Student.id).where(Student.id == student_id).with_for_update())
    session.add(incident)
    await flush_or_conflict(session, "an incident of this child is recorded for this session")
    record_audit(
        session, principal.user_id, term, "conduct_incident", note, student_id=student_id,
        session_id=row.id,
    )  # fmt: skip
    steps = await policies.after_conduct(session, term, principal.user_id, student_id)
    await session.flush()
    return IncidentRecorded(incident, steps)


async def of_session(
    session: AsyncSession, principal: Principal, care_session_id: int
) -> Sequence[ConductIncident]:
    """The session's incidents, for those who take its roll call."""
    row, _ = await session_for_roll_caller(session, principal, care_session_id)
    rows = await session.scalars(
        select(ConductIncident)
        .where(ConductIncident.session_id == row.id)
        .order_by(ConductIncident.id)
    )
    return rows.all()
