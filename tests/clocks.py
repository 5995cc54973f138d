"""Clocks the tests hold still and move themselves, so time-dependent rules (cut-offs,
value dates, hold timeouts) are tested at exact moments."""

from __future__ import annotations

from datetime import datetime, timedelta

NS = 10**9
"""Nanoseconds in a second: the ledger's unit of time."""


class Clock:
    """The payments' time (an aware datetime): still until the test moves `now`, or,
    with `tick`, moving on by that much at each look."""

    def __init__(self, now: datetime, tick: timedelta | None = None) -> None:
        self.now = now
        self.tick = tick

    def __call__(self) -> datetime:
        if self.tick is not None:
            self.now += self.tick
        return self.now


class LedgerClock:
    """The ledger's time, in nanoseconds since the epoch, moved only by the test."""

    def __init__(self, start_seconds: int = 1_750_000_000) -> None:
        self.now = start_seconds * NS

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: int = 0, nanoseconds: int = 0) -> None:
        """Move the clock forward."""
        self.now += seconds * NS + nanoseconds

    def set(self, nanoseconds: int) -> None:
        """Put the clock at an exact moment."""
        self.now = nanoseconds
