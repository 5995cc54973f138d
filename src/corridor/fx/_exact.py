"""Exact arithmetic for rates: Decimal in, Fraction in between, one named rounding out."""

from __future__ import annotations

import decimal
from decimal import Context, Decimal, Inexact, InvalidOperation
from fractions import Fraction

from corridor.fx.errors import FxConfigError

#: Every rounding mode the decimal module names; a desk is configured with one of these.
ROUNDINGS = frozenset(
    {
        decimal.ROUND_CEILING,
        decimal.ROUND_DOWN,
        decimal.ROUND_FLOOR,
        decimal.ROUND_HALF_DOWN,
        decimal.ROUND_HALF_EVEN,
        decimal.ROUND_HALF_UP,
        decimal.ROUND_UP,
        decimal.ROUND_05UP,
    }
)

# Wide enough for any rate; quantize raises InvalidOperation rather than lose a digit.
_CONTEXT = Context(prec=200, traps=[InvalidOperation])
# Reads a configured number exactly or not at all.
_PARSE = Context(prec=200, traps=[InvalidOperation, Inexact])


def exact_decimal(value: Decimal | int | str, what: str) -> Decimal:
    """`value` as a finite Decimal; floats and bools are refused (TypeError), as in money."""
    if isinstance(value, float):
        raise TypeError(f"{what} is never a float (0.1 has no exact binary form): {value!r}")
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"{what} is a Decimal, an int or a decimal string, not {value!r}")
    try:
        result = _PARSE.create_decimal(value)
    except (InvalidOperation, Inexact):
        raise FxConfigError(f"{what} is not a number: {value!r}") from None
    if not result.is_finite():
        raise FxConfigError(f"{what} is finite, not {value!r}")
    return result


def named_rounding(rounding: str) -> str:
    """`rounding` if it is one of the decimal module's rounding modes, else FxConfigError."""
    if rounding not in ROUNDINGS:
        raise FxConfigError(
            f"unknown rounding {rounding!r}: name one of {', '.join(sorted(ROUNDINGS))}"
        )
    return rounding


def round_fraction(value: Fraction, places: int, rounding: str) -> Decimal:
    """`value` rounded once, by `rounding`, to exactly `places` decimals.

    The exact quotient is reduced to its integer part at one more digit plus a sticky
    digit (1 below a half, 5 at exactly a half, 9 above) that decimal then rounds:
    no intermediate rounding, so no double-rounding error.
    """
    scaled = abs(value) * 10**places
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if rest == 0:
        sticky = 0
    elif 2 * rest < scaled.denominator:
        sticky = 1
    elif 2 * rest == scaled.denominator:
        sticky = 5
    else:
        sticky = 9
    digits = whole * 10 + sticky
    signed = Decimal(-digits if value < 0 else digits).scaleb(-(places + 1), context=_CONTEXT)
    return signed.quantize(Decimal(1).scaleb(-places), rounding=rounding, context=_CONTEXT)
