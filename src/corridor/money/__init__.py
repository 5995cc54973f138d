"""Money: ISO 4217 currencies with their minor units, and an exact Money type.

Decimal in the domain, integer minor units in storage, never a float; every rounding
names its mode and hands back its residue.
"""

from corridor.money.amount import CurrencyMismatchError, Money, PrecisionLossError
from corridor.money.currency import (
    Currency,
    MoneyError,
    UnknownCurrencyError,
    all_currencies,
    currency,
    is_currency,
)

__all__ = [
    "Currency",
    "CurrencyMismatchError",
    "Money",
    "MoneyError",
    "PrecisionLossError",
    "UnknownCurrencyError",
    "all_currencies",
    "currency",
    "is_currency",
]
