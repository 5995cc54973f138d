"""The positions CSV that `corridor green pcaf` reads: its columns, and the checks that
refuse a malformed file whole, every problem named by line and column.

One row per loan or investment. Amounts are in the row's `currency`, in major units with at
most the currency's decimals; emissions in tCO2e per year; `gdp_ppp` in international USD.
The columns (docs/green.md has the full table):

required  position_id, asset_class, currency, outstanding, scope1, scope2, data_quality
optional  counterparty, sector, country, evic, market_cap, minority_interest, cash,
          total_equity, total_debt, total_assets, value_at_origination, gdp_ppp,
          scope1_incl_lulucf, scope3, data_quality_scope3, revenue, physical_output,
          physical_unit, emissions_source, vintage, electricity_kwh, grid

A position whose emissions cells (scope1, scope2, data_quality, scope3 and its score) are all
empty is one without emissions data: it counts in the outstanding but is not covered (PCAF
Chapter 6 reports the share covered).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import polars as pl

from corridor.green.errors import InputProblem, PositionsFileError
from corridor.green.impact import known_grids
from corridor.money import is_currency
from corridor.money.currency import currency as currency_of


class AssetClass(StrEnum):
    """The seven PCAF Part A asset classes, with listed equity and corporate bonds, business
    loans and unlisted equity, and commercial real estate and mortgages told apart."""

    LISTED_EQUITY = "listed_equity"
    CORPORATE_BOND = "corporate_bond"
    BUSINESS_LOAN = "business_loan"
    UNLISTED_EQUITY = "unlisted_equity"
    PROJECT_FINANCE = "project_finance"
    COMMERCIAL_REAL_ESTATE = "commercial_real_estate"
    MORTGAGE = "mortgage"
    MOTOR_VEHICLE_LOAN = "motor_vehicle_loan"
    SOVEREIGN_DEBT = "sovereign_debt"


REQUIRED = (
    "position_id",
    "asset_class",
    "currency",
    "outstanding",
    "scope1",
    "scope2",
    "data_quality",
)
TEXT = ("counterparty", "sector", "country", "physical_unit", "emissions_source", "grid")
AMOUNTS = (
    "evic",
    "market_cap",
    "minority_interest",
    "cash",
    "total_equity",
    "total_debt",
    "total_assets",
    "value_at_origination",
    "revenue",
)
NON_NEGATIVE = (
    "evic",
    "market_cap",
    "minority_interest",
    "cash",
    "total_debt",
    "total_assets",
    "value_at_origination",
    "gdp_ppp",
    "scope1",
    "scope2",
    "scope3",
    "revenue",
    "physical_output",
    "electricity_kwh",
)
"""Total equity may be negative (it then counts as 0), and so may a country's production
emissions including LULUCF (a net sink); nothing else may."""
NUMBERS = (
    *AMOUNTS,
    "outstanding",
    "gdp_ppp",
    "scope1",
    "scope1_incl_lulucf",
    "scope2",
    "scope3",
    "physical_output",
    "electricity_kwh",
)
SCORES = ("data_quality", "data_quality_scope3")
EMISSIONS = ("scope1", "scope2", "data_quality")
"""Given together, or all left empty for a position without emissions data (a building's
scope 2 may instead come from its metered electricity: `electricity_kwh` and `grid`)."""
REAL_ESTATE = ("commercial_real_estate", "mortgage")
OPTIONAL = (
    *TEXT,
    *AMOUNTS,
    "gdp_ppp",
    "scope1_incl_lulucf",
    "scope3",
    "data_quality_scope3",
    "physical_output",
    "vintage",
    "electricity_kwh",
)
COLUMNS = (*REQUIRED, *OPTIONAL)
SHOWN = 20
"""Problems kept per refused file: enough to fix it, not a flood (the count says the rest)."""
_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"


def read_positions(path: str | Path) -> pl.DataFrame:
    """The positions of a CSV file, checked whole and typed; raises PositionsFileError
    naming every problem (line and column) when any row is malformed."""
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
    return validate_positions(raw, shown)


def validate_positions(raw: pl.DataFrame, shown: str = "positions") -> pl.DataFrame:
    """Check an all-text frame of positions (as read from CSV) and return it typed:
    Float64 numbers, Int8 scores, nulls where optional cells are empty."""
    missing = [c for c in REQUIRED if c not in raw.columns]
    unknown = [c for c in raw.columns if c not in COLUMNS]
    problems = [InputProblem(1, c, "required column is missing") for c in missing]
    problems += [
        InputProblem(1, c, "unknown column (the documented columns are in docs/green.md)")
        for c in unknown
    ]
    if problems:
        raise PositionsFileError(shown, problems)
    frame = _trimmed(raw).with_columns(
        [pl.lit(None, pl.String).alias(c) for c in OPTIONAL if c not in raw.columns]
    )
    frame = frame.with_row_index("_line", offset=2)  # the header is line 1
    # Each number is parsed once: the checks and the typed result read the parsed column;
    # `_plain_<column>` says whether its text was a plain decimal (null where empty).
    work = frame.with_columns(
        *[pl.col(c).str.contains(_DECIMAL).alias(f"_plain_{c}") for c in NUMBERS],
        pl.col("outstanding")
        .str.extract(r"\.([0-9]+)$")
        .str.len_chars()
        .fill_null(0)
        .alias("_outstanding_decimals"),
    ).with_columns(*[pl.col(c).cast(pl.Float64, strict=False) for c in NUMBERS])
    bad_numbers = [
        (~pl.col(f"_plain_{c}") | pl.col(c).is_infinite()).fill_null(False) for c in NUMBERS
    ]
    work = work.with_columns(pl.any_horizontal(bad_numbers).alias("_bad_number"))
    checks = _checks(work)
    flagged = work.select(
        "_line", *[expr.alias(f"{i}") for i, (_column, _message, expr) in enumerate(checks)]
    )
    counts = flagged.select(pl.all().exclude("_line").sum()).row(0)
    total = sum(int(n or 0) for n in counts)
    if total:
        for i, (column, message, _expr) in enumerate(checks):
            if not counts[i]:
                continue
            lines = flagged.filter(pl.col(f"{i}"))["_line"].head(SHOWN).to_list()
            problems += [
                InputProblem(int(line), column, _say(message, frame, line, column))
                for line in lines
            ]
        problems.sort(key=lambda p: (p.line, COLUMNS.index(p.column)))
        raise PositionsFileError(shown, problems[:SHOWN], total)
    return _typed(work)


def _trimmed(raw: pl.DataFrame) -> pl.DataFrame:
    """Cells without the blanks around them, a blank cell empty (null); only the columns
    that have such a cell are rewritten (trimming every cell of a big file costs seconds)."""
    blank = (pl.all() == "") | pl.all().str.contains(r"^\s|\s$")
    padded = raw.select(blank.any()).row(0, named=True) if raw.width else {}
    return raw.with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c, has in padded.items() if has
    )


def _checks(frame: pl.DataFrame) -> list[tuple[str, str, pl.Expr]]:
    """(column, message, expression true on an offending row) for every rule of the format,
    over the frame with its numbers parsed (validate_positions)."""
    checks: list[tuple[str, str, pl.Expr]] = []
    for column in ("position_id", "asset_class", "currency", "outstanding"):
        checks.append((column, "is empty (a required value)", ~_given(column)))
    # Emissions come whole (scope 1, scope 2 and their score) or not at all: a position
    # without emissions data is counted in the outstanding and left out of the coverage.
    with_emissions = pl.any_horizontal(
        [
            _given(c)
            for c in (
                *EMISSIONS,
                "scope3",
                "data_quality_scope3",
                "scope1_incl_lulucf",
                "electricity_kwh",
            )
        ]
    )
    metered = _given("electricity_kwh")
    for column in EMISSIONS:
        lacking = with_emissions & ~_given(column)
        if column == "scope2":  # a building's metered electricity gives its scope 2
            lacking = lacking & ~metered
        checks.append(
            (
                column,
                "is empty: a position with emissions data gives scope1, scope2 and data_quality"
                " (leave every emissions cell empty for a position without data)",
                lacking,
            )
        )
    grids = sorted(known_grids())
    checks += [
        (
            "electricity_kwh",
            "applies to real estate only (commercial_real_estate, mortgage): a building's"
            " metered electricity, from which its scope 2 is computed",
            metered & ~pl.col("asset_class").is_in(REAL_ESTATE),
        ),
        (
            "electricity_kwh",
            "give scope2 or the metered electricity it is computed from, not both",
            metered & _given("scope2"),
        ),
        (
            "grid",
            "is empty: metered electricity names its grid (one of " + ", ".join(grids) + ")",
            metered & ~_given("grid"),
        ),
        (
            "grid",
            "unknown grid {value} (one of " + ", ".join(grids) + ")",
            _given("grid") & ~pl.col("grid").is_in(grids),
        ),
        ("grid", "is given without electricity_kwh", _given("grid") & ~metered),
    ]
    checks.append(
        (
            "data_quality_scope3",
            "is empty: scope 3 emissions carry their own data quality score (PCAF Ch. 6)",
            _given("scope3") & pl.col("data_quality_scope3").is_null(),
        )
    )
    ids = pl.col("position_id")
    checks.append(
        (
            "position_id",
            "{value} appears on an earlier line too",
            ids.is_not_null() & ~ids.is_first_distinct(),
        )
    )
    classes = [a.value for a in AssetClass]
    checks.append(
        (
            "asset_class",
            "unknown asset class {value} (one of " + ", ".join(classes) + ")",
            pl.col("asset_class").is_not_null() & ~pl.col("asset_class").is_in(classes),
        )
    )
    codes = frame["currency"].drop_nulls().unique().to_list()
    known = [c for c in codes if is_currency(c)]
    checks.append(
        (
            "currency",
            "unknown currency {value} (an ISO 4217 code such as GBP, HKD, CNY, or CNH)",
            pl.col("currency").is_not_null() & ~pl.col("currency").is_in(known),
        )
    )
    for column in NUMBERS:
        plain, number = pl.col(f"_plain_{column}"), pl.col(column)
        checks.append(
            (column, "{value} is not a number", (~plain | number.is_infinite()).fill_null(False))
        )
        if column in (*NON_NEGATIVE, "outstanding"):
            checks.append((column, "{value} is negative", plain & (number < 0)))
    # An amount has no more decimals than its currency's minor unit (money is exact).
    minor = pl.col("currency").replace_strict(
        {c: currency_of(c).minor_unit for c in known}, default=None, return_dtype=pl.Int32
    )
    checks.append(
        (
            "outstanding",
            "{value} has more decimals than the currency's minor unit",
            pl.col("_plain_outstanding") & (pl.col("_outstanding_decimals") > minor),
        )
    )
    for column in SCORES:
        text = pl.col(column)
        checks.append(
            (
                column,
                "{value} is not a data quality score 1 to 5",
                text.is_not_null() & ~text.is_in(["1", "2", "3", "4", "5"]),
            )
        )
    vintage = pl.col("vintage")
    checks.append(
        (
            "vintage",
            "{value} is not a year (YYYY)",
            vintage.is_not_null() & ~vintage.str.contains(r"^(19|20)[0-9]{2}$"),
        )
    )
    # What a row lacks is judged on its numbers once they read: a cell that is not a
    # number is named as such, not also as missing.
    sound = ~pl.col("_bad_number")
    checks += [(c, m, sound & e) for c, m, e in _denominator_checks()]
    checks += [(c, m, sound & e) for c, m, e in _sovereign_checks(with_emissions)]
    return checks


def _given(column: str) -> pl.Expr:
    """Whether the cell has a value at all (a number's text, even one that does not read)."""
    return (pl.col(f"_plain_{column}") if column in NUMBERS else pl.col(column)).is_not_null()


def _present(column: str) -> pl.Expr:
    return pl.col(column).is_not_null()


def _value(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Float64)


def _positive(column: str) -> pl.Expr:
    return _value(column).fill_null(0) > 0


def evic_from_components() -> pl.Expr:
    """EVIC from its parts where `evic` itself is not given (PCAF §5.1, the EU TEG's
    definition): market capitalisation + book value of total debt + minority interests.
    Cash is never deducted (it would let an enterprise value fall to zero or below).
    Null unless the market capitalisation and the debt are both known."""
    return pl.when(_present("market_cap") & _present("total_debt")).then(
        _value("market_cap") + _value("total_debt") + _value("minority_interest").fill_null(0)
    )


def equity_plus_debt() -> pl.Expr:
    """Book equity (negative counting as 0, PCAF §5.2 note 90) + total debt, when both
    are known; null when either is missing (never debt alone)."""
    return pl.when(_present("total_equity") & _present("total_debt")).then(
        _value("total_equity").clip(lower_bound=0) + _value("total_debt")
    )


def _denominator_checks() -> list[tuple[str, str, pl.Expr]]:
    """Each asset class has the denominator PCAF names for it (positions.py, pcaf.py)."""
    # A repaid position (outstanding 0) is attributed nothing and needs no denominator.
    cls = pl.when(_positive("outstanding")).then(pl.col("asset_class"))
    company = cls.is_in(["business_loan", "unlisted_equity", "corporate_bond"])
    has_evic = _positive("evic") | (evic_from_components().fill_null(0) > 0)
    has_book = equity_plus_debt().fill_null(0) > 0
    no_book_value = ~has_book & ~_positive("total_assets")
    company_fails = company & ~has_evic & no_book_value
    project_fails = (cls == "project_finance") & no_book_value
    fallback = "or else at its total assets (PCAF §5.2 note 92)"
    return [
        (
            "evic",
            "a listed equity needs a positive EVIC, or market_cap and total_debt (PCAF §5.1)",
            (cls == "listed_equity") & ~has_evic,
        ),
        (
            "total_equity",
            "is empty: a company without EVIC is valued at book equity + debt (both given),"
            f" {fallback}",
            company_fails & pl.col("total_equity").is_null(),
        ),
        (
            "total_debt",
            "a company without EVIC is valued at total_equity + total_debt (both given, above 0;"
            f" negative equity counts as 0), {fallback}",
            company_fails & pl.col("total_equity").is_not_null(),
        ),
        (
            "total_assets",
            "project finance needs project equity and debt (both given, above 0), or else"
            " total assets above 0 (PCAF §5.3, §5.2 note 92)",
            project_fails,
        ),
        (
            "value_at_origination",
            "real estate needs the property value at origination above 0 (PCAF §5.4, §5.5)",
            cls.is_in(["commercial_real_estate", "mortgage"]) & ~_positive("value_at_origination"),
        ),
        (
            "gdp_ppp",
            "sovereign debt needs the country's PPP-adjusted GDP above 0 (PCAF §5.7)",
            (cls == "sovereign_debt") & ~_positive("gdp_ppp"),
        ),
    ]


def _sovereign_checks(with_emissions: pl.Expr) -> list[tuple[str, str, pl.Expr]]:
    """PCAF §5.7: a sovereign's scope 1 is reported including and excluding LULUCF."""
    sovereign = pl.when(_positive("outstanding")).then(pl.col("asset_class")) == "sovereign_debt"
    return [
        (
            "scope1_incl_lulucf",
            "is empty: sovereign debt reports scope 1 including and excluding LULUCF (PCAF"
            " §5.7); scope1 holds the production emissions excluding it",
            sovereign & with_emissions & _present("scope1") & ~_present("scope1_incl_lulucf"),
        ),
        (
            "scope1_incl_lulucf",
            "applies to sovereign debt only (a country's production emissions including LULUCF)",
            pl.col("asset_class").is_in(
                [a.value for a in AssetClass if a.value != "sovereign_debt"]
            )
            & _present("scope1_incl_lulucf"),
        ),
    ]


def _say(message: str, frame: pl.DataFrame, line: int, column: str) -> str:
    if "{value}" not in message:
        return message
    value = frame[column][int(line) - 2]
    return message.replace("{value}", repr(value))


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    """The checked frame with numbers as Float64 (analytics), scores as Int8."""
    return frame.select(
        pl.col("_line"),
        *[pl.col(c) for c in ("position_id", "asset_class", "currency", *TEXT)],
        *[pl.col(c).cast(pl.Float64) for c in NUMBERS],
        *[pl.col(c).cast(pl.Int8) for c in SCORES],
        pl.col("vintage").cast(pl.Int16),
    )
