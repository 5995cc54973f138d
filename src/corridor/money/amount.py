"""Money: an exact Decimal amount in one currency, integer minor units at the boundary.

All arithmetic runs in one private decimal context, never the caller's: it holds up to
PRECISION significant digits and traps Inexact, so a result that would need rounding
raises PrecisionLossError instead of being rounded (the default context would round
silently at 28 digits). Rounding happens only where a caller names its mode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
)

from corridor.money.currency import Currency, MoneyError, currency

#: Significant digits an amount or a result may have (a u128 balance has 39).
PRECISION = 1000

# Overflow and Underflow are kinds of Inexact, so they are trapped too. The context's
# flags are shared and never read; each trap depends only on the operation at hand.
_EXACT = Context(
    prec=PRECISION,
    rounding=ROUND_HALF_EVEN,
    Emax=999_999,
    Emin=-999_999,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)


class PrecisionLossError(MoneyError):
    """No amount loses a digit unless a rounding mode is named (GBP 1.005 has no pence form)."""


class CurrencyMismatchError(MoneyError):
    """Amounts in different currencies are never added, subtracted or compared: convert first."""


def _exact(
    op: Callable[[Decimal, Decimal | int], Decimal], x: Decimal, y: Decimal | int
) -> Decimal:
    try:
        return op(x, y)
    except Inexact:
        raise PrecisionLossError(
            f"the result is beyond {PRECISION} significant digits (or the exponent range);"
            " money is never rounded silently"
        ) from None


def _currency(value: str | Currency) -> Currency:
    return value if isinstance(value, Currency) else currency(value)


def _decimal(amount: Decimal | int | str) -> Decimal:
    if isinstance(amount, float):
        raise TypeError(
            "money is never a float (0.1 has no exact binary form):"
            " pass a Decimal, an int or a decimal string"
        )
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int | str):
        raise TypeError(f"not an amount: {amount!r}; pass a Decimal, an int or a decimal string")
    try:
        # Unlike Decimal(), create_decimal refuses whitespace and underscores in strings.
        return _EXACT.create_decimal(amount)
    except Inexact:
        raise PrecisionLossError(
            f"{amount!r} is beyond {PRECISION} significant digits (or the exponent range)"
        ) from None
    except InvalidOperation:
        raise MoneyError(f"not an amount: {amount!r}") from None


@dataclass(frozen=True, slots=True)
class Money:
    """An exact, finite amount of one currency. Never a float; never silently rounded."""

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money.amount is a Decimal, not {self.amount!r}: use Money.of")
        if not self.amount.is_finite():
            raise MoneyError(f"an amount is finite, not {self.amount}")
        if not isinstance(self.currency, Currency):
            raise TypeError(f"Money.currency is a Currency, not {self.currency!r}: use Money.of")

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str | Currency) -> Money:
        """Money from a Decimal, an int or a decimal string; floats and bools are refused."""
        return cls(_decimal(amount), _currency(currency))

    @classmethod
    def from_minor_units(cls, units: int, currency: str | Currency) -> Money:
        """Money from an integer count of minor units (pence, fen, cents…)."""
        if isinstance(units, bool) or not isinstance(units, int):
            raise TypeError(f"minor units are an int, not {units!r}")
        ccy = _currency(currency)
        return cls(_exact(_EXACT.scaleb, Decimal(units), -ccy.minor_unit), ccy)

    def to_minor_units(self, rounding: str | None = None) -> int:
        """The amount in minor units: exact, or rounded only by a named decimal rounding mode.

        Without `rounding`, an amount finer than the currency's minor unit (GBP 1.005)
        raises PrecisionLossError rather than lose the fraction silently.
        """
        scaled = _exact(_EXACT.scaleb, self.amount, self.currency.minor_unit)
        if rounding is None:
            whole = scaled.to_integral_value(context=_EXACT)
            if whole != scaled:
                raise PrecisionLossError(
                    f"{self.amount} {self.currency.code} has more than"
                    f" {self.currency.minor_unit} decimals; name a rounding mode to round it"
                )
        else:
            whole = scaled.to_integral_value(rounding=rounding, context=_EXACT)
        return int(whole)

    def round(self, rounding: str = ROUND_HALF_EVEN) -> tuple[Money, Money]:
        """(rounded to minor units, residue): the two add up to this amount exactly."""
        rounded = Money.from_minor_units(self.to_minor_units(rounding), self.currency)
        return rounded, Money(_exact(_EXACT.subtract, self.amount, rounded.amount), self.currency)

    def allocate(self, ratios: Sequence[int]) -> list[Money]:
        """Split into whole minor units in proportion to `ratios`, summing exactly to this.

        Largest remainder: each part gets the floor of its share, and the units left
        over go one each to the parts with the largest fractions (ties: earlier first).
        A negative amount splits as the mirror image of its positive.
        """
        if any(isinstance(r, bool) or not isinstance(r, int) for r in ratios):
            raise TypeError(f"ratios are ints, not {list(ratios)!r}")
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise MoneyError("allocate needs non-negative ratios with a positive sum")
        total = self.to_minor_units()
        units, weight = abs(total), sum(ratios)
        shares = [units * r // weight for r in ratios]
        order = sorted(range(len(ratios)), key=lambda i: -(units * ratios[i] % weight))
        for i in order[: units - sum(shares)]:
            shares[i] += 1
        sign = -1 if total < 0 else 1
        return [Money.from_minor_units(sign * s, self.currency) for s in shares]

    def _same(self, other: Money) -> Decimal:
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"{self.currency.code} and {other.currency.code} do not mix: convert first"
            )
        return other.amount

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(_exact(_EXACT.add, self.amount, self._same(other)), self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(_exact(_EXACT.subtract, self.amount, self._same(other)), self.currency)

    def __neg__(self) -> Money:
        return Money(self.amount.copy_negate(), self.currency)  # exact, unlike -amount

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float | bool):
            raise TypeError("money is multiplied by an int or a Decimal, never a float or bool")
        if not isinstance(factor, Decimal | int):
            return NotImplemented
        if isinstance(factor, Decimal) and not factor.is_finite():
            raise MoneyError(f"money is multiplied by a finite factor, not {factor}")
        return Money(_exact(_EXACT.multiply, self.amount, factor), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount < self._same(other)

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount <= self._same(other)

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount > self._same(other)

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount >= self._same(other)

    def __bool__(self) -> bool:
        raise TypeError("money has no truth value: call is_zero(), is_positive() or is_negative()")

    def is_zero(self) -> bool:
        """Whether the amount is exactly zero."""
        return self.amount.is_zero()

    def is_positive(self) -> bool:
        """Whether the amount is above zero."""
        return self.amount > 0

    def is_negative(self) -> bool:
        """Whether the amount is below zero."""
        return self.amount < 0

    def __str__(self) -> str:
        """'1,234.50 GBP': to the currency's minor unit when exact, else the full Decimal."""
        places = Decimal(1).scaleb(-self.currency.minor_unit)
        try:
            shown = _EXACT.quantize(self.amount, places)
        except (Inexact, InvalidOperation):  # finer than the minor unit, or too long to pad
            shown = self.amount
        return f"{shown.copy_abs() if shown.is_zero() else shown:,} {self.currency.code}"
