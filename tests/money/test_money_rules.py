"""Money is exact: currencies' minor units, conversions that refuse to lose precision."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corridor.money import (
    CurrencyMismatchError,
    Money,
    MoneyError,
    PrecisionLossError,
    UnknownCurrencyError,
    all_currencies,
    currency,
    is_currency,
)

CODES = [c.code for c in all_currencies()]


@pytest.mark.parametrize(
    ("code", "minor_unit"),
    [
        ("GBP", 2),
        ("CNY", 2),
        ("HKD", 2),
        ("USD", 2),
        ("EUR", 2),
        ("JPY", 0),
        ("BHD", 3),
        ("CNH", 2),
    ],
)
def test_corridor_currencies_have_their_minor_units(code: str, minor_unit: int) -> None:
    """ISO 4217 minor units, plus CNH (offshore renminbi, a market code)."""
    assert currency(code).minor_unit == minor_unit
    assert is_currency(code)


def test_cnh_is_offshore_renminbi_without_a_numeric_code() -> None:
    """CNH is not in ISO 4217: no numeric code, same minor unit as CNY."""
    cnh = currency("CNH")
    assert cnh.numeric is None
    assert cnh.minor_unit == currency("CNY").minor_unit
    assert currency("CNY").numeric == 156


@pytest.mark.parametrize("code", ["XAU", "gbp", "ABC", "", "GBPX"])
def test_unknown_or_unitless_codes_are_refused(code: str) -> None:
    """Lower case, made-up codes and metals without minor units are not money here."""
    assert not is_currency(code)
    with pytest.raises(UnknownCurrencyError, match="unknown currency"):
        currency(code)


def test_a_fraction_of_a_penny_is_never_lost_silently() -> None:
    """GBP 1.005 is an error unless a rounding mode is named."""
    with pytest.raises(PrecisionLossError, match="name a rounding mode"):
        Money.of("1.005", "GBP").to_minor_units()
    assert Money.of("1.005", "GBP").to_minor_units(ROUND_HALF_EVEN) == 100
    assert Money.of("1.015", "GBP").to_minor_units(ROUND_HALF_EVEN) == 102
    assert Money.of("1.005", "GBP").to_minor_units(ROUND_HALF_UP) == 101


@pytest.mark.parametrize(
    ("amount", "code", "units"),
    [("100", "JPY", 100), ("1.234", "BHD", 1234), ("12.30", "HKD", 1230), ("0", "CNY", 0)],
)
def test_exact_amounts_convert_to_minor_units(amount: str, code: str, units: int) -> None:
    """Amounts within the minor unit convert exactly."""
    assert Money.of(amount, code).to_minor_units() == units


def test_floats_and_bools_are_refused() -> None:
    """Money is never a float."""
    with pytest.raises(TypeError, match="never a float"):
        Money.of(1.1, "GBP")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of("1", "GBP") * 1.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money.of(True, "GBP")  # type: ignore[arg-type]


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1e", "twelve"])
def test_non_amounts_are_refused(amount: str) -> None:
    """Only finite decimal numbers are amounts."""
    with pytest.raises(MoneyError):
        Money.of(amount, "GBP")


def test_money_refuses_to_be_a_truth_value() -> None:
    """`if balance:` is a bug waiting to happen: ask is_zero() instead."""
    with pytest.raises(TypeError, match="is_zero"):
        bool(Money.of("0", "GBP"))
    assert Money.of("0", "GBP").is_zero()
    assert Money.of("-1", "GBP").is_negative()
    assert Money.of("1", "GBP").is_positive()


def test_currencies_never_mix() -> None:
    """GBP and CNY are not added, subtracted or compared."""
    gbp, cny = Money.of("1", "GBP"), Money.of("1", "CNY")
    with pytest.raises(CurrencyMismatchError, match="convert first"):
        gbp + cny
    with pytest.raises(CurrencyMismatchError):
        gbp < cny  # noqa: B015


def test_rounding_hands_back_its_residue() -> None:
    """Every rounding names its mode and books its residue."""
    rounded, residue = Money.of("10.005", "GBP").round(ROUND_HALF_EVEN)
    assert rounded == Money.of("10.00", "GBP")
    assert residue == Money.of("0.005", "GBP")


def test_allocation_sums_exactly() -> None:
    """Splitting GBP 10.00 three ways leaves no penny behind."""
    parts = Money.of("10.00", "GBP").allocate([1, 1, 1])
    assert [p.to_minor_units() for p in parts] == [334, 333, 333]


def test_display_uses_the_minor_unit() -> None:
    """Amounts show as their currency writes them."""
    assert str(Money.of("1234.5", "GBP")) == "1,234.50 GBP"
    assert str(Money.of("1234", "JPY")) == "1,234 JPY"


@given(st.sampled_from(CODES), st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_minor_units_round_trip(code: str, units: int) -> None:
    """from_minor_units and to_minor_units are inverses for every currency."""
    assert Money.from_minor_units(units, code).to_minor_units() == units


@given(
    st.sampled_from(CODES),
    st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, places=6),
)
def test_rounded_plus_residue_is_the_amount(code: str, amount: Decimal) -> None:
    """Nothing is created or destroyed by rounding."""
    money = Money.of(amount, code)
    rounded, residue = money.round()
    assert rounded + residue == money
    # The rounded part is whole minor units: converting it loses nothing and raises nothing.
    assert Money.from_minor_units(rounded.to_minor_units(), code) == rounded


@given(
    st.integers(min_value=0, max_value=10**15),
    st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=12).filter(any),
)
def test_allocation_always_sums_to_the_whole(units: int, ratios: list[int]) -> None:
    """Allocated parts add up to the whole, to the minor unit."""
    money = Money.from_minor_units(units, "HKD")
    parts = money.allocate(ratios)
    assert sum(p.to_minor_units() for p in parts) == units
    assert all(not p.is_negative() for p in parts)


@given(
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9
    ),
    st.decimals(
        allow_nan=False, allow_infinity=False, places=2, min_value=-(10**9), max_value=10**9
    ),
)
def test_adding_then_subtracting_returns_the_amount(a: Decimal, b: Decimal) -> None:
    """Arithmetic is exact."""
    x, y = Money.of(a, "CNY"), Money.of(b, "CNY")
    assert x + y - y == x
