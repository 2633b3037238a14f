"""Basic care's fees, by the term's model (`CareFeeModel`: free, per session, or monthly).

What a child owes for care follows from the sessions of their group held, or still to be held,
for them while they are in care (from the day their application was approved, and for their
grade). Whenever that changes in a way the ledger must follow (billing, a session cancelled, a
place ended early, the settlement), `true_up_care` compares it with what the ledger holds for
the child's care and writes the difference: a charge, or a refund. The ledger stays append-only
and every entry says why."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.fees import CareFeeModel, LedgerKind, care_adjustment, care_owed
from app.domain.schedule import Period
from app.domain.zone import SCHOOL_ZONE
from app.models import LedgerEntry, Term
from app.services.ledger import append_entries, lock_books

# Each current member's place: the child, the period, and the day care began for them.
_MEMBERS = text(
    """
    SELECT m.student_id, m.period, m.group_id, k.grade,
           (a.decided_at AT TIME ZONE :zone)::date AS since
    FROM care_group_member m
    JOIN student st ON st.id = m.student_id
    JOIN school_class k ON k.id = st.class_id
    LEFT JOIN care_application a ON a.term_id = m.term_id AND a.student_id = m.student_id
                                AND a.period = m.period AND a.state = 'approved'
    WHERE m.term_id = :term
      AND (CAST(:students AS integer[]) IS NULL OR m.student_id = ANY(:students))
    """
)
_SESSIONS = text(
    """
    SELECT care_group_id, on_date, grades FROM care_session
    WHERE term_id = :term AND care_group_id IS NOT NULL AND status = 'scheduled'
    """
)
_BOOKED = text(
    """
    SELECT student_id, care_period, sum(amount_fen), count(*) FROM ledger_entry
    WHERE term_id = :term AND care_period IS NOT NULL
      AND (CAST(:students AS integer[]) IS NULL OR student_id = ANY(:students))
    GROUP BY student_id, care_period
    """
)


async def true_up_care(
    session: AsyncSession,
    term: Term,
    actor_id: int,
    students: Sequence[int] | None = None,
    until: date | None = None,
    note: str = "",
) -> set[int]:
    """Bring the ledger for the care of the term's current members (those in `students`, when
    given) to what they owe, counting sessions up to `until` when given (a place ending that
    day). Nothing before the term is billed (billing charges everyone at once) or for free
    care. Takes the ledger's lock. The students whose care was refunded now."""
    model = CareFeeModel(term.care_fee_model)
    books = await lock_books(session, term.id)
    if model is CareFeeModel.FREE or books.billed_at is None:
        return set()
    books.require_open()
    return await write_care_fees(session, term, actor_id, students, until, note)


async def write_care_fees(
    session: AsyncSession,
    term: Term,
    actor_id: int,
    students: Sequence[int] | None,
    until: date | None,
    note: str,
) -> set[int]:
    """`true_up_care`'s work, for a caller holding the ledger's lock (the billing)."""
    model = CareFeeModel(term.care_fee_model)
    wanted = None if students is None else list(students)
    params = {"term": term.id, "students": wanted, "zone": SCHOOL_ZONE.key}
    members = (await session.execute(_MEMBERS, params)).all()
    if not members:
        return set()
    held: dict[int, list[tuple[date, list[int]]]] = defaultdict(list)
    for group_id, on_date, grades in await session.execute(_SESSIONS, {"term": term.id}):
        held[group_id].append((on_date, grades))
    booked = {
        (student, Period(period)): (int(amount), int(count))
        for student, period, amount, count in await session.execute(_BOOKED, params)
    }
    rows: list[dict[str, object]] = []
    refunded = set()
    for student, period_value, group_id, grade, since in members:
        period = Period(period_value)
        dates = [
            day
            for day, grades in held[group_id]
            if grade in grades
            and (since is None or day >= since)
            and (until is None or day <= until)
        ]
        owed = care_owed(model, term.care_fee_fen, dates)
        amount, count = booked.get((student, period), (0, 0))
        adjustment = care_adjustment(owed, amount)
        if adjustment is None:
            continue
        kind, amount_fen = adjustment
        unit = "课时" if model is CareFeeModel.PER_SESSION else "个月"
        rows.append(
            {
                "term_id": term.id, "student_id": student, "kind": kind, "amount_fen": amount_fen,
                "care_period": period, "sessions": owed.units,
                "note": note or f"{period.label} {owed.units}{unit} × {term.care_fee_fen}",
                "dedupe_key": f"care:{term.id}:{student}:{period.value}:{count + 1}",
                "recorded_by_id": actor_id,
            }
        )  # fmt: skip
        if kind is LedgerKind.REFUND:
            refunded.add(student)
    await append_entries(session, rows)
    return refunded


@dataclass
class CareLine:
    """A child's basic care of one period in money: what it came to, and its units now."""

    period: Period
    units: int = 0  # sessions, or months, owed at the last entry
    charged_fen: int = 0
    refunded_fen: int = 0


def care_lines(entries: Sequence[LedgerEntry]) -> list[CareLine]:
    lines: dict[Period, CareLine] = {}
    for entry in entries:
        if entry.care_period is None:
            continue
        line = lines.setdefault(entry.care_period, CareLine(entry.care_period))
        line.units = entry.sessions or 0
        if entry.kind is LedgerKind.CHARGE:
            line.charged_fen += entry.amount_fen
        elif entry.kind is LedgerKind.REFUND:
            line.refunded_fen -= entry.amount_fen
    return sorted(lines.values(), key=lambda line: line.period.value)
