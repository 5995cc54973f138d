"""Money is exact: minor units without loss, named roundings with residues, no floats."""

from __future__ import annotations

import dataclasses
import decimal
import operator
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.money import (
    CurrencyMismatchError,
    Money,
    MoneyError,
    PrecisionLossError,
    all_currencies,
    currency,
)

CODES = [c.code for c in all_currencies()]
ROUNDINGS = [
    decimal.ROUND_CEILING,
    decimal.ROUND_FLOOR,
    decimal.ROUND_UP,
    decimal.ROUND_DOWN,
    decimal.ROUND_HALF_UP,
    decimal.ROUND_HALF_DOWN,
    decimal.ROUND_HALF_EVEN,
    decimal.ROUND_05UP,
]


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


# --- construction -------------------------------------------------------------------


def test_of_accepts_decimal_int_string_and_currency() -> None:
    """The three exact kinds of amount, and a code or a Currency."""
    assert Money.of(Decimal("1.50"), "GBP") == Money.of("1.5", currency("GBP"))
    assert Money.of(3, "JPY").amount == Decimal(3)
    assert Money.of("12.30", "HKD").currency.code == "HKD"


@pytest.mark.parametrize("amount", [1.1, 0.0, float("nan")])
def test_floats_are_refused_with_a_reason(amount: float) -> None:
    """A float cannot hold most decimal amounts exactly."""
    with pytest.raises(TypeError, match="never a float"):
        Money.of(amount, "GBP")  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", [True, False])
def test_bools_are_refused(amount: bool) -> None:
    """True is an int to Python, but it is not an amount."""
    with pytest.raises(TypeError, match="not an amount"):
        Money.of(amount, "GBP")
    with pytest.raises(TypeError):
        Money.from_minor_units(amount, "GBP")


def test_the_constructor_refuses_what_of_refuses() -> None:
    """Money(...) directly is checked too: no float or NaN gets in the back door."""
    with pytest.raises(TypeError, match="Decimal"):
        Money(0.1, currency("GBP"))  # type: ignore[arg-type]
    with pytest.raises(MoneyError, match="finite"):
        Money(Decimal("NaN"), currency("GBP"))
    with pytest.raises(TypeError, match="Currency"):
        Money(Decimal(1), "GBP")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "amount", ["NaN", "sNaN", "Infinity", "-Infinity", "1e", "twelve", "", " 1", "1_000"]
)
def test_non_amounts_are_refused(amount: str) -> None:
    """Only finite, plainly written decimal numbers are amounts."""
    with pytest.raises(MoneyError):
        Money.of(amount, "GBP")


@pytest.mark.parametrize("amount", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_non_finite_decimals_are_refused(amount: Decimal) -> None:
    """NaN and Infinity are not money."""
    with pytest.raises(MoneyError, match="finite"):
        Money.of(amount, "GBP")


def test_money_is_frozen() -> None:
    """A booked amount cannot change."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        gbp("1").amount = Decimal(2)  # type: ignore[misc]


# --- minor units --------------------------------------------------------------------


def test_a_fraction_of_a_penny_is_never_lost_silently() -> None:
    """GBP 1.005 has no pence form unless a rounding mode is named."""
    with pytest.raises(PrecisionLossError, match="name a rounding mode"):
        gbp("1.005").to_minor_units()
    assert gbp("1.005").to_minor_units(rounding=ROUND_HALF_EVEN) == 100
    assert gbp("1.015").to_minor_units(rounding=ROUND_HALF_EVEN) == 102
    assert gbp("1.005").to_minor_units(rounding=ROUND_HALF_UP) == 101
    assert gbp("-1.005").to_minor_units(rounding=ROUND_DOWN) == -100


@pytest.mark.parametrize(
    ("amount", "code", "units"),
    [
        ("100", "JPY", 100),
        ("1.234", "BHD", 1234),
        ("1.00", "GBP", 100),
        ("12.3", "HKD", 1230),
        ("0.01", "CNH", 1),
        ("-7.5", "USD", -750),
        ("1.0000", "EUR", 100),
        ("0", "CNY", 0),
    ],
)
def test_exact_amounts_convert_to_minor_units(amount: str, code: str, units: int) -> None:
    """Amounts within the minor unit convert exactly, trailing zeros or not."""
    assert Money.of(amount, code).to_minor_units() == units


@pytest.mark.parametrize(("code", "amount"), [("JPY", "100.5"), ("BHD", "1.2345")])
def test_each_currency_has_its_own_precision(code: str, amount: str) -> None:
    """What is exact in GBP may not be exact in JPY or BHD."""
    with pytest.raises(PrecisionLossError, match=code):
        Money.of(amount, code).to_minor_units()


def test_from_minor_units() -> None:
    """Pence, yen and fils become their amounts."""
    assert Money.from_minor_units(12345, "GBP") == gbp("123.45")
    assert Money.from_minor_units(100, "JPY") == Money.of(100, "JPY")
    assert Money.from_minor_units(1234, "BHD").amount == Decimal("1.234")


def test_amounts_beyond_the_default_28_digits_stay_exact() -> None:
    """Arithmetic never falls back to the caller's 28-digit decimal context."""
    big = gbp("12345678901234567890123456789.01")
    assert big.to_minor_units() == 1234567890123456789012345678901
    assert big + gbp("0.01") - gbp("0.01") == big
    assert (-big).amount == Decimal("-12345678901234567890123456789.01")
    assert Money.from_minor_units(10**40 + 1, "GBP").to_minor_units() == 10**40 + 1
    assert str(big) == "12,345,678,901,234,567,890,123,456,789.01 GBP"


def test_the_callers_decimal_context_does_not_matter() -> None:
    """A caller's low precision or rounding mode does not leak into money."""
    with decimal.localcontext(prec=3, rounding=ROUND_DOWN):
        total = gbp("1234.56") + gbp("0.01")
        product = gbp("1234.56") * Decimal("1.5")
    assert total == gbp("1234.57")
    assert product == gbp("1851.84")


def test_results_beyond_the_exact_range_raise_rather_than_round() -> None:
    """At the limit of what is held exactly, an error, never a silent rounding."""
    huge = Money.of("1E+999999", "GBP")
    with pytest.raises(PrecisionLossError):
        huge.to_minor_units()
    with pytest.raises(PrecisionLossError):
        huge + Money.of("1E-999999", "GBP")


# --- rounding and residues ----------------------------------------------------------


def test_rounding_hands_back_its_residue() -> None:
    """Every rounding names its mode and books its residue."""
    rounded, residue = gbp("10.005").round(ROUND_HALF_EVEN)
    assert rounded == gbp("10.00")
    assert residue == gbp("0.005")
    rounded, residue = gbp("10.015").round()
    assert (rounded, residue) == (gbp("10.02"), gbp("-0.005"))
    rounded, residue = gbp("10.005").round(ROUND_HALF_UP)
    assert (rounded, residue) == (gbp("10.01"), gbp("-0.005"))


def test_rounding_an_exact_amount_leaves_no_residue() -> None:
    """An amount already in minor units rounds to itself."""
    rounded, residue = gbp("3.10").round()
    assert rounded == gbp("3.10")
    assert residue.is_zero()


# --- arithmetic ---------------------------------------------------------------------


def test_addition_subtraction_negation_and_multiplication_are_exact() -> None:
    """No rounding happens in arithmetic; multiplication may go finer than the minor unit."""
    assert gbp("1.10") + gbp("2.205") == gbp("3.305")
    assert gbp("1.10") - gbp("2.20") == gbp("-1.10")
    assert -gbp("1.10") == gbp("-1.10")
    assert gbp("10.00") * Decimal("0.0025") == gbp("0.025")
    assert 3 * gbp("0.10") == gbp("0.30")
    assert gbp("0.10") * 3 == gbp("0.30")


def test_multiplication_refuses_floats_bools_and_non_finite_factors() -> None:
    """Rates are Decimals or ints."""
    with pytest.raises(TypeError, match="never a float"):
        gbp("1") * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError, match="never a float"):
        gbp("1") * True
    with pytest.raises(MoneyError, match="finite"):
        gbp("1") * Decimal("Infinity")
    with pytest.raises(TypeError):
        gbp("1") * "2"  # type: ignore[operator]


def test_currencies_never_mix() -> None:
    """GBP and CNY are not added, subtracted or compared: convert first."""
    pounds, yuan = gbp("1"), Money.of("1", "CNY")
    with pytest.raises(CurrencyMismatchError, match="GBP and CNY"):
        pounds + yuan
    with pytest.raises(CurrencyMismatchError):
        pounds - yuan
    for compare in (operator.lt, operator.le, operator.gt, operator.ge):
        with pytest.raises(CurrencyMismatchError):
            compare(pounds, yuan)
    with pytest.raises(CurrencyMismatchError):
        Money.of("1", "CNY") + Money.of("1", "CNH")
    assert pounds != yuan


def test_money_is_not_mixed_with_plain_numbers() -> None:
    """Adding or comparing a bare number is a type error."""
    with pytest.raises(TypeError):
        gbp("1") + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        gbp("1") < 2  # type: ignore[operator]  # noqa: B015


def test_comparisons_within_a_currency() -> None:
    """Amounts compare by value; trailing zeros do not matter."""
    assert gbp("1.00") == gbp("1")
    assert hash(gbp("1.00")) == hash(gbp("1"))
    assert gbp("1") < gbp("1.01")
    assert gbp("1") <= gbp("1.00")
    assert gbp("2") > gbp("-2")
    assert gbp("2") >= gbp("2.000")


def test_money_refuses_to_be_a_truth_value() -> None:
    """`if balance:` is a bug waiting to happen: ask is_zero() instead."""
    with pytest.raises(TypeError, match=r"is_zero\(\)"):
        bool(gbp("0"))
    assert gbp("0").is_zero()
    assert gbp("-0.00").is_zero()
    assert gbp("-1").is_negative()
    assert not gbp("-1").is_positive()
    assert gbp("1").is_positive()
    assert not gbp("0").is_positive()
    assert not gbp("0").is_negative()


# --- allocation ---------------------------------------------------------------------


def test_allocation_leaves_no_penny_behind() -> None:
    """GBP 10.00 three ways: the leftover penny goes to the first largest remainder."""
    parts = gbp("10.00").allocate([1, 1, 1])
    assert [p.to_minor_units() for p in parts] == [334, 333, 333]
    assert [str(p) for p in gbp("0.05").allocate([3, 7])] == ["0.02 GBP", "0.03 GBP"]
    assert gbp("100").allocate([1, 0, 1]) == [gbp("50"), gbp("0"), gbp("50")]


def test_allocating_a_negative_amount_mirrors_the_positive() -> None:
    """A refund splits the same way as the payment it reverses."""
    positive = gbp("0.05").allocate([1, 1])
    negative = gbp("-0.05").allocate([1, 1])
    assert negative == [-p for p in positive]


def test_allocation_needs_sensible_ratios_and_an_exact_amount() -> None:
    """Ratios are non-negative ints with a positive sum; the amount is whole minor units."""
    for bad in ([], [0, 0], [1, -1]):
        with pytest.raises(MoneyError):
            gbp("1").allocate(bad)
    with pytest.raises(TypeError):
        gbp("1").allocate([0.5, 0.5])  # type: ignore[list-item]
    with pytest.raises(PrecisionLossError):
        gbp("1.005").allocate([1, 1])


# --- display ------------------------------------------------------------------------


def test_display_uses_the_minor_unit_when_exact() -> None:
    """Amounts show as their currency writes them, or in full when finer."""
    assert str(gbp("1234.5")) == "1,234.50 GBP"
    assert str(Money.of("1234", "JPY")) == "1,234 JPY"
    assert str(Money.of("1.2", "BHD")) == "1.200 BHD"
    assert str(gbp("1.005")) == "1.005 GBP"
    assert str(gbp("-0")) == "0.00 GBP"
    assert str(Money.of("1E+999999", "GBP")) == "1E+999999 GBP"


# --- properties ---------------------------------------------------------------------

currencies = st.sampled_from(CODES)
units = st.integers(min_value=-(10**40), max_value=10**40)
amounts = st.decimals(allow_nan=False, allow_infinity=False, places=8).filter(
    lambda d: abs(d) < Decimal(10) ** 35
)


@given(currencies, units)
def test_minor_units_round_trip_for_every_currency(code: str, n: int) -> None:
    """from_minor_units and to_minor_units are inverses, well beyond 64 bits."""
    assert Money.from_minor_units(n, code).to_minor_units() == n


@given(currencies, amounts, st.sampled_from(ROUNDINGS))
def test_rounded_plus_residue_is_the_amount(code: str, amount: Decimal, mode: str) -> None:
    """Nothing is created or destroyed by rounding, in any mode."""
    money = Money.of(amount, code)
    rounded, residue = money.round(mode)
    assert rounded + residue == money
    assert Money.from_minor_units(rounded.to_minor_units(), code) == rounded
    assert abs(residue.amount) < Decimal(1).scaleb(-currency(code).minor_unit)


@given(
    currencies,
    units,
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(any),
)
def test_allocation_always_sums_to_the_whole(code: str, n: int, ratios: list[int]) -> None:
    """Allocated parts add up to the whole, to the minor unit, each within one unit."""
    money = Money.from_minor_units(n, code)
    parts = money.allocate(ratios)
    assert len(parts) == len(ratios)
    assert sum(p.to_minor_units() for p in parts) == n
    for part, ratio in zip(parts, ratios, strict=True):
        assert abs(part.to_minor_units() - Fraction(n * ratio, sum(ratios))) < 1
        if ratio == 0:
            assert part.is_zero()


@given(currencies, amounts, amounts)
def test_adding_then_subtracting_returns_the_amount(code: str, a: Decimal, b: Decimal) -> None:
    """Arithmetic is exact, far beyond the default 28 digits."""
    x, y = Money.of(a, code), Money.of(b, code)
    assert x + y - y == x
    assert x - y + y == x
    assert x + y == y + x
    negated = -x
    assert -negated == x
    assert (x + negated).is_zero()


@given(currencies, amounts, st.integers(min_value=-(10**12), max_value=10**12))
def test_multiplying_by_an_int_is_exact(code: str, a: Decimal, k: int) -> None:
    """k * x is exact: dividing back (in a wide, trapping context) gives x."""
    x = Money.of(a, code)
    product = x * k
    assert x * Decimal(k) == product
    with decimal.localcontext(decimal.Context(prec=200, traps=[decimal.Inexact])):
        assert product.amount == x.amount * k
        if k:
            assert product.amount / k == x.amount
