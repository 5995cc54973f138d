"""Dealable quotes: a reference rate less an institution's spread, valid until an expiry.

Rates in a quote are "buy per sell": how many units of the bought currency one unit of
the sold currency buys. The spread makes that number smaller, so the customer always
receives less than at the reference rate, whichever currency they sell.

A conversion is exact: sold amount × customer rate is computed as a Decimal without
loss, then rounded to the bought currency's minor unit by the desk's named rounding
mode; the difference (exact − rounded) comes back as `residue`, in the bought currency,
for the caller to book (to the desk's FX rounding account), never to drop.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType
from typing import Final
from uuid import UUID

from corridor.fx._exact import exact_decimal, named_rounding, round_fraction
from corridor.fx.ecb import EcbRates, published_by
from corridor.fx.errors import (
    FxConfigError,
    FxError,
    InvalidAmountError,
    NaiveDatetimeError,
    QuoteAmountExceededError,
    QuoteCurrencyError,
    QuoteExpiredError,
    QuoteNotYetValidError,
    SameCurrencyError,
    UnknownInstitutionError,
)
from corridor.fx.rates import (
    DEFAULT_CNH_BASIS,
    RATE_DECIMALS,
    ReferenceRate,
    fx_currency,
    reference_rate,
)
from corridor.fx.spreads import BASIS_POINTS, SpreadSchedule
from corridor.money import Currency, Money, PrecisionLossError

#: How long a quote can be dealt on by default.
DEFAULT_VALIDITY: Final = timedelta(seconds=30)
#: How a bought amount is rounded to minor units by default (banker's rounding).
DEFAULT_ROUNDING: Final = ROUND_HALF_EVEN
#: How reference × (1 − spread) is rounded to RATE_DECIMALS: toward zero, so the
#: customer rate never beats the spread it states (by less than 1e-10).
CUSTOMER_RATE_ROUNDING: Final = ROUND_DOWN

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND: Final = timedelta(milliseconds=1)


def quote_id_at(at: datetime) -> UUID:
    """A new UUIDv7 for a quote made at `at`: time-ordered by quote time, 74 random bits."""
    millis = (at - _EPOCH) // _MILLISECOND
    if not 0 <= millis < 1 << 48:
        raise FxError(f"a UUIDv7 quote id needs an instant from 1970 onwards, not {at}")
    rand = secrets.randbits(74)
    return UUID(
        int=millis << 80 | 0x7 << 76 | (rand >> 62) << 64 | 0b10 << 62 | (rand & ((1 << 62) - 1))
    )


@lru_cache(maxsize=4096)
def customer_rate(reference: Decimal, spread_bps: Decimal) -> Decimal:
    """reference × (1 − spread_bps / 10,000), to RATE_DECIMALS, rounded toward the desk."""
    exact = Fraction(reference) * (1 - Fraction(spread_bps) / Fraction(BASIS_POINTS))
    return round_fraction(exact, RATE_DECIMALS, CUSTOMER_RATE_ROUNDING)


@dataclass(frozen=True, slots=True)
class Conversion:
    """The result of dealing on a quote: `sold` became `bought` plus `residue`.

    `bought` is in whole minor units; `residue` (exact − bought, in the bought currency,
    positive or negative) is what rounding kept back: book it, never drop it.
    `bought.amount + residue.amount == sold.amount × rate` exactly.
    """

    quote_id: UUID
    sold: Money
    bought: Money
    residue: Money
    rate: Decimal
    at: datetime


@dataclass(frozen=True, slots=True)
class Quote:
    """A dealable rate for one institution: valid from `quoted_at` up to `expires_at`.

    `reference` is the mid rate (ECB, sell→buy), `spread_bps` what the institution pays
    over it, `customer_rate` the rate dealt at (buy per sell, worse for the customer
    than the reference by the spread). `bought` and `residue` are the conversion of
    the whole quoted `sell` amount. Times are UTC. The quote itself keeps no state:
    dealing on it once is the caller's (book the conversion under `quote_id`).
    """

    quote_id: UUID
    institution: str
    sell: Money
    buy_currency: Currency
    reference: ReferenceRate
    spread_bps: Decimal
    customer_rate: Decimal
    rounding: str
    quoted_at: datetime
    expires_at: datetime
    bought: Money
    residue: Money

    def is_open_at(self, at: datetime) -> bool:
        """Whether the quote can be dealt on at `at`: quoted_at ≤ at ≤ expires_at."""
        instant = _aware(at, "at")
        return self.quoted_at <= instant <= self.expires_at

    def convert(self, amount: Money, at: datetime) -> Conversion:
        """Convert `amount` (the sold currency, at most the quoted amount) at instant `at`.

        The quote is open up to and including `expires_at`; one microsecond later it
        raises QuoteExpiredError. Also raises QuoteCurrencyError, InvalidAmountError,
        QuoteAmountExceededError and QuoteNotYetValidError.
        """
        instant = _aware(at, "at")
        if not isinstance(amount, Money):
            raise TypeError(f"a quote converts Money, not {amount!r}")
        if amount.currency != self.sell.currency:
            raise QuoteCurrencyError(
                f"quote {self.quote_id} sells {self.sell.currency.code}, not {amount.currency.code}"
            )
        _check_amount(amount)
        if amount > self.sell:
            raise QuoteAmountExceededError(
                f"quote {self.quote_id} is for at most {self.sell}, not {amount}"
            )
        if instant < self.quoted_at:
            raise QuoteNotYetValidError(
                f"quote {self.quote_id} was made at {self.quoted_at.isoformat()};"
                f" {instant.isoformat()} is before it"
            )
        if instant > self.expires_at:
            raise QuoteExpiredError(
                f"quote {self.quote_id} expired at {self.expires_at.isoformat()};"
                f" {instant.isoformat()} is after it: ask for a new quote"
            )
        bought, residue = _convert(amount, self.customer_rate, self.buy_currency, self.rounding)
        return Conversion(self.quote_id, amount, bought, residue, self.customer_rate, instant)


class FxDesk:
    """Quotes dealable rates to institutions: ECB reference less the institution's spread.

    `spreads` maps an institution's id to its SpreadSchedule; `default` (if given) serves
    any other institution. A quote is valid for `validity` (30 s by default), rounds
    bought amounts with `rounding` (half-even by default), and prices CNH with
    `cnh_basis` CNH per CNY. `rates` defaults to the bundled ECB history;
    `new_quote_id` makes a quote's id from its time (UUIDv7 by default).
    """

    def __init__(
        self,
        spreads: Mapping[str, SpreadSchedule],
        *,
        default: SpreadSchedule | None = None,
        validity: timedelta = DEFAULT_VALIDITY,
        rounding: str = DEFAULT_ROUNDING,
        cnh_basis: Decimal | int | str = DEFAULT_CNH_BASIS,
        rates: EcbRates | None = None,
        new_quote_id: Callable[[datetime], UUID] = quote_id_at,
    ) -> None:
        for institution, schedule in spreads.items():
            if not isinstance(schedule, SpreadSchedule):
                raise TypeError(f"{institution!r} needs a SpreadSchedule, not {schedule!r}")
        if not isinstance(validity, timedelta) or validity <= timedelta(0):
            raise FxConfigError(f"a quote's validity is a positive timedelta, not {validity!r}")
        basis = exact_decimal(cnh_basis, "the CNH basis")
        if basis <= 0:
            raise FxConfigError(f"the CNH basis (CNH per CNY) is positive, not {basis}")
        self.spreads: Final[Mapping[str, SpreadSchedule]] = MappingProxyType(dict(spreads))
        self.default: Final = default
        self.validity: Final = validity
        self.rounding: Final = named_rounding(rounding)
        self.cnh_basis: Final = basis
        self._rates = rates
        self._new_quote_id = new_quote_id
        # A day's reference rate never changes once published: worked out once per pair.
        self._references: dict[tuple[str, str, date, str | None], ReferenceRate] = {}

    def spread_bps(self, institution: str, sell: str | Currency, buy: str | Currency) -> Decimal:
        """The spread in basis points `institution` pays to sell `sell` for `buy`."""
        schedule = self.spreads.get(institution, self.default)
        if schedule is None:
            raise UnknownInstitutionError(f"the desk has no spread schedule for {institution!r}")
        return schedule.bps(fx_currency(sell).code, fx_currency(buy).code)

    def reference(
        self, sell: Currency, buy: Currency, on: date, *, via: str | None = None
    ) -> ReferenceRate:
        """The ECB reference rate for `sell` in `buy` on day `on`, as `reference_rate`
        gives it (with this desk's CNH basis and rates), remembered per day."""
        key = (sell.code, buy.code, on, via)
        found = self._references.get(key)
        if found is None:
            found = reference_rate(
                sell, buy, on, via=via, cnh_basis=self.cnh_basis, rates=self._rates
            )
            self._references[key] = found
        return found

    def quote(
        self,
        institution: str,
        sell: Money | str | Currency,
        buy_currency: str | Currency,
        at: datetime,
        *,
        amount: Decimal | int | str | None = None,
        via: str | None = None,
    ) -> Quote:
        """A quote for `institution` selling `sell` (Money, or a currency and `amount`).

        The reference rate is the latest ECB fixing published by `at` (16:00 Frankfurt
        time; weekends and holidays fall back), crossed `via` EUR (default) or USD.
        """
        instant = _aware(at, "at")
        sold = _sell_money(sell, amount)
        bought_ccy = fx_currency(buy_currency)
        if bought_ccy == sold.currency:
            raise SameCurrencyError(f"a quote sells one currency for another, not {bought_ccy}")
        _check_amount(sold)
        bps = self.spread_bps(institution, sold.currency, bought_ccy)
        reference = self.reference(sold.currency, bought_ccy, published_by(instant), via=via)
        rate = customer_rate(reference.rate, bps)
        bought, residue = _convert(sold, rate, bought_ccy, self.rounding)
        return Quote(
            quote_id=self._new_quote_id(instant),
            institution=institution,
            sell=sold,
            buy_currency=bought_ccy,
            reference=reference,
            spread_bps=bps,
            customer_rate=rate,
            rounding=self.rounding,
            quoted_at=instant,
            expires_at=instant + self.validity,
            bought=bought,
            residue=residue,
        )

    def equivalent(
        self, institution: str, amount: Money, buy_currency: str | Currency, at: datetime
    ) -> Money:
        """What `amount` comes to in `buy_currency` at the rate `institution` would be
        quoted at `at` (rounded as a quote rounds): for limits and reports, not a deal, so
        no quote is made."""
        instant = _aware(at, "at")
        bought_ccy = fx_currency(buy_currency)
        _check_amount(amount)
        bps = self.spread_bps(institution, amount.currency, bought_ccy)
        reference = self.reference(amount.currency, bought_ccy, published_by(instant))
        rate = customer_rate(reference.rate, bps)
        return _convert(amount, rate, bought_ccy, self.rounding)[0]

    def restore(
        self,
        *,
        quote_id: UUID,
        institution: str,
        sell: Money,
        buy_currency: str | Currency,
        reference_rate: Decimal,
        spread_bps: Decimal,
        customer_rate: Decimal,
        rounding: str,
        quoted_at: datetime,
        expires_at: datetime,
    ) -> Quote:
        """A quote this desk made earlier, from what was kept of it: the reference rate is
        worked out again from the ECB fixing it was made on and must be the one kept, and
        the conversion of the quoted amount is redone. Raises FxError when the rate data
        no longer gives the kept reference rate."""
        instant = _aware(quoted_at, "quoted_at")
        bought_ccy = fx_currency(buy_currency)
        reference = self.reference(sell.currency, bought_ccy, published_by(instant))
        if reference.rate != reference_rate:
            raise FxError(
                f"quote {quote_id}: the reference rate of {reference.rate_date} is now"
                f" {reference.rate}, not the {reference_rate} it was quoted on"
            )
        bought, residue = _convert(sell, customer_rate, bought_ccy, named_rounding(rounding))
        return Quote(
            quote_id=quote_id,
            institution=institution,
            sell=sell,
            buy_currency=bought_ccy,
            reference=reference,
            spread_bps=spread_bps,
            customer_rate=customer_rate,
            rounding=named_rounding(rounding),
            quoted_at=instant,
            expires_at=_aware(expires_at, "expires_at"),
            bought=bought,
            residue=residue,
        )


def _aware(at: datetime, what: str) -> datetime:
    if not isinstance(at, datetime):
        raise TypeError(f"{what} is a timezone-aware datetime, not {at!r}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise NaiveDatetimeError(f"{what} is timezone-aware; {at.isoformat()} has no zone")
    # In UTC, adding the validity is plain elapsed time (no wall-clock DST jumps).
    return at.astimezone(UTC)


def _sell_money(sell: Money | str | Currency, amount: Decimal | int | str | None) -> Money:
    if isinstance(sell, Money):
        if amount is not None:
            raise TypeError("give the amount sold as Money, or a currency and amount, not both")
        return sell
    if amount is None:
        raise TypeError(f"selling {sell}: say how much (amount=...)")
    return Money.of(amount, fx_currency(sell))


def _check_amount(amount: Money) -> None:
    try:
        amount.to_minor_units()
    except PrecisionLossError:
        raise InvalidAmountError(
            f"{amount.amount} {amount.currency.code} is not in whole minor units"
            f" ({amount.currency.minor_unit} decimals)"
        ) from None
    if not amount.is_positive():
        raise InvalidAmountError(f"an amount to convert is positive, not {amount}")


def _convert(
    sold: Money, rate: Decimal, bought_currency: Currency, rounding: str
) -> tuple[Money, Money]:
    exact = sold * rate  # Money multiplies exactly or raises; never rounds silently
    return Money(exact.amount, bought_currency).round(rounding)
