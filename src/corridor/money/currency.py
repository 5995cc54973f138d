"""Currencies: ISO 4217 codes with their minor units, plus the market code CNH."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import iso4217


class MoneyError(ValueError):
    """Base of every money rule broken by an input."""


class UnknownCurrencyError(MoneyError):
    """A currency must be an ISO 4217 code with minor units (or CNH)."""


@dataclass(frozen=True, slots=True)
class Currency:
    """A currency and its minor unit: the number of decimals an amount may carry."""

    code: str
    minor_unit: int
    name: str
    numeric: int | None

    def __str__(self) -> str:
        return self.code


def _load() -> dict[str, Currency]:
    # Codes without a minor unit in ISO 4217 (gold, SDR, testing codes: "N.A.") are not
    # money a ledger can count in minor units, so they are left out.
    table = {
        c.code: Currency(c.code, int(c.exponent), c.currency_name, int(c.number))
        for c in iso4217.Currency
        if c.exponent is not None
    }
    # Offshore renminbi: a market code (not in ISO 4217) for CNY settled outside the
    # mainland, e.g. in Hong Kong; same minor unit as CNY, no numeric code.
    table["CNH"] = Currency("CNH", 2, "Chinese yuan (offshore)", None)
    return table


_CURRENCIES = MappingProxyType(_load())


def currency(code: str) -> Currency:
    """The currency with this code; raises UnknownCurrencyError naming the code."""
    try:
        return _CURRENCIES[code]
    except (KeyError, TypeError):
        raise UnknownCurrencyError(
            f"unknown currency {code!r}: expected an ISO 4217 code such as GBP, HKD, CNY (or CNH)"
        ) from None


def is_currency(code: str) -> bool:
    """Whether `code` names a currency the ledger can hold (a dict look-up: hot-path safe)."""
    return code in _CURRENCIES


def all_currencies() -> list[Currency]:
    """Every known currency, by code."""
    return [_CURRENCIES[c] for c in sorted(_CURRENCIES)]
