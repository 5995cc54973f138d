"""Currencies: ISO 4217 minor units from the iso4217 package, plus CNH."""

from __future__ import annotations

import dataclasses

import pytest

from corridor.money import (
    Currency,
    MoneyError,
    UnknownCurrencyError,
    all_currencies,
    currency,
    is_currency,
)


@pytest.mark.parametrize(
    ("code", "minor_unit", "numeric"),
    [
        ("GBP", 2, 826),
        ("CNY", 2, 156),
        ("HKD", 2, 344),
        ("USD", 2, 840),
        ("EUR", 2, 978),
        ("JPY", 0, 392),
        ("BHD", 3, 48),
        ("KWD", 3, 414),
        ("CLF", 4, 990),
        ("CNH", 2, None),
    ],
)
def test_currencies_have_their_iso_minor_units(code: str, minor_unit: int, numeric: int) -> None:
    """The minor unit (exponent) and numeric code are ISO 4217's."""
    ccy = currency(code)
    assert ccy.code == code
    assert ccy.minor_unit == minor_unit
    assert ccy.numeric == numeric
    assert is_currency(code)


def test_cnh_is_offshore_renminbi() -> None:
    """CNH is a market code, not ISO 4217: no numeric code, CNY's minor unit."""
    cnh = currency("CNH")
    assert cnh == Currency("CNH", 2, "Chinese yuan (offshore)", None)
    assert cnh.minor_unit == currency("CNY").minor_unit
    assert cnh in all_currencies()


@pytest.mark.parametrize("code", ["XAU", "XAG", "XDR", "XTS", "XXX"])
def test_codes_without_a_minor_unit_are_left_out(code: str) -> None:
    """ISO's "N.A." minor units (metals, SDR, testing) cannot be counted in minor units."""
    assert not is_currency(code)
    with pytest.raises(UnknownCurrencyError, match=f"'{code}'.*no minor unit"):
        currency(code)


@pytest.mark.parametrize("code", ["gbp", "Gbp", "ABC", "", "GBPX", " GBP", "GB"])
def test_unknown_codes_are_refused_by_name(code: str) -> None:
    """Codes are case-sensitive; the error names the code it refused."""
    assert not is_currency(code)
    with pytest.raises(UnknownCurrencyError, match=f"unknown currency {code!r}"):
        currency(code)


def test_unknown_currency_is_a_money_error_and_a_value_error() -> None:
    """Callers can catch one base class for every money rule."""
    assert issubclass(UnknownCurrencyError, MoneyError)
    assert issubclass(MoneyError, ValueError)


def test_all_currencies_are_sorted_unique_and_countable() -> None:
    """Every listed currency has a minor unit and is found by its code."""
    codes = [c.code for c in all_currencies()]
    assert codes == sorted(set(codes))
    assert len(codes) > 150
    for ccy in all_currencies():
        assert len(ccy.code) == 3
        assert ccy.code.isupper()
        assert ccy.code.isalpha()
        assert ccy.minor_unit in (0, 2, 3, 4)
        assert ccy.name
        assert currency(ccy.code) is ccy
        assert is_currency(ccy.code)


def test_currency_is_frozen() -> None:
    """A currency's minor unit cannot be changed under the ledger's feet."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        currency("GBP").minor_unit = 3  # type: ignore[misc]
    assert str(currency("HKD")) == "HKD"
