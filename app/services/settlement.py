"""Term-end settlement (期末结算, 多还少补) and the school's income and spending summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal
from app.domain.errors import Conflict
from app.domain.fees import Entry, LedgerKind, SchoolSummary, settlement_amount, summarize
from app.domain.overrides import require_reason
from app.domain.sessions import CancelCause
from app.domain.statuses import SessionStatus
from app.models import CareSession, LedgerEntry, Term
from app.notify.outbox import NewNotice
from app.notify.term_messages import term_ended_early
from app.services import workload
from app.services.common import (
    Reach,
    record_audit,
    school_today,
    term_in_reach,
)
from app.services.fees import StudentStatement, lock_books, mark_term, statements
from app.services.sessions import cancel


@dataclass(frozen=True)
class SettlementReport:
    term_id: int
    settled_at: datetime
    students: int
    sessions_cancelled: int
    returned_fen: int
    collected_fen: int


async def settle(
    session: AsyncSession, principal: Principal, term_id: int, end_early_reason: str | None
) -> SettlementReport:
    """Close the term's books: each student's balance settles with one entry. Before the term's
    last day only with a reason: the sessions still to come are cancelled by the school and
    refunded first."""
    term = (await term_in_reach(session, principal, term_id, Reach.ADMIN)).term
    (await lock_books(session, term_id)).require_open()
    today = school_today()
    cancelled = 0
    if today <= term.ends_on:
        if end_early_reason is None:
            raise Conflict(
                f"the term runs until {term.ends_on}: settle after it, or end it early with a "
                "reason"
            )
        reason = require_reason(end_early_reason)
        remaining = (
            await session.scalars(
                select(CareSession)
                .where(
                    CareSession.term_id == term.id,
                    CareSession.status == SessionStatus.SCHEDULED,
                    # Today's sessions count as held once their roll call is taken.
                    or_(
                        CareSession.on_date > today,
                        and_(CareSession.on_date == today, CareSession.roll_call_at.is_(None)),
                    ),
                )
                .with_for_update()
            )
        ).all()
        key = f"term-ended:{term.id}"

        def compose(guardian: int, student: int, name: str, paid: bool) -> NewNotice:
            return term_ended_early(guardian, student, name, reason, key, paid)

        cancelled = await cancel(
            session, principal.user_id, term, remaining, CancelCause.SCHOOL, reason, compose
        )
        record_audit(session, principal.user_id, term, "end_term_early", reason, sessions=cancelled)
    rows = []
    for current in await statements(session, term.id):
        amount = settlement_amount(Entry(e.kind, e.amount_fen) for e in current.entries)
        if amount:
            rows.append(
                LedgerEntry(
                    term_id=term.id, student_id=current.student_id, kind=LedgerKind.SETTLEMENT,
                    amount_fen=amount, note="多还少补", dedupe_key=f"settle:{term.id}:{current.student_id}",
                    recorded_by_id=principal.user_id,
                )
            )  # fmt: skip
    session.add_all(rows)
    settled_at = datetime.now(UTC)
    await mark_term(session, term.id, settled_at=settled_at)
    await session.flush()
    return SettlementReport(
        term.id,
        settled_at,
        len(rows),
        cancelled,
        sum(r.amount_fen for r in rows if r.amount_fen > 0),
        sum(-r.amount_fen for r in rows if r.amount_fen < 0),
    )


async def summary(
    session: AsyncSession, principal: Principal, term_id: int
) -> tuple[Term, SchoolSummary]:
    """For publication (收支公示): the school's families and staff may read it."""
    term = (await term_in_reach(session, principal, term_id, Reach.READER)).term
    all_statements: list[StudentStatement] = await statements(session, term.id)
    spending = await workload.subsidies(session, term)
    return term, summarize((s.totals for s in all_statements), spending)
