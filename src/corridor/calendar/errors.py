"""The calendar's errors: every one is a ValueError, so a caller's bad input stays a 422."""

from __future__ import annotations


class CalendarError(ValueError):
    """Base of every calendar rule: a date is asked of a known country, an instant is aware."""

    status_code = 422


class UnknownCountryError(CalendarError):
    """A country is one of the corridor's three: GB (England & Wales), HK or CN (mainland)."""


class UnsupportedCurrencyError(CalendarError):
    """A value date needs a cut-off, and only the currencies in the cut-off table have one."""


class NaiveDateTimeError(CalendarError):
    """An instant carries its time zone: 17:30 means nothing until we know whose 17:30."""


class CalendarCoverageError(CalendarError):
    """A mainland day is only judged inside the years whose official holiday and make-up
    working-day schedule (调休) the bundled data holds; beyond them the answer is unknown,
    not guessed."""
