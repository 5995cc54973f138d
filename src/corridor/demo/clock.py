"""The demo's calendar and clock: which business day a demo day is, and its hours.

Demo day 1 is the last London business day whose trading hours had ended when the demo
first ran (so a first run never books hours still to come); each later demo day is the
next London business day after the one before, whatever the wall clock says, so running
the demo again books the next day of the corridor. A day's payments arrive from 01:00 to
16:30 UTC: the Hong Kong and Luohu morning first (before the mainland's CNY cut-off at
17:00 Beijing time), then the London day (before CHAPS closes at 17:40).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from corridor.calendar import add_business_days, is_business_day

OPENS = time(1, 0)
CLOSES = time(16, 30)


def first_day(started: datetime) -> date:
    """Demo day 1: the last GB business day whose hours had ended at `started`."""
    day = started.astimezone(UTC).date()
    if started.astimezone(UTC).time() < CLOSES:
        day -= timedelta(days=1)
    while not is_business_day("GB", day):
        day -= timedelta(days=1)
    return day


def business_date(started: datetime, day: int) -> date:
    """The date of demo day `day`, the first day's demo having started at `started`."""
    return add_business_days("GB", first_day(started), day - 1)


class DemoClock:
    """The payments' time through a demo day: from OPENS, moved on by `advance`."""

    def __init__(self, on: date) -> None:
        self.now = datetime.combine(on, OPENS, tzinfo=UTC)
        self.closes = datetime.combine(on, CLOSES, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, step: timedelta) -> None:
        """Move on by `step`, never past the day's close."""
        self.now = min(self.now + step, self.closes)

    def step_for(self, steps: int) -> timedelta:
        """The step that spreads `steps` batches evenly over the day."""
        return (self.closes - self.now) / max(steps, 1)
