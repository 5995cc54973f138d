"""The positions CSV that `corridor green pcaf` reads: its columns, and the checks that
refuse a malformed file whole, every problem named by line and column.

One row per loan or investment. Amounts are in the row's `currency`, in major units with at
most the currency's decimals; emissions in tCO2e per year; `gdp_ppp` in international USD.
The columns (docs/green.md has the full table):

required  position_id, asset_class, currency, outstanding, scope1, scope2, data_quality
optional  counterparty, sector, country, evic, total_equity, total_debt, total_assets,
          value_at_origination, gdp_ppp, scope3, data_quality_scope3, revenue,
          physical_output, physical_unit, emissions_source, vintage
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import polars as pl

from corridor.green.errors import InputProblem, PositionsFileError
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
TEXT = ("counterparty", "sector", "country", "physical_unit", "emissions_source")
AMOUNTS = ("evic", "total_equity", "total_debt", "total_assets", "value_at_origination", "revenue")
NON_NEGATIVE = (
    "evic",
    "total_debt",
    "total_assets",
    "value_at_origination",
    "gdp_ppp",
    "scope1",
    "scope2",
    "scope3",
    "revenue",
    "physical_output",
)
NUMBERS = (*AMOUNTS, "outstanding", "gdp_ppp", "scope1", "scope2", "scope3", "physical_output")
SCORES = ("data_quality", "data_quality_scope3")
OPTIONAL = (
    *TEXT,
    *AMOUNTS,
    "gdp_ppp",
    "scope3",
    "data_quality_scope3",
    "physical_output",
    "vintage",
)
COLUMNS = (*REQUIRED, *OPTIONAL)
_SHOWN = 20  # problems kept per file: enough to fix a file, not a flood
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
    frame = raw.with_columns(
        [pl.col(c).str.strip_chars().replace("", None) for c in raw.columns]
    ).with_columns([pl.lit(None, pl.String).alias(c) for c in OPTIONAL if c not in raw.columns])
    frame = frame.with_row_index("_line", offset=2)  # the header is line 1
    checks = _checks(frame)
    flagged = frame.select(
        "_line", *[expr.alias(f"{i}") for i, (_column, _message, expr) in enumerate(checks)]
    )
    for i, (column, message, _expr) in enumerate(checks):
        lines = flagged.filter(pl.col(f"{i}"))["_line"].head(_SHOWN).to_list()
        problems += [
            InputProblem(int(line), column, _say(message, frame, line, column)) for line in lines
        ]
    if problems:
        problems.sort(key=lambda p: (p.line, COLUMNS.index(p.column)))
        raise PositionsFileError(shown, problems[:_SHOWN])
    return _typed(frame)


def _checks(frame: pl.DataFrame) -> list[tuple[str, str, pl.Expr]]:
    """(column, message, expression true on an offending row) for every rule of the format."""
    checks: list[tuple[str, str, pl.Expr]] = []
    for column in REQUIRED:
        checks.append((column, "is empty (a required value)", pl.col(column).is_null()))
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
        text = pl.col(column)
        number = text.cast(pl.Float64, strict=False)
        bad = text.is_not_null() & (~text.str.contains(_DECIMAL) | ~number.is_finite())
        checks.append((column, "{value} is not a number", bad))
        if column in (*NON_NEGATIVE, "outstanding"):
            checks.append(
                (column, "{value} is negative", text.str.contains(_DECIMAL) & (number < 0))
            )
    # An amount has no more decimals than its currency's minor unit (money is exact).
    minor = pl.col("currency").replace_strict(
        {c: currency_of(c).minor_unit for c in known}, default=None, return_dtype=pl.Int32
    )
    decimals = pl.col("outstanding").str.extract(r"\.([0-9]+)$").str.len_chars().fill_null(0)
    checks.append(
        (
            "outstanding",
            "{value} has more decimals than the currency's minor unit",
            pl.col("outstanding").str.contains(_DECIMAL) & (decimals > minor),
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
    checks += _denominator_checks()
    return checks


def _present(column: str) -> pl.Expr:
    return pl.col(column).is_not_null()


def _positive(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.Float64, strict=False).fill_null(0) > 0


def _denominator_checks() -> list[tuple[str, str, pl.Expr]]:
    """Each asset class has the denominator PCAF names for it (positions.py, pcaf.py)."""
    # A repaid position (outstanding 0) is attributed nothing and needs no denominator.
    cls = pl.when(_positive("outstanding")).then(pl.col("asset_class"))
    company = cls.is_in(["business_loan", "unlisted_equity", "corporate_bond"])
    equity_debt = pl.col("total_equity").cast(pl.Float64, strict=False).fill_null(0).clip(
        lower_bound=0
    ) + pl.col("total_debt").cast(pl.Float64, strict=False).fill_null(0)
    return [
        (
            "evic",
            "a listed equity needs a positive EVIC (PCAF §5.1)",
            (cls == "listed_equity") & ~_positive("evic"),
        ),
        (
            "total_debt",
            "needs a positive EVIC, or total equity + debt (negative equity counting as 0) above 0",
            company & ~_positive("evic") & ~(equity_debt > 0),
        ),
        (
            "total_assets",
            "project finance needs project equity + debt, or total assets, above 0 (PCAF §5.3)",
            (cls == "project_finance") & ~(equity_debt > 0) & ~_positive("total_assets"),
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


def _say(message: str, frame: pl.DataFrame, line: int, column: str) -> str:
    if "{value}" not in message:
        return message
    value = frame[column][int(line) - 2]
    return message.replace("{value}", repr(value))


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("_line"),
        *[pl.col(c) for c in ("position_id", "asset_class", "currency", *TEXT)],
        *[pl.col(c).cast(pl.Float64) for c in NUMBERS],
        *[pl.col(c).cast(pl.Int8) for c in SCORES],
        pl.col("vintage").cast(pl.Int16),
    )
