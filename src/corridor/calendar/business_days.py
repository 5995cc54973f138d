"""Business days in the corridor's three places: GB (England & Wales), HK and CN (mainland).

A business day is a day a place's interbank payment system settles customer payments:

- GB: Monday to Friday except the England & Wales bank holidays (`holidays`, subdivision
  ENG), the days CHAPS and the Bank of England's RTGS are closed. Scotland's and Northern
  Ireland's extra bank holidays leave London settlement open, so they do not count.
- HK: Monday to Friday except the general holidays (`holidays` HK). CHATS does not settle
  on Saturdays, although some branches open.
- CN: the mainland working days of the State Council's yearly schedule (`chinese-calendar`):
  weekends and public holidays are off, and the make-up working days (调休), a Saturday or
  Sunday declared a working day, are ON. Outside the years the installed data covers
  (`MAINLAND_YEARS`) a mainland question raises `CalendarCoverageError`; see
  `_is_mainland_working_day` for why nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from functools import lru_cache

import chinese_calendar
import holidays
from holidays.constants import OPTIONAL, PUBLIC

from corridor.calendar.errors import CalendarCoverageError, CalendarError, UnknownCountryError


class Country(StrEnum):
    """A place whose business days the corridor knows (ISO 3166-1 alpha-2)."""

    GB = "GB"  # England & Wales: London settlement
    HK = "HK"
    CN = "CN"  # mainland China: Luohu (Shenzhen) settles onshore


_ONE_DAY = dt.timedelta(days=1)
_SATURDAY = 5  # date.weekday(): Monday is 0
# No place closes for a year; a longer search means broken data, which we say rather than loop.
_LONGEST_SEARCH = 366

_CN_DAYS_OFF: frozenset[dt.date] = frozenset(chinese_calendar.holidays)
_CN_MAKE_UP_WORKING_DAYS: frozenset[dt.date] = frozenset(chinese_calendar.workdays)
MAINLAND_YEARS: range = range(
    min(day.year for day in _CN_DAYS_OFF), max(day.year for day in _CN_DAYS_OFF) + 1
)
"""The years whose official mainland schedule the installed `chinese-calendar` holds."""


def as_country(code: Country | str) -> Country:
    """The corridor country with this code (case-sensitive); raises UnknownCountryError."""
    try:
        return Country(code)
    except ValueError:
        hint = " (the United Kingdom is GB)" if code == "UK" else ""
        known = ", ".join(Country)
        raise UnknownCountryError(
            f"unknown country {code!r}{hint}: expected one of {known}"
        ) from None


def is_business_day(country: Country | str, day: dt.date) -> bool:
    """Whether `day` is a business day in `country` (see the module docstring for the rules)."""
    place = as_country(country)
    day = _as_date(day)
    if place is Country.CN:
        return _is_mainland_working_day(day)
    return day.weekday() < _SATURDAY and day not in _bank_holidays(place, day.year)


def is_business_day_everywhere(countries: Iterable[Country | str], day: dt.date) -> bool:
    """Whether `day` is a business day in every one of `countries` (at least one)."""
    places = _required(_countries(countries))
    return all(is_business_day(place, day) for place in places)


def next_business_day(country: Country | str, day: dt.date) -> dt.date:
    """`day` itself if it is a business day in `country`, else the first one after it.

    This is the "following" roll: idempotent, and the identity on business days.
    """
    return next_business_day_everywhere((as_country(country),), day)


def next_business_day_everywhere(countries: Iterable[Country | str], day: dt.date) -> dt.date:
    """The first day on or after `day` that is a business day in every one of `countries`."""
    places = _required(_countries(countries))
    candidate = _as_date(day)
    for _ in range(_LONGEST_SEARCH):
        if all(is_business_day(place, candidate) for place in places):
            return candidate
        candidate = _step(candidate, _ONE_DAY)
    raise CalendarError(
        f"no business day in {', '.join(places)} within {_LONGEST_SEARCH} days of {day}"
    )


def add_business_days(country: Country | str, day: dt.date, days: int) -> dt.date:
    """The `days`-th business day in `country` after `day` (before it when `days` < 0).

    `day` itself need not be a business day: from a Saturday, +1 is the next business
    day. With `days` == 0 it is `next_business_day(country, day)`.
    """
    place = as_country(country)
    day = _as_date(day)
    if days == 0:
        return next_business_day(place, day)
    step = _ONE_DAY if days > 0 else -_ONE_DAY
    remaining = abs(days)
    while remaining:
        day = _step(day, step)
        if is_business_day(place, day):
            remaining -= 1
    return day


def _is_mainland_working_day(day: dt.date) -> bool:
    # Refuse rather than guess beyond the data: the make-up working days are decreed each
    # autumn for the next year and follow no formula, and `holidays.China`'s projection
    # has none of them. A wrong guess is a value date on which CNAPS is shut (or a missed
    # working Saturday), which costs more than an error that says to upgrade the package.
    if day.year not in MAINLAND_YEARS:
        raise CalendarCoverageError(
            f"no official mainland holiday schedule for {day.year} (date {day}): the "
            f"installed chinese-calendar covers {MAINLAND_YEARS.start}–{MAINLAND_YEARS.stop - 1}; "
            "upgrade it once the State Council has published that year's schedule"
        )
    if day in _CN_MAKE_UP_WORKING_DAYS:
        return True
    return day.weekday() < _SATURDAY and day not in _CN_DAYS_OFF


@lru_cache(maxsize=512)
def _bank_holidays(place: Country, year: int) -> frozenset[dt.date]:
    if place is Country.GB:
        table = holidays.country_holidays("GB", subdiv="ENG", years=year)
    else:
        # `holidays` files Hong Kong's statutory holidays (Employment Ordinance, Cap. 57)
        # as PUBLIC and its general holidays (General Holidays Ordinance, Cap. 149), the
        # days banks and CHATS close, as OPTIONAL. Both are taken: the general holidays
        # include every statutory one on a weekday, so the union is the bank-holiday list
        # and stays right if the two ever part.
        table = holidays.country_holidays("HK", years=year, categories=(OPTIONAL, PUBLIC))
    return frozenset(table)


def _as_date(day: dt.date) -> dt.date:
    # A datetime is a date to Python, but which place's date it is depends on a zone:
    # refuse it rather than silently take its wall-clock date.
    if isinstance(day, dt.datetime):
        raise CalendarError(
            f"expected a date, got the datetime {day.isoformat()}: take its date in the "
            "place's time zone first, or ask value_date() about an instant"
        )
    if not isinstance(day, dt.date):
        raise CalendarError(f"expected a date, got {type(day).__name__} {day!r}")
    return day


def _countries(countries: Iterable[Country | str]) -> tuple[Country, ...]:
    """Each named country once, in order; a bare string is refused, not split into letters."""
    if isinstance(countries, str):
        raise CalendarError(
            f"expected a collection of country codes such as ('GB', 'CN'), got the string "
            f"{countries!r}"
        )
    return tuple(dict.fromkeys(as_country(code) for code in countries))


def _required(places: tuple[Country, ...]) -> tuple[Country, ...]:
    if not places:
        raise CalendarError("name at least one country: GB, HK or CN")
    return places


def _step(day: dt.date, delta: dt.timedelta) -> dt.date:
    try:
        return day + delta
    except OverflowError:
        raise CalendarError(f"no business day can be found beyond {day}") from None
