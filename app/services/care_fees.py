"""Basic care's fees, by the term's model (`CareFeeModel`: free, per session, or monthly).

A child in care is charged at billing, as a course seat is: the sessions of their group due
for their grade from the day their application was approved (per session), or the calendar
months with at least one of them (monthly). Billing again charges a child approved since.
After that the ledger follows the school's changes, each by the model's rule:
- per session: a session the school does not hold, or a session after the day a place ended
  early, is refunded to the children it was charged to, one entry per session and child (as a
  course seat's; moving between groups changes nothing that was charged);
- monthly: a flat fee; a month is refunded only once the child has no session left in it (the
  term ended early, a place ended, a month suspended whole).
Every writer holds the ledger's lock (the term's row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.fees import CareFeeModel, LedgerKind, care_adjustment, care_owed
from app.domain.schedule import Period
from app.domain.statuses import SessionStatus
from app.domain.zone import SCHOOL_ZONE
from app.models import CareGroupMember, CareSession, LedgerEntry, Term
from app.services.ledger import append_entries, lock_books

# Each member's place with an approved application (a member without one is not charged):
# the sessions of their group due for their grade from the approval day, and their months.
_OWED = text(
    """
    SELECT m.student_id, m.period, count(s.id) AS sessions,
           count(DISTINCT date_trunc('month', s.on_date)) AS months
    FROM care_group_member m
    JOIN care_application a ON a.term_id = m.term_id AND a.student_id = m.student_id
                           AND a.period = m.period AND a.state = 'approved'
    JOIN student st ON st.id = m.student_id
    JOIN school_class k ON k.id = st.class_id
    JOIN care_session s ON s.care_group_id = m.group_id AND s.status = 'scheduled'
                       AND k.grade = ANY(s.grades)
                       AND s.on_date >= (a.decided_at AT TIME ZONE :zone)::date
                       AND (CAST(:until AS date) IS NULL OR s.on_date <= CAST(:until AS date))
    WHERE m.term_id = :term
      AND (CAST(:students AS integer[]) IS NULL OR m.student_id = ANY(:students))
    GROUP BY m.student_id, m.period
    """
)
# One refund per care session and child charged for it, due that day and in care by then.
_SESSION_REFUNDS = text(
    """
    INSERT INTO ledger_entry (term_id, student_id, kind, amount_fen, session_id, sessions, note,
                              dedupe_key, recorded_by_id, care_period)
    SELECT s.term_id, m.student_id, 'refund', -:fee, s.id, 1,
           coalesce(nullif(:note, ''), nullif(s.cancel_reason, ''), '停课'),
           'care-refund:' || s.id || ':' || m.student_id, :actor, m.period
    FROM care_session s
    JOIN care_group_member m ON m.group_id = s.care_group_id
    JOIN care_application a ON a.term_id = m.term_id AND a.student_id = m.student_id
                           AND a.period = m.period AND a.state = 'approved'
    JOIN student st ON st.id = m.student_id
    JOIN school_class k ON k.id = st.class_id AND k.grade = ANY(s.grades)
    JOIN ledger_entry charge
      ON charge.dedupe_key = 'care-charge:' || s.term_id || ':' || m.student_id || ':' || m.period
    WHERE s.id = ANY(:sessions)
      AND s.on_date >= (a.decided_at AT TIME ZONE :zone)::date
      AND (CAST(:student AS integer) IS NULL OR m.student_id = CAST(:student AS integer))
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING student_id
    """
)
# What is booked for each current member's care (a child who left keeps what they were left).
_BOOKED = text(
    """
    SELECT e.student_id, e.care_period, sum(e.amount_fen), count(*) FROM ledger_entry e
    JOIN care_group_member m ON m.term_id = e.term_id AND m.student_id = e.student_id
                            AND m.period = e.care_period
    WHERE e.term_id = :term
      AND (CAST(:students AS integer[]) IS NULL OR e.student_id = ANY(:students))
    GROUP BY e.student_id, e.care_period
    """
)


async def charge_care(session: AsyncSession, term: Term, actor_id: int) -> int:
    """Billing: charge every child in care not charged yet (for the caller holding the ledger's
    lock). The number of children charged now."""
    model = CareFeeModel(term.care_fee_model)
    if model is CareFeeModel.FREE:
        return 0
    unit = "次" if model is CareFeeModel.PER_SESSION else "个月"
    rows: list[dict[str, object]] = []
    params = {"term": term.id, "students": None, "until": None, "zone": SCHOOL_ZONE.key}
    for student, period_value, sessions, months in await session.execute(_OWED, params):
        period = Period(period_value)
        owed = care_owed(model, term.care_fee_fen, int(sessions), int(months))
        if not owed.amount_fen:
            continue
        rows.append(
            {
                "term_id": term.id, "student_id": student, "kind": LedgerKind.CHARGE,
                "amount_fen": owed.amount_fen, "care_period": period, "sessions": owed.units,
                "note": f"{period.label} {owed.units}{unit} × {term.care_fee_fen}",
                "dedupe_key": f"care-charge:{term.id}:{student}:{period.value}",
                "recorded_by_id": actor_id,
            }
        )  # fmt: skip
    return await append_entries(session, rows)


async def refund_care(
    session: AsyncSession,
    term: Term,
    actor_id: int,
    care_session_ids: Sequence[int],
    students: Sequence[int] | None = None,
    until: date | None = None,
    note: str = "",
    period: Period | None = None,
) -> set[int]:
    """Care the school no longer gives: the sessions `care_session_ids` (cancelled, or after a
    place ended `until` that day, for `students`, in `period` when given). Refunded by the term's model to the children
    charged; nothing before billing, for free care, or once the books are settled (the
    settlement closed them). The children refunded now."""
    model = CareFeeModel(term.care_fee_model)
    if model is CareFeeModel.FREE:
        return set()
    books = await lock_books(session, term.id)
    if books.billed_at is None or books.settled_at is not None:
        return set()
    if model is CareFeeModel.PER_SESSION:
        if not care_session_ids:
            return set()
        refunded: set[int] = set()
        for student in [None] if students is None else students:
            params = {
                "sessions": list(care_session_ids), "student": student, "fee": term.care_fee_fen,
                "actor": actor_id, "note": note, "zone": SCHOOL_ZONE.key,
            }  # fmt: skip
            refunded |= {row for (row,) in await session.execute(_SESSION_REFUNDS, params)}
        return refunded
    return await _refund_months(session, term, actor_id, students, until, note, period)


async def _refund_months(
    session: AsyncSession,
    term: Term,
    actor_id: int,
    students: Sequence[int] | None,
    until: date | None,
    note: str,
    only: Period | None,
) -> set[int]:
    """Monthly: each child's months with a session left (up to `until`) against the months
    booked, in the period `only` when given; a month fewer is refunded. Never a charge: billing
    charges."""
    wanted = None if students is None else list(students)
    params = {"term": term.id, "students": wanted, "until": until, "zone": SCHOOL_ZONE.key}
    months = {
        (student, Period(period)): int(count)
        for student, period, _, count in await session.execute(_OWED, params)
    }
    booked = await session.execute(_BOOKED, {"term": term.id, "students": wanted})
    rows: list[dict[str, object]] = []
    for student, period_value, amount, entries in booked:
        period = Period(period_value)
        if only is not None and period is not only:
            continue
        owed = care_owed(
            CareFeeModel.MONTHLY, term.care_fee_fen, 0, months.get((student, period), 0)
        )
        adjustment = care_adjustment(owed, int(amount))
        if adjustment is None or adjustment[0] is not LedgerKind.REFUND:
            continue
        refunded_months = -adjustment[1] // term.care_fee_fen
        rows.append(
            {
                "term_id": term.id, "student_id": student, "kind": LedgerKind.REFUND,
                "amount_fen": adjustment[1], "care_period": period, "sessions": refunded_months,
                "note": note or f"{period.label} 退{refunded_months}个月",
                "dedupe_key": f"care-months:{term.id}:{student}:{period.value}:{entries + 1}",
                "recorded_by_id": actor_id,
            }
        )  # fmt: skip
    await append_entries(session, rows)
    return {int(str(row["student_id"])) for row in rows}


async def refund_care_after(
    session: AsyncSession,
    term: Term,
    actor_id: int,
    student_id: int,
    last_day: date,
    note: str,
    period: Period | None = None,
) -> set[int]:
    """A place ended early on `last_day` (left by request, 劝退): its care after that day is
    refunded, of `period` when given. Call it before the child leaves their groups."""
    groups = select(CareGroupMember.group_id).where(
        CareGroupMember.term_id == term.id,
        CareGroupMember.student_id == student_id,
        *([CareGroupMember.period == period] if period is not None else []),
    )
    later = (
        await session.scalars(
            select(CareSession.id).where(
                CareSession.care_group_id.in_(groups),
                CareSession.status == SessionStatus.SCHEDULED,
                CareSession.on_date > last_day,
            )
        )
    ).all()
    return await refund_care(session, term, actor_id, later, [student_id], last_day, note, period)


@dataclass
class CareLine:
    """A child's basic care of one period in money."""

    period: Period
    units: int = 0  # sessions or months charged, less those refunded
    charged_fen: int = 0
    refunded_fen: int = 0


def care_lines(entries: Sequence[LedgerEntry]) -> list[CareLine]:
    lines: dict[Period, CareLine] = {}
    for entry in entries:
        if entry.care_period is None:
            continue
        line = lines.setdefault(entry.care_period, CareLine(entry.care_period))
        if entry.kind is LedgerKind.CHARGE:
            line.units += entry.sessions or 0
            line.charged_fen += entry.amount_fen
        elif entry.kind is LedgerKind.REFUND:
            line.units -= entry.sessions or 0
            line.refunded_fen -= entry.amount_fen
    return sorted(lines.values(), key=lambda line: line.period.value)
