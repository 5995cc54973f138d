"""Financed emissions of a positions file, end to end: read and check the file, convert
to the reporting currency at the ECB reference rate, attribute, total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from corridor.fx import EcbRates, FxError, reference_rate
from corridor.green.errors import GreenError, InputProblem, PositionsFileError
from corridor.green.pcaf import PortfolioResult, attribute, portfolio
from corridor.green.positions import SHOWN as _SHOWN
from corridor.green.positions import read_positions
from corridor.green.real_estate import metered_scope2


class ConversionError(GreenError):
    """Every currency of a positions file converts to the reporting currency (and to USD,
    for sovereign debt) at an ECB reference rate on the reporting date."""


@dataclass(frozen=True, slots=True)
class FinancedEmissions:
    """A positions file's per-position results, its portfolio totals, and the rates used."""

    positions: pl.DataFrame
    portfolio: PortfolioResult
    rates: dict[str, str]
    """'CNY/EUR' → the reference rate used, with its fixing date, for the audit trail."""
    as_of: date


def conversion_rates(
    currencies: list[str], quote: str, on: date, rates: EcbRates | None = None
) -> tuple[dict[str, float], dict[str, str]]:
    """Units of `quote` per unit of each currency (as floats, for analytics), and the rate
    used for each as text with its fixing date."""
    factors: dict[str, float] = {}
    shown: dict[str, str] = {}
    for code in currencies:
        if code == quote:
            factors[code] = 1.0
            continue
        try:
            rate = reference_rate(code, quote, on, rates=rates)
        except FxError as error:
            raise ConversionError(f"cannot convert {code} to {quote} on {on}: {error}") from None
        factors[code] = float(rate.rate)
        shown[f"{code}/{quote}"] = f"{rate.rate} (ECB reference, fixing of {rate.rate_date})"
    return factors, shown


def financed_emissions(
    path: str | Path,
    reporting_currency: str = "EUR",
    on: date | None = None,
    rates: EcbRates | None = None,
) -> FinancedEmissions:
    """PCAF financed emissions of the positions in `path` (the CSV of positions.py), in
    `reporting_currency` at the ECB reference rates of `on` (default: the newest fixing).
    A currency without a rate is the file's problem: refused naming its lines."""
    positions = read_positions(path)
    source = rates or EcbRates()
    day = on or source.last_date()
    sovereign = positions.filter(pl.col("asset_class") == "sovereign_debt")
    to_reporting, shown, missing = _rates_of(positions, reporting_currency, day, source)
    to_usd, shown_usd, missing_usd = _rates_of(sovereign, "USD", day, source)
    if missing or missing_usd:
        problems = _unconvertible(positions, missing) + _unconvertible(sovereign, missing_usd)
        problems.sort(key=lambda p: p.line)
        total = positions.filter(pl.col("currency").is_in(list(missing))).height + (
            sovereign.filter(pl.col("currency").is_in(list(missing_usd))).height
        )
        raise PositionsFileError(str(path), problems[:_SHOWN], total)
    positions = metered_scope2(positions, day.year, str(path))
    results = attribute(positions, to_reporting, to_usd)
    return FinancedEmissions(
        results, portfolio(results, reporting_currency), shown | shown_usd, day
    )


def _rates_of(
    positions: pl.DataFrame, quote: str, day: date, source: EcbRates
) -> tuple[dict[str, float], dict[str, str], dict[str, str]]:
    """The rates to `quote` of the positions' currencies, as `conversion_rates` gives them,
    and for each currency without one, why (an ISO code the ECB does not publish, say)."""
    factors: dict[str, float] = {}
    shown: dict[str, str] = {}
    missing: dict[str, str] = {}
    for code in sorted(positions["currency"].unique().to_list()):
        try:
            found, text = conversion_rates([code], quote, day, source)
        except ConversionError as error:
            missing[code] = str(error)
            continue
        factors |= found
        shown |= text
    return factors, shown, missing


def _unconvertible(positions: pl.DataFrame, missing: dict[str, str]) -> list[InputProblem]:
    """The first lines of each currency that cannot be converted, as the file's problems."""
    problems = []
    for code, why in missing.items():
        lines = positions.filter(pl.col("currency") == code)["_line"].head(_SHOWN)
        problems += [InputProblem(int(line), "currency", why) for line in lines]
    return problems
