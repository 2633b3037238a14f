from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.publication import MAX_DAYS, mask_name, publication_period


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张小明", "张*明"), ("张三", "张*"), ("欧阳小明", "欧**明"), ("李", "*"), (" 王五 ", "王*")],
)
def test_names_are_masked_as_schools_publish_them(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@given(st.text(alphabet="张王李赵欧阳小明华", min_size=2, max_size=6))
def test_a_masked_name_keeps_its_length_and_hides_the_given_name(name: str) -> None:
    masked = mask_name(name)
    assert len(masked) == len(name)
    assert masked[0] == name[0]
    assert masked[1] == "*"


def test_a_period_runs_whole_days_within_the_limit() -> None:
    start = datetime(2026, 9, 1, 9, tzinfo=UTC)
    period = publication_period(start, 3)
    assert period.closes_at - period.opens_at == timedelta(days=3)
    assert period.is_open(start)
    assert not period.is_open(period.closes_at)
    for days in (0, MAX_DAYS + 1):
        with pytest.raises(ValueError, match="days"):
            publication_period(start, days)
