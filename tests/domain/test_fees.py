"""The fee ledger's arithmetic (seed: sessions × fee; basic care free; personal leave not
refunded; school or force-majeure cancellations refunded; 多还少补 at term end)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.fees import (
    CareFeeModel,
    CareOwed,
    Entry,
    LedgerKind,
    care_adjustment,
    care_owed,
    check_care_fee,
    course_charge,
    settlement_amount,
    sign_is_right,
    statement,
    summarize,
)

K = LedgerKind


def test_a_course_costs_its_sessions_times_the_fee() -> None:
    assert course_charge(16, 2000) == 32000
    assert course_charge(0, 2000) == 0
    with pytest.raises(ValueError, match="not negative"):
        course_charge(-1, 2000)


def test_an_overpaid_term_returns_the_difference() -> None:
    entries = [Entry(K.CHARGE, 32000, 7), Entry(K.REFUND, -2000, 7), Entry(K.PAYMENT, -32000)]
    current = statement(entries)
    assert (current.charged, current.refunded, current.paid) == (32000, 2000, 32000)
    assert current.net_fee == 30000
    assert current.to_return == 2000
    assert current.to_collect == 0
    assert settlement_amount(entries) == 2000  # 多还: 2,000 fen returned
    settled = statement([*entries, Entry(K.SETTLEMENT, 2000)])
    assert settled.balance == 0


def test_an_underpaid_term_collects_the_difference() -> None:
    entries = [Entry(K.CHARGE, 32000, 7), Entry(K.PAYMENT, -30000)]
    assert statement(entries).to_collect == 2000
    assert settlement_amount(entries) == -2000  # 少补: collected, like a payment


def test_a_term_is_settled_once() -> None:
    with pytest.raises(ValueError, match="settled already"):
        settlement_amount([Entry(K.CHARGE, 100), Entry(K.SETTLEMENT, -100)])


@pytest.mark.parametrize(
    ("kind", "amount", "right"),
    [
        (K.CHARGE, 1, True),
        (K.CHARGE, -1, False),
        (K.REFUND, -1, True),
        (K.REFUND, 1, False),
        (K.PAYMENT, -1, True),
        (K.PAYMENT, 0, False),
        (K.SETTLEMENT, 5, True),
        (K.SETTLEMENT, 0, False),
    ],
)
def test_each_kind_has_its_sign(kind: K, amount: int, right: bool) -> None:
    assert sign_is_right(kind, amount) is right


def test_a_wrong_sign_is_refused() -> None:
    with pytest.raises(ValueError, match="wrong sign"):
        statement([Entry(K.REFUND, 2000)])


ledgers = st.lists(
    st.one_of(
        st.builds(Entry, st.just(K.CHARGE), st.integers(1, 100_000)),
        st.builds(Entry, st.just(K.REFUND), st.integers(-5_000, -1)),
        st.builds(Entry, st.just(K.PAYMENT), st.integers(-100_000, -1)),
    ),
    max_size=30,
)


@given(ledgers)
def test_a_statement_is_the_sum_of_its_entries_and_settlement_zeroes_it(
    entries: list[Entry],
) -> None:
    current = statement(entries)
    assert current.balance == sum(e.amount_fen for e in entries)
    assert current.to_collect - current.to_return == current.balance
    assert min(current.to_collect, current.to_return) == 0
    closing = settlement_amount(entries)
    after = [*entries, Entry(K.SETTLEMENT, closing)] if closing else entries
    assert statement(after).balance == 0


@given(st.lists(ledgers, max_size=8), st.integers(0, 1_000_000))
def test_the_school_summary_adds_up_the_statements(
    ledgers_: list[list[Entry]], spending: int
) -> None:
    statements = [statement(entries) for entries in ledgers_]
    settled = [
        statement([*entries, Entry(K.SETTLEMENT, amount)])
        if (amount := settlement_amount(entries))
        else statement(entries)
        for entries in ledgers_
    ]
    summary = summarize(settled, spending)
    assert summary.students == len(ledgers_)
    assert summary.income == sum(s.net_fee for s in statements)
    assert summary.paid == sum(s.paid for s in statements)
    # Every fen paid either pays a fee or goes back; every fee is paid or collected.
    assert summary.paid - summary.returned + summary.collected == summary.income
    assert summary.surplus == summary.income - spending


def months_of(dates: list[date]) -> int:
    """The calendar months with at least one of `dates` (the service counts them in SQL)."""
    return len({(day.year, day.month) for day in dates})


def test_care_is_owed_by_session_or_by_month_begun_and_nothing_when_free() -> None:
    dates = [date(2026, 10, 30), date(2026, 11, 2), date(2026, 11, 30), date(2026, 12, 1)]
    months = months_of(dates)
    assert months == 3
    assert care_owed(CareFeeModel.PER_SESSION, 300, len(dates), months) == CareOwed(4, 1200)
    assert care_owed(CareFeeModel.MONTHLY, 4000, len(dates), months) == CareOwed(3, 12000)
    assert care_owed(CareFeeModel.FREE, 0, len(dates), months) == CareOwed(0, 0)
    assert care_owed(CareFeeModel.MONTHLY, 4000, 0, 0) == CareOwed(0, 0)


def test_four_months_of_care_at_forty_yuan_are_one_hundred_and_sixty() -> None:
    """篇一: 每生40元/月 … 4个月共计160元, 一次性缴清."""
    dates = [date(2026, month, day) for month in (9, 10, 11, 12) for day in (10, 17)]
    owed = care_owed(CareFeeModel.MONTHLY, 4000, len(dates), months_of(dates))
    assert owed.amount_fen == 16000


@given(
    st.sampled_from([CareFeeModel.PER_SESSION, CareFeeModel.MONTHLY]),
    st.integers(min_value=1, max_value=10_000),
    st.lists(st.dates(min_value=date(2026, 9, 1), max_value=date(2027, 1, 31)), max_size=60),
    st.lists(st.integers(min_value=-50_000, max_value=50_000), max_size=5),
)
def test_the_adjustment_always_brings_what_is_booked_to_what_is_owed(
    model: CareFeeModel, fee: int, dates: list[date], earlier: list[int]
) -> None:
    owed = care_owed(model, fee, len(dates), months_of(dates))
    booked = sum(earlier)
    adjustment = care_adjustment(owed, booked)
    if adjustment is None:
        assert booked == owed.amount_fen
    else:
        kind, amount = adjustment
        assert sign_is_right(kind, amount)
        assert booked + amount == owed.amount_fen


def test_free_care_has_no_fee_and_charged_care_needs_one() -> None:
    check_care_fee(CareFeeModel.FREE, 0)
    check_care_fee(CareFeeModel.MONTHLY, 4000)
    for model, fee in ((CareFeeModel.FREE, 300), (CareFeeModel.PER_SESSION, 0)):
        with pytest.raises(ValueError, match="free basic care has no fee"):
            check_care_fee(model, fee)
