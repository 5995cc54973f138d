"""Currencies: ISO 4217 codes with their minor units, plus the market code CNH."""

from __future__ import annotations

from dataclasses import dataclass

import iso4217


class MoneyError(ValueError):
    """Base of every money rule: an amount is exact, finite and in one known currency."""


class UnknownCurrencyError(MoneyError):
    """A currency is an ISO 4217 code (three upper-case letters) with a minor unit, or CNH."""


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency and its minor unit: the number of decimals an amount may carry."""

    code: str
    minor_unit: int
    name: str
    numeric: int | None

    def __str__(self) -> str:
        return self.code


def _load() -> tuple[dict[str, Currency], frozenset[str]]:
    # ISO 4217 gives some codes no minor unit ("N.A."): gold, silver and other metals,
    # the SDR, bond-market units, XTS (testing) and XXX (no currency). They are left out
    # rather than given 0 decimals: a ledger counts money in whole minor units, and
    # pretending XAU has 0 decimals would silently round every fraction of an ounce.
    table: dict[str, Currency] = {}
    unitless: set[str] = set()
    for c in iso4217.Currency:
        if c.exponent is None:
            unitless.add(c.code)
        else:
            table[c.code] = Currency(c.code, int(c.exponent), c.currency_name, int(c.number))
    # Offshore renminbi: a market code (not in ISO 4217) for CNY traded and settled
    # outside the mainland, e.g. in Hong Kong; same minor unit as CNY, no numeric code.
    table["CNH"] = Currency("CNH", 2, "Chinese yuan (offshore)", None)
    return table, frozenset(unitless)


# A plain dict: is_currency() is on the ledger's hot path. Private, so never mutated.
_BY_CODE, _UNITLESS = _load()
_ALL = tuple(_BY_CODE[code] for code in sorted(_BY_CODE))


def currency(code: str) -> Currency:
    """The currency with this code (case-sensitive); raises UnknownCurrencyError naming it."""
    try:
        return _BY_CODE[code]
    except (KeyError, TypeError):
        if isinstance(code, str) and code in _UNITLESS:
            reason = "ISO 4217 gives it no minor unit, so a ledger cannot count it"
        else:
            reason = "expected an ISO 4217 code such as GBP, HKD, CNY (or CNH)"
        raise UnknownCurrencyError(f"unknown currency {code!r}: {reason}") from None


def is_currency(code: str) -> bool:
    """Whether `code` names a currency the ledger can hold (one dict look-up)."""
    return code in _BY_CODE


def all_currencies() -> tuple[Currency, ...]:
    """Every known currency, sorted by code."""
    return _ALL
