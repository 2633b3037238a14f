"""The spending published by category, to the fen, and when the families see it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.committee import DEFAULT_SHARES, SpendingShare, allocate, check_shares, published


def test_the_document_s_shares_split_the_income_to_the_fen() -> None:
    assert [s.percent for s in DEFAULT_SHARES] == [60, 20, 5, 5, 10]
    assert allocate(100_000, DEFAULT_SHARES) == [60_000, 20_000, 5_000, 5_000, 10_000]
    # 1 yuan 23 fen: 73.8 / 24.6 / 6.15 / 6.15 / 12.3 fen; the leftover fen go to .8, .6, .3
    assert allocate(123, DEFAULT_SHARES) == [74, 25, 6, 6, 12]


@given(st.integers(min_value=0, max_value=10**10))
def test_the_parts_always_add_up_to_the_whole(total: int) -> None:
    parts = allocate(total, DEFAULT_SHARES)
    assert sum(parts) == total
    for part, share in zip(parts, DEFAULT_SHARES, strict=True):
        assert abs(part * 100 - total * share.percent) < 100


@pytest.mark.parametrize(
    "shares",
    [
        [],
        [SpendingShare("托管成本", 50), SpendingShare("托管成本", 50)],
        [SpendingShare(" ", 100)],
        [SpendingShare("托管成本", 60), SpendingShare("托管设备", 30)],
        [SpendingShare("托管成本", 110), SpendingShare("托管设备", -10)],
    ],
)
def test_shares_are_named_once_and_make_a_hundred_percent(shares: list[SpendingShare]) -> None:
    with pytest.raises(ValueError, match=r"named|percent"):
        check_shares(shares)


def test_families_see_the_summary_once_settled_and_co_signed_where_there_is_a_committee() -> None:
    assert not published(settled=False, has_committee=False, co_signed=False)
    assert published(settled=True, has_committee=False, co_signed=False)
    assert not published(settled=True, has_committee=True, co_signed=False)
    assert published(settled=True, has_committee=True, co_signed=True)
