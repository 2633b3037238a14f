from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from app.domain.window import check_term_dates, grab_closed_reason, opening_phase, plan_window

CST = timezone(timedelta(hours=8))
OPENS = datetime(2026, 9, 1, 11, 0, tzinfo=CST)


def test_defaults_are_a_24_hour_window_and_an_equal_round_two() -> None:
    window = plan_window(OPENS)
    assert window.closes_at == datetime(2026, 9, 2, 11, 0, tzinfo=CST)
    assert window.grab_opens_at == OPENS
    assert window.round2_opens_at == window.closes_at
    assert window.round2_closes_at == datetime(2026, 9, 3, 11, 0, tzinfo=CST)


def test_a_short_rehearsal_window() -> None:
    window = plan_window(OPENS, closes_at=OPENS + timedelta(minutes=10))
    assert window.round2_closes_at - window.round2_opens_at == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"closes_at": OPENS}, "close after it opens"),
        ({"grab_opens_at": OPENS - timedelta(minutes=1)}, "grab must open inside"),
        ({"grab_opens_at": OPENS + timedelta(hours=24)}, "grab must open inside"),
        ({"round2_opens_at": OPENS + timedelta(hours=23)}, "round two must open after"),
        (
            {
                "round2_opens_at": OPENS + timedelta(hours=25),
                "round2_closes_at": OPENS + timedelta(hours=25),
            },
            "round two must close after",
        ),
    ],
)
def test_window_order_is_checked(kwargs: dict[str, datetime], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_window(OPENS, **kwargs)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="UTC offset"):
        plan_window(datetime(2026, 9, 1, 11, 0))


def test_term_dates() -> None:
    check_term_dates(date(2026, 9, 1), date(2027, 1, 20), (date(2026, 9, 1), date(2026, 9, 30)))
    with pytest.raises(ValueError, match="end before it starts"):
        check_term_dates(date(2026, 9, 2), date(2026, 9, 1))
    with pytest.raises(ValueError, match="both"):
        check_term_dates(date(2026, 9, 1), date(2027, 1, 20), (date(2026, 9, 1), None))


def test_the_clock_alone_refuses_a_grab_outside_both_rounds() -> None:
    opens = datetime(2026, 9, 1, 11, tzinfo=UTC)
    window = plan_window(opens)  # round one 24 h, round two the next 24 h
    hour = timedelta(hours=1)
    assert grab_closed_reason(window, opens - hour) == "window-not-open"
    assert grab_closed_reason(window, opens) is None
    assert grab_closed_reason(window, window.closes_at - hour) is None
    assert grab_closed_reason(window, window.round2_opens_at) is None
    assert grab_closed_reason(window, window.round2_closes_at) == "window-closed"


@pytest.mark.parametrize("year", [1, 1999, 2201, 9999])
def test_a_window_far_from_any_school_year_is_refused_not_overflowed(year: int) -> None:
    with pytest.raises(ValueError, match="years"):
        plan_window(datetime(year, 12, 31, 23, tzinfo=UTC))


@pytest.mark.parametrize(
    ("minutes_after_opening", "phase"),
    [(-60, "before"), (-1, "before"), (0, "round1"), (60 * 24 - 1, "round1"),
     (60 * 24, "between"), (60 * 25, "round2"), (60 * 49 - 1, "round2"), (60 * 49, "closed")],
)  # fmt: skip
def test_the_opening_phase_follows_the_window(minutes_after_opening: int, phase: str) -> None:
    opens = datetime(2026, 9, 1, 11, 0, tzinfo=UTC)
    window = plan_window(
        opens, round2_opens_at=opens + timedelta(hours=25),
        round2_closes_at=opens + timedelta(hours=49),
    )  # fmt: skip
    assert opening_phase(window, opens + timedelta(minutes=minutes_after_opening)) == phase
