"""Financed emissions of a positions file, end to end: read and check the file, convert
to the reporting currency at the ECB reference rate, attribute, total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from corridor.fx import EcbRates, FxError, reference_rate
from corridor.green.errors import GreenError
from corridor.green.pcaf import PortfolioResult, attribute, portfolio
from corridor.green.positions import read_positions


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
    `reporting_currency` at the ECB reference rates of `on` (default: the newest fixing)."""
    positions = read_positions(path)
    source = rates or EcbRates()
    day = on or source.last_date()
    currencies = sorted(positions["currency"].unique().to_list())
    to_reporting, shown = conversion_rates(currencies, reporting_currency, day, source)
    sovereign = positions.filter(pl.col("asset_class") == "sovereign_debt")
    to_usd, shown_usd = conversion_rates(
        sorted(sovereign["currency"].unique().to_list()), "USD", day, source
    )
    results = attribute(positions, to_reporting, to_usd)
    return FinancedEmissions(
        results, portfolio(results, reporting_currency), shown | shown_usd, day
    )
