"""Fees: an append-only ledger per student and term, in integer fen.

Seed rules: an extension course costs its sessions × the fee per session; basic care is free;
personal leave is not refunded (the session was held); sessions cancelled by the school or by
force majeure are refunded; the term settles at its end (多还少补: what was paid beyond the
charges goes back, what is missing is collected).

Signs: an amount is what the family owes because of the entry. A charge is positive; a refund
and a payment are negative; the settlement is whatever brings the balance to zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class LedgerKind(StrEnum):
    CHARGE = "charge"  # 收费: sessions × fee
    REFUND = "refund"  # 退费: a session the school cancelled
    PAYMENT = "payment"  # 缴费: money the family paid
    SETTLEMENT = "settlement"  # 结算: 多还少补 at term end


def sign_is_right(kind: LedgerKind, amount_fen: int) -> bool:
    if kind is LedgerKind.CHARGE:
        return amount_fen > 0
    if kind in (LedgerKind.REFUND, LedgerKind.PAYMENT):
        return amount_fen < 0
    return amount_fen != 0


def course_charge(sessions: int, fee_per_session_fen: int) -> int:
    if sessions < 0 or fee_per_session_fen < 0:
        raise ValueError("sessions and fees are not negative")
    return sessions * fee_per_session_fen


class CareFeeModel(StrEnum):
    """How a term charges its basic care (the "1"), the school's choice:

    - free: 基础性托管为免费公益性服务 (篇三/十), the default;
    - per_session: each child pays the fee for each session of their group held for them
      (篇九: 3元/人/课时, 期初一次性收取, 每学期末按实结算, 多还少补);
    - monthly: a flat fee for each month of the term the child is in care, charged once
      (篇一: 每生40元/月, 4个月共计160元, 一次性缴清).

    Extension courses (the "X", and the paid part of "1+X") keep their fee per session
    (20元/课时, 篇二/十) whatever the term's care model."""

    FREE = "free"
    PER_SESSION = "per_session"
    MONTHLY = "monthly"


def check_care_fee(model: CareFeeModel, fee_fen: int) -> None:
    """Free care has no fee; charged care has one."""
    if fee_fen < 0:
        raise ValueError("a fee is not negative")
    if (model is CareFeeModel.FREE) != (fee_fen == 0):
        raise ValueError(
            "free basic care has no fee, and care charged per session or monthly needs one "
            "(care_fee_fen)"
        )


@dataclass(frozen=True)
class CareOwed:
    units: int  # sessions, or months
    amount_fen: int


def care_owed(model: CareFeeModel, fee_fen: int, sessions: int, months: int) -> CareOwed:
    """What a child owes for basic care given the sessions held (or still to be held) for them
    while in care, and the calendar months with at least one of those sessions."""
    if min(fee_fen, sessions, months) < 0:
        raise ValueError("fees and counts are not negative")
    if model is CareFeeModel.FREE:
        return CareOwed(0, 0)
    units = sessions if model is CareFeeModel.PER_SESSION else months
    return CareOwed(units, units * fee_fen)


def care_adjustment(owed: CareOwed, booked_fen: int) -> tuple[LedgerKind, int] | None:
    """The entry that brings what is booked for a child's care to what is owed: a charge for
    more, a refund for less, nothing when they agree."""
    difference = owed.amount_fen - booked_fen
    if difference > 0:
        return LedgerKind.CHARGE, difference
    if difference < 0:
        return LedgerKind.REFUND, difference
    return None


def seat_pays_for(seat_taken_on: date, session_on: date) -> bool:
    """A seat pays (and is refunded) for the sessions from the school's day it was taken: a seat
    given mid-term, by an override, does not pay for what came before."""
    return session_on >= seat_taken_on


@dataclass(frozen=True)
class Entry:
    kind: LedgerKind
    amount_fen: int
    course_id: int | None = None


@dataclass(frozen=True)
class Statement:
    """A student's term in money (fen)."""

    charged: int
    refunded: int  # positive: the sum of the refunds
    paid: int  # positive: the sum of the payments
    settled: (
        int  # the settlement: positive = returned to the family (多还), negative = collected (少补)
    )

    @property
    def balance(self) -> int:
        """What the family still owes (negative: what the school still owes them)."""
        return self.charged - self.refunded - self.paid + self.settled

    @property
    def net_fee(self) -> int:
        return self.charged - self.refunded

    @property
    def to_collect(self) -> int:
        """少补: still to be paid by the family, before or by the settlement."""
        return max(self.net_fee - self.paid, 0)

    @property
    def to_return(self) -> int:
        """多还: paid beyond the fee, returned to the family."""
        return max(self.paid - self.net_fee, 0)


def statement(entries: Iterable[Entry]) -> Statement:
    totals = dict.fromkeys(LedgerKind, 0)
    for entry in entries:
        if not sign_is_right(entry.kind, entry.amount_fen):
            raise ValueError(f"a {entry.kind.value} of {entry.amount_fen} fen has the wrong sign")
        totals[entry.kind] += entry.amount_fen
    return Statement(
        charged=totals[LedgerKind.CHARGE],
        refunded=-totals[LedgerKind.REFUND],
        paid=-totals[LedgerKind.PAYMENT],
        settled=totals[LedgerKind.SETTLEMENT],
    )


def settlement_amount(entries: Iterable[Entry]) -> int:
    """The closing entry, bringing the balance to zero: positive when the school returns what was
    paid beyond the fees (多还: the family's credit is used up), negative when it collects what
    is missing (少补: like a payment); zero when the books already balance."""
    current = statement(entries)
    if current.settled:
        raise ValueError("the term is settled already")
    return -current.balance


@dataclass(frozen=True)
class SchoolSummary:
    """A term's income and spending, for publication (收支公示)."""

    students: int
    charged: int
    refunded: int
    paid: int
    returned: int  # 多还 at settlement
    collected: int  # 少补 at settlement
    spending: int  # teachers' subsidies

    @property
    def income(self) -> int:
        return self.charged - self.refunded

    @property
    def surplus(self) -> int:
        return self.income - self.spending


def summarize(statements: Iterable[Statement], spending: int) -> SchoolSummary:
    rows = list(statements)
    return SchoolSummary(
        students=len(rows),
        charged=sum(s.charged for s in rows),
        refunded=sum(s.refunded for s in rows),
        paid=sum(s.paid for s in rows),
        returned=sum(s.settled for s in rows if s.settled > 0),
        collected=sum(-s.settled for s in rows if s.settled < 0),
        spending=spending,
    )
