"""The demo's calendar and clock: which business day a demo day is, and its hours.

Demo day 1 is the last London business day whose trading hours had ended when the demo
first ran (so a first run never books hours still to come); each later demo day is the
next London business day after the one before, whatever the wall clock says, so running
the demo again books the next day of the corridor. Everything the demo books is stamped at
the demo's time, the ledger's transfers included, so a day's statements hold that day.

A day's payments arrive from 01:00 to 16:30 UTC: the Hong Kong and Luohu morning first
(before the mainland's CNY cut-off at 17:00 Beijing time), then the London day (before
CHAPS closes at 17:40).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from corridor.calendar import add_business_days, is_business_day

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
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


def business_date(first: date, day: int) -> date:
    """The date of demo day `day`, demo day 1 being `first`."""
    return add_business_days("GB", first, day - 1)


class DemoClock:
    """The payments' time through a demo day: from OPENS, moved on by `advance`."""

    def __init__(self, on: date) -> None:
        self.now = datetime.combine(on, OPENS, tzinfo=UTC)
        self.closes = datetime.combine(on, CLOSES, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def ns(self) -> int:
        """The time in nanoseconds since the epoch: the ledger's clock in the demo, so
        what it books is stamped in the demo's day, as statements read it."""
        return (self.now - _EPOCH) // timedelta(microseconds=1) * 1000

    def advance(self, step: timedelta) -> None:
        """Move on by `step`, never past the day's close."""
        self.now = min(self.now + step, self.closes)

    def step_for(self, steps: int) -> timedelta:
        """The step that spreads `steps` batches evenly over the day."""
        return (self.closes - self.now) / max(steps, 1)
