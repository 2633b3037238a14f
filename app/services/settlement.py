"""Term-end settlement (期末结算, 多还少补) and the school's income and spending summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.access import Principal, Role
from app.domain.committee import SpendingShare, allocate, published
from app.domain.errors import Conflict, PermissionDenied
from app.domain.fees import Entry, LedgerKind, SchoolSummary, settlement_amount, summarize
from app.domain.overrides import require_reason
from app.domain.sessions import CancelCause
from app.domain.statuses import SessionStatus
from app.models import CareSession, LedgerEntry, RoleGrant, SettlementCosign, Term, User
from app.notify.outbox import NewNotice
from app.notify.term_messages import term_ended_early
from app.services import workload
from app.services.common import (
    Reach,
    flush_or_conflict,
    record_audit,
    school_today,
    term_in_reach,
)
from app.services.fees import StudentStatement, statements
from app.services.ledger import lock_books, mark_term
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


@dataclass(frozen=True)
class FeeSummary:
    term: Term
    totals: SchoolSummary
    allocation: list[tuple[SpendingShare, int]]  # the income by spending category, in fen
    has_committee: bool
    co_signed_by: list[str]
    published: bool
    care_income: int = 0  # of the income, basic care's (where the term charges it)


async def summary(session: AsyncSession, principal: Principal, term_id: int) -> FeeSummary:
    """The income and spending (收支公示): the school's staff and parent committee may read it
    at any time; where the school has a parent committee, its families once the committee has
    co-signed the settled books (a school without one shows its families the figures as they
    stand, as before). `published`: settled, and co-signed where there is a committee."""
    term, scope = await term_in_reach(session, principal, term_id, Reach.READER)
    committee = list(
        await session.scalars(
            select(RoleGrant.user_id).where(
                RoleGrant.school_id == term.school_id, RoleGrant.role == Role.PARENT_COMMITTEE
            )
        )
    )
    signers = list(
        await session.scalars(
            select(User.name)
            .join(SettlementCosign, SettlementCosign.user_id == User.id)
            .where(SettlementCosign.term_id == term.id)
            .order_by(SettlementCosign.id)
        )
    )
    is_published = published(
        settled=term.settled_at is not None,
        has_committee=bool(committee),
        co_signed=bool(signers),
    )
    insider = principal.is_staff_of(scope) or principal.sits_on_committee(scope)
    if committee and not signers and not insider:
        raise Conflict(
            "the income and spending are published once the term is settled and its parent "
            "committee has co-signed them"
        )
    all_statements: list[StudentStatement] = await statements(session, term.id)
    spending = await workload.subsidies(session, term)
    totals = summarize((s.totals for s in all_statements), spending)
    shares = [SpendingShare(s["category"], int(s["percent"])) for s in term.spending_shares]
    allocation = list(zip(shares, allocate(max(totals.income, 0), shares), strict=True))
    care_income = sum(
        line.charged_fen - line.refunded_fen for s in all_statements for line in s.care
    )
    return FeeSummary(term, totals, allocation, bool(committee), signers, is_published, care_income)


async def co_sign(
    session: AsyncSession, principal: Principal, term_id: int, note: str
) -> SettlementCosign:
    """A member of the school's parent committee co-signs the settled books (家委会签字)."""
    term, scope = await term_in_reach(session, principal, term_id, Reach.READER)
    if not principal.sits_on_committee(scope):
        raise PermissionDenied("the settlement is co-signed by the school's parent committee")
    if term.settled_at is None:
        raise Conflict("the books are co-signed once the term is settled")
    signature = SettlementCosign(term_id=term.id, user_id=principal.user_id, note=note.strip())
    session.add(signature)
    await flush_or_conflict(session, "you have co-signed this term's settlement already")
    record_audit(session, principal.user_id, term, "settlement_co_signed", note.strip())
    await session.flush()
    return signature
