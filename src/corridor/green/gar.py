"""The green asset ratio (EU: taxonomy-aligned banking-book exposures over covered assets,
Disclosures Delegated Act 2021/2178), per currency and as the one ratio the KPI is, in a
reporting currency at the ECB reference rates of a stated day.

Exclusions: exposures to sovereigns, central banks and supranational issuers and the
trading book are out of numerator and denominator; exposures to undertakings outside the
CSRD, derivatives, on-demand interbank loans and other assets are in the denominator only
(they cannot be aligned: an aligned amount on one is refused, not dropped). The Article 7
text was not read here: these follow the secondary sources named in docs/green.md.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from pathlib import Path

import polars as pl

from corridor.fx import EcbRates, FxError, reference_rate
from corridor.green.errors import InputProblem, PositionsFileError
from corridor.green.positions import SHOWN
from corridor.money import is_currency
from corridor.money.currency import currency as currency_of


class Counterparty(StrEnum):
    """The exposure types the GAR rule distinguishes (the `counterparty_type` column)."""

    FINANCIAL_CSRD = "financial_csrd"
    NON_FINANCIAL_CSRD = "non_financial_csrd"
    HOUSEHOLD = "household"
    LOCAL_GOVERNMENT = "local_government"
    NON_CSRD = "non_csrd_undertaking"
    DERIVATIVE = "derivative"
    INTERBANK_ON_DEMAND = "interbank_on_demand"
    OTHER = "other"
    SOVEREIGN = "sovereign"
    CENTRAL_BANK = "central_bank"
    SUPRANATIONAL = "supranational"
    TRADING_BOOK = "trading_book"


EXCLUDED = {
    Counterparty.SOVEREIGN,
    Counterparty.CENTRAL_BANK,
    Counterparty.SUPRANATIONAL,
    Counterparty.TRADING_BOOK,
}
DENOMINATOR_ONLY = {
    Counterparty.NON_CSRD,
    Counterparty.DERIVATIVE,
    Counterparty.INTERBANK_ON_DEMAND,
    Counterparty.OTHER,
}
EXPOSURE_COLUMNS = ("exposure_id", "counterparty_type", "currency", "amount", "aligned_amount")
OPTIONAL_COLUMNS = ("country",)
"""The counterparty's country (ISO 3166 alpha-2): where given, the corridor view shows the
green share of the covered exposures by side of the corridor."""
Exposure = tuple[int, "Counterparty", str, Decimal, Decimal, str]
"""(line, counterparty type, currency, amount, aligned amount, country or '')."""
RATIO_PLACES = Decimal("0.0001")
ROUNDING = ROUND_HALF_EVEN
"""The ratio is shown to four places and amounts converted to the reporting currency to its
minor unit, both rounded half-even; the ratio is taken from the unrounded sums."""
_AMOUNT = re.compile(r"^[0-9]+(\.[0-9]+)?$")


@dataclass(frozen=True, slots=True)
class GreenAssetRatio:
    """GAR in one currency: aligned / covered assets, and what was excluded from both."""

    currency: str
    covered_assets: Decimal
    aligned: Decimal
    excluded: Decimal
    ratio: Decimal | None


@dataclass(frozen=True, slots=True)
class GarReport:
    """The GAR of an exposures file: per currency, and in all in the reporting currency."""

    by_currency: list[GreenAssetRatio]
    total: GreenAssetRatio | None
    """In the reporting currency, each currency converted at its ECB reference rate."""
    rates: dict[str, str] = field(default_factory=dict)
    """'CNY/EUR' → the rate used with its fixing date (the audit trail of the total)."""
    as_of: date | None = None
    by_country: list[tuple[str, str, Decimal, Decimal]] = field(default_factory=list)
    """(counterparty country, currency, covered, aligned) of the rows that name a country."""


def read_exposures(path: str | Path) -> list[Exposure]:
    """(line, counterparty type, currency, amount, aligned amount, country) of each row of
    an exposures CSV; raises PositionsFileError naming every problem by line and column."""
    shown = str(path)
    try:
        raw = pl.read_csv(path, infer_schema=False, raise_if_empty=True)
    except FileNotFoundError:
        raise PositionsFileError(shown, [InputProblem(0, "-", "no such file")]) from None
    except (pl.exceptions.PolarsError, UnicodeDecodeError, OSError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PositionsFileError(
            shown, [InputProblem(0, "-", f"not a readable UTF-8 CSV: {first}")]
        ) from None
    problems = [
        InputProblem(1, c, "required column is missing")
        for c in EXPOSURE_COLUMNS
        if c not in raw.columns
    ]
    known = (*EXPOSURE_COLUMNS, *OPTIONAL_COLUMNS)
    problems += [
        InputProblem(1, c, f"unknown column (the columns are {', '.join(known)})")
        for c in raw.columns
        if c not in known
    ]
    if problems:
        raise PositionsFileError(shown, problems)
    rows = []
    seen: dict[str, int] = {}
    for line, row in enumerate(raw.iter_rows(named=True), start=2):
        cells = dict.fromkeys(OPTIONAL_COLUMNS, "") | {k: (v or "").strip() for k, v in row.items()}
        found = _exposure(line, cells, seen)
        if isinstance(found, list):
            problems += found
        else:
            rows.append(found)
    if problems:
        raise PositionsFileError(shown, problems[:SHOWN], len(problems))
    return rows


def _exposure(
    line: int, row: dict[str, str], seen: dict[str, int]
) -> Exposure | list[InputProblem]:
    """One row checked: the exposure, or its problems."""
    problems = []
    key = row["exposure_id"]
    if not key:
        problems.append(InputProblem(line, "exposure_id", "is empty (a required value)"))
    elif key in seen:
        problems.append(
            InputProblem(line, "exposure_id", f"{key!r} appears on line {seen[key]} too")
        )
    else:
        seen[key] = line
    kinds = [c.value for c in Counterparty]
    kind = row["counterparty_type"]
    if kind not in kinds:
        problems.append(
            InputProblem(
                line, "counterparty_type", f"unknown type {kind!r} (one of {', '.join(kinds)})"
            )
        )
    code = row["currency"]
    if not is_currency(code):
        problems.append(
            InputProblem(line, "currency", f"unknown currency {code!r} (an ISO 4217 code)")
        )
    places = currency_of(code).minor_unit if is_currency(code) else None
    amount = _amount(line, "amount", row["amount"], places, problems, required=True)
    aligned = _amount(line, "aligned_amount", row["aligned_amount"], places, problems)
    if amount is not None and aligned is not None and aligned > amount:
        problems.append(
            InputProblem(line, "aligned_amount", f"{aligned} is more than the amount {amount}")
        )
    if kind in kinds and aligned and Counterparty(kind) in EXCLUDED | DENOMINATOR_ONLY:
        where = "excluded from the ratio" if Counterparty(kind) in EXCLUDED else "denominator only"
        problems.append(
            InputProblem(
                line,
                "aligned_amount",
                f"an exposure of type {kind} cannot count as aligned ({where}): leave it"
                " empty or 0",
            )
        )
    country = row["country"]
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        problems.append(
            InputProblem(
                line, "country", f"{country!r} is not an ISO 3166 alpha-2 code (GB, HK, CN…)"
            )
        )
    if problems or amount is None or aligned is None:
        return problems
    return line, Counterparty(kind), code, amount, aligned, country


def _amount(
    line: int,
    column: str,
    text: str,
    places: int | None,
    problems: list[InputProblem],
    *,
    required: bool = False,
) -> Decimal | None:
    """A plain decimal amount ≥ 0 with at most the currency's decimals (money is exact);
    an empty optional cell is 0. NaN, infinities, exponents and signs are refused."""
    if not text:
        if required:
            problems.append(InputProblem(line, column, "is empty (a required value)"))
            return None
        return Decimal(0)
    if text.startswith("-") and _AMOUNT.match(text[1:]):
        problems.append(InputProblem(line, column, f"{text!r} is negative"))
        return None
    if not _AMOUNT.match(text):
        problems.append(InputProblem(line, column, f"{text!r} is not an amount (e.g. 1250.50)"))
        return None
    value = Decimal(text)
    decimals = len(text.partition(".")[2])
    if places is not None and decimals > places:
        problems.append(
            InputProblem(line, column, f"{text!r} has more decimals than the currency's {places}")
        )
        return None
    return value


def green_asset_ratio(
    path: str | Path,
    reporting_currency: str = "EUR",
    on: date | None = None,
    rates: EcbRates | None = None,
) -> GarReport:
    """The GAR of an exposures CSV (columns EXPOSURE_COLUMNS, amounts in major units of
    each row's currency): per currency, and in all in `reporting_currency` at the ECB
    reference rates of `on` (default: the newest fixing). A malformed file, or a currency
    without a rate, is refused naming line and column; nothing is computed."""
    exposures = read_exposures(path)
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    countries: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 2)
    for _line, kind, code, amount, aligned, country in exposures:
        t = totals[code]
        if kind in EXCLUDED:
            t[2] += amount
            continue
        t[0] += amount
        t[1] += aligned
        if country:
            countries[(country, code)][0] += amount
            countries[(country, code)][1] += aligned
    by_country = [(c, k, v[0], v[1]) for (c, k), v in sorted(countries.items())]
    by_currency = [
        GreenAssetRatio(c, covered, aligned, excluded, _ratio(aligned, covered))
        for c, (covered, aligned, excluded) in sorted(totals.items())
    ]
    if not by_currency:
        return GarReport([], None)
    source = rates or EcbRates()
    day = on or source.last_date()
    factors, shown, problems = _rates(exposures, reporting_currency, day, source)
    if problems:
        raise PositionsFileError(str(path), problems[:SHOWN], len(problems))
    minor = Decimal(1).scaleb(-currency_of(reporting_currency).minor_unit)
    covered = sum((g.covered_assets * factors[g.currency] for g in by_currency), Decimal(0))
    aligned = sum((g.aligned * factors[g.currency] for g in by_currency), Decimal(0))
    excluded = sum((g.excluded * factors[g.currency] for g in by_currency), Decimal(0))
    total = GreenAssetRatio(
        reporting_currency,
        covered.quantize(minor, rounding=ROUNDING),
        aligned.quantize(minor, rounding=ROUNDING),
        excluded.quantize(minor, rounding=ROUNDING),
        _ratio(aligned, covered),
    )
    return GarReport(by_currency, total, shown, day, by_country)


def _ratio(aligned: Decimal, covered: Decimal) -> Decimal | None:
    return (aligned / covered).quantize(RATIO_PLACES, rounding=ROUNDING) if covered else None


def _rates(
    exposures: list[Exposure],
    quote: str,
    day: date,
    source: EcbRates,
) -> tuple[dict[str, Decimal], dict[str, str], list[InputProblem]]:
    """Units of `quote` per unit of each currency (exact), the rates as text, and a problem
    for each row whose currency has no rate."""
    factors: dict[str, Decimal] = {}
    shown: dict[str, str] = {}
    missing: dict[str, str] = {}
    for code in sorted({e[2] for e in exposures}):
        if code == quote:
            factors[code] = Decimal(1)
            continue
        try:
            rate = reference_rate(code, quote, day, rates=source)
        except FxError as error:
            missing[code] = f"cannot convert {code} to {quote} on {day}: {error}"
            continue
        factors[code] = rate.rate
        shown[f"{code}/{quote}"] = f"{rate.rate} (ECB reference, fixing of {rate.rate_date})"
    problems = [InputProblem(e[0], "currency", missing[e[2]]) for e in exposures if e[2] in missing]
    return factors, shown, problems
