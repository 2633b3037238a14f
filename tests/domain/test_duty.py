"""The duty report's days: every day of care up to today, with its patrols and clearing check."""

from __future__ import annotations

from datetime import date, timedelta

from app.domain.duty import Clearing, duty_days

MON = date(2026, 11, 9)


def test_a_day_of_care_without_a_clearing_check_shows_as_missing() -> None:
    care = [MON + timedelta(days=n) for n in range(5)]
    cleared = Clearing("值日王老师", True, True, "")
    not_clear = Clearing("值日王老师", False, True, "王小明17:50接走")
    days = duty_days(
        care,
        patrols={MON: 2, MON + timedelta(days=1): 1},
        clearings={MON: cleared, MON + timedelta(days=2): not_clear},
        today=MON + timedelta(days=3),
    )
    assert [d.on_date for d in days] == care[:4]  # Friday is still to come
    assert [d.clearing_missing for d in days] == [False, True, False, True]
    assert [d.patrols for d in days] == [2, 1, 0, 0]
    assert cleared.clear
    assert not not_clear.clear


def test_a_record_on_a_day_without_care_is_shown_too() -> None:
    saturday = MON + timedelta(days=5)
    days = duty_days([], {saturday: 1}, {}, today=saturday)
    assert [(d.on_date, d.patrols, d.clearing_missing) for d in days] == [(saturday, 1, True)]
    assert duty_days([MON], {}, {}, today=MON - timedelta(days=1)) == []
