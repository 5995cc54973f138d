"""Money: an exact Decimal amount in one currency, integer minor units at the boundary."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from corridor.money.currency import Currency, MoneyError, currency


class PrecisionLossError(MoneyError):
    """An amount is not converted to minor units with a loss unless a rounding mode is named."""


class CurrencyMismatchError(MoneyError):
    """Amounts in different currencies are never added, subtracted or compared."""


def _currency(value: str | Currency) -> Currency:
    return value if isinstance(value, Currency) else currency(value)


def _decimal(amount: Decimal | int | str) -> Decimal:
    if isinstance(amount, float):
        raise TypeError("money is never a float: pass a Decimal, an int or a string")
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int | str):
        raise TypeError(f"not an amount: {amount!r}")
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise MoneyError(f"not an amount: {amount!r}") from None
    if not value.is_finite():
        raise MoneyError(f"an amount must be finite, not {amount!r}")
    return value


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount of one currency. Never a float; never silently rounded."""

    amount: Decimal
    currency: Currency

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str | Currency) -> Money:
        """Money from a Decimal, an int or a decimal string (floats are refused)."""
        return cls(_decimal(amount), _currency(currency))

    @classmethod
    def from_minor_units(cls, units: int, currency: str | Currency) -> Money:
        """Money from an integer count of minor units (pence, fen, cents…)."""
        if isinstance(units, bool) or not isinstance(units, int):
            raise TypeError(f"minor units are an int, not {units!r}")
        ccy = _currency(currency)
        return cls(Decimal(units).scaleb(-ccy.minor_unit), ccy)

    def to_minor_units(self, rounding: str | None = None) -> int:
        """The amount in minor units; exact unless a decimal rounding mode is named.

        Without `rounding`, an amount finer than the currency's minor unit (GBP 1.005)
        raises PrecisionLossError rather than lose the fraction silently.
        """
        scaled = self.amount.scaleb(self.currency.minor_unit)
        whole = scaled.to_integral_value(rounding=rounding or ROUND_HALF_EVEN)
        if rounding is None and whole != scaled:
            raise PrecisionLossError(
                f"{self.amount} {self.currency.code} has more than"
                f" {self.currency.minor_unit} decimals; name a rounding mode to round it"
            )
        return int(whole)

    def round(self, rounding: str = ROUND_HALF_EVEN) -> tuple[Money, Money]:
        """(rounded to minor units, residue): the two add up to this amount exactly."""
        rounded = Money.from_minor_units(self.to_minor_units(rounding), self.currency)
        return rounded, Money(self.amount - rounded.amount, self.currency)

    def allocate(self, ratios: Sequence[int]) -> list[Money]:
        """Split into parts in proportion to `ratios`, in whole minor units that sum exactly
        to this amount (largest remainder: leftover units go to the largest fractions)."""
        if not ratios or any(r < 0 for r in ratios) or sum(ratios) == 0:
            raise MoneyError("allocate needs non-negative ratios with a positive sum")
        total = self.to_minor_units()
        weight = sum(ratios)
        shares = [total * r // weight for r in ratios]
        order = sorted(range(len(ratios)), key=lambda i: -(total * ratios[i] % weight))
        for i in order[: total - sum(shares)]:
            shares[i] += 1
        return [Money.from_minor_units(s, self.currency) for s in shares]

    def _same(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine money with {other!r}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"{self.currency.code} and {other.currency.code} do not mix: convert first"
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float | bool) or not isinstance(factor, Decimal | int):
            raise TypeError("money is multiplied by an int or a Decimal, never a float")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def __bool__(self) -> bool:
        raise TypeError("ask money an explicit question: is_zero(), is_positive() or is_negative()")

    def is_zero(self) -> bool:
        """Whether the amount is exactly zero."""
        return self.amount == 0

    def is_positive(self) -> bool:
        """Whether the amount is above zero."""
        return self.amount > 0

    def is_negative(self) -> bool:
        """Whether the amount is below zero."""
        return self.amount < 0

    def __str__(self) -> str:
        exponent = Decimal(1).scaleb(-self.currency.minor_unit)
        shown = (
            self.amount.quantize(exponent)
            if self.amount.quantize(exponent) == self.amount
            else self.amount
        )
        return f"{shown:,} {self.currency.code}"
