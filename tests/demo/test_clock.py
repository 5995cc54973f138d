"""The demo's calendar: demo day 1 is a finished London business day; later ones follow."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from corridor.demo.clock import CLOSES, DemoClock, business_date, first_day


def test_the_first_day_is_the_last_business_day_whose_hours_are_over() -> None:
    """Run on a Tuesday evening: that Tuesday. Run on Tuesday morning: Monday. Run on a
    Saturday or on Easter Monday: the Friday or Thursday before."""
    assert first_day(datetime(2026, 12, 1, 20, 0, tzinfo=UTC)) == date(2026, 12, 1)
    assert first_day(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) == date(2026, 11, 30)
    assert first_day(datetime(2026, 12, 5, 12, 0, tzinfo=UTC)) == date(2026, 12, 4)
    # Good Friday 3 April and Easter Monday 6 April 2026 are English bank holidays.
    assert first_day(datetime(2026, 4, 6, 20, 0, tzinfo=UTC)) == date(2026, 4, 2)


def test_later_days_are_the_following_business_days() -> None:
    """Day 2 after a Friday is the Monday; the days never repeat or go back."""
    first = first_day(datetime(2026, 12, 4, 18, 0, tzinfo=UTC))  # a Friday evening
    days = [business_date(first, n) for n in range(1, 6)]
    assert days[:2] == [date(2026, 12, 4), date(2026, 12, 7)]
    assert days == sorted(set(days))


def test_the_clock_runs_through_the_day_and_stops_at_its_close() -> None:
    """From 01:00 UTC, in even steps, never past 16:30."""
    clock = DemoClock(date(2026, 12, 1))
    assert clock() == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    step = clock.step_for(10)
    assert step == timedelta(minutes=93)
    for _ in range(12):
        clock.advance(step)
    assert clock().time() == CLOSES
