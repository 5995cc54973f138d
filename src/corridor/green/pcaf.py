"""PCAF financed emissions (PCAF Part A, 2nd edition, December 2022), vectorised.

Financed emissions = Σ attribution factor × emissions (Fig. 4-2), the attribution factor
per asset class:

| asset class | attribution factor | clause |
| --- | --- | --- |
| listed equity, corporate bond | outstanding / EVIC (a private company's bond: as a business loan) | §5.1 |
| business loan, unlisted equity | outstanding / EVIC (listed), else / book equity + debt, else / total assets | §5.2 |
| project finance | outstanding / project equity + debt, else / total assets | §5.3 |
| commercial real estate, mortgage | outstanding / property value at origination (frozen) | §5.4, §5.5 |
| motor vehicle loan | outstanding / vehicle value at origination (unknown: 100 %) | §5.6 |
| sovereign debt | outstanding in USD / PPP-adjusted GDP (international USD) | §5.7 |

EVIC is taken as given, else built from market cap + total debt + minorities; cash is
never netted. Book equity + debt needs both figures (a missing one is never taken as 0);
without them the total assets stand in (§5.2 note 92), and the position's `rule` says so.

Edge rules: negative equity counts as 0 (debt carries the emissions; an equity stake in
such a company is attributed none); a repaid position (outstanding 0) is attributed 0.
Corridor caps every factor at 1 and says so in the position's `rule`: no lender is
attributed more than the whole of a borrower. A position without emissions data keeps its
factor but finances no emissions: it is outside the coverage (Chapter 6). A sovereign's
scope 1 is reported excluding LULUCF (`scope1`) and including it (§5.7).

Emissions are analytics, not money: they are Float64 (tCO2e). Sums are taken in
position-id order, so a portfolio's result does not depend on the order of its file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

import polars as pl

from corridor.green.data import read
from corridor.green.positions import AssetClass, equity_plus_debt, evic_from_components

STANDARD = "PCAF Global GHG Accounting and Reporting Standard Part A, 2nd edition (December 2022)"

FORMULA = {
    AssetClass.LISTED_EQUITY: "outstanding / EVIC × (scope 1, 2, 3)",
    AssetClass.CORPORATE_BOND: "outstanding / (EVIC, or equity + debt, or total assets) × emissions",
    AssetClass.BUSINESS_LOAN: "outstanding / (EVIC, or book equity + debt, or total assets) × emissions",
    AssetClass.UNLISTED_EQUITY: "outstanding / (book equity + debt, or total assets) × emissions",
    AssetClass.PROJECT_FINANCE: "outstanding / (project equity + debt, or total assets) × emissions",
    AssetClass.COMMERCIAL_REAL_ESTATE: "outstanding / property value at origination × building emissions",
    AssetClass.MORTGAGE: "outstanding / property value at origination × building emissions",
    AssetClass.MOTOR_VEHICLE_LOAN: "outstanding / vehicle value at origination × vehicle emissions",
    AssetClass.SOVEREIGN_DEBT: "outstanding (USD) / PPP-adjusted GDP (intl USD) × production emissions",
}
CLAUSE = {
    AssetClass.LISTED_EQUITY: "§5.1",
    AssetClass.CORPORATE_BOND: "§5.1",
    AssetClass.BUSINESS_LOAN: "§5.2",
    AssetClass.UNLISTED_EQUITY: "§5.2",
    AssetClass.PROJECT_FINANCE: "§5.3",
    AssetClass.COMMERCIAL_REAL_ESTATE: "§5.4",
    AssetClass.MORTGAGE: "§5.5",
    AssetClass.MOTOR_VEHICLE_LOAN: "§5.6",
    AssetClass.SOVEREIGN_DEBT: "§5.7",
}


DATA_QUALITY_FILE = "pcaf_data_quality.csv"
_DQ_TABLE = {
    AssetClass.LISTED_EQUITY: "corporate",
    AssetClass.CORPORATE_BOND: "corporate",
    AssetClass.BUSINESS_LOAN: "corporate",
    AssetClass.UNLISTED_EQUITY: "corporate",
    AssetClass.COMMERCIAL_REAL_ESTATE: "real_estate",
    AssetClass.MORTGAGE: "real_estate",
    AssetClass.SOVEREIGN_DEBT: "sovereign",
}
"""Which of PCAF's data quality tables (pcaf_data_quality.csv) scores each asset class."""


BASES = {
    0: "EVIC = market cap + total debt + minorities (cash not deducted)",
    1: "EVIC",
    2: "project equity + debt",
    3: "equity + debt",
    4: "total assets",
    5: "vehicle value at origination",
    6: "PPP-adjusted GDP",
    7: "property value at origination",
}
"""The denominator bases a position's `denominator_basis` names."""
_APPLIED = (
    "",
    "repaid: attributed 0",
    "vehicle value unknown: attributed 100%",
    "negative equity: an equity stake is attributed 0",
    "negative equity counted as 0",
    "equity or debt unknown: total assets instead (PCAF §5.2 note 92)",
    "capped at 1",
)
RULES = dict(enumerate(_APPLIED)) | {
    len(_APPLIED) + i: "; ".join(p for p in ("no emissions data: not covered", rule) if p)
    for i, rule in enumerate(_APPLIED)
}
"""The edge rules a position's `rule` names (the second half: on a position not covered)."""


def _named(number: pl.Expr, names: Mapping[int, str]) -> pl.Expr:
    return number.replace_strict(dict(names), default=None, return_dtype=pl.String)


def _num(column: str) -> pl.Expr:
    return pl.col(column).fill_null(0.0)


def _rate(rates: Mapping[str, float], column: str = "currency") -> pl.Expr:
    return pl.col(column).replace_strict(dict(rates), default=None, return_dtype=pl.Float64)


@cache
def _data_quality_options() -> dict[int, str]:
    """Asset class number × 10 + score → 'PCAF option 1b or 2a', from the shipped table
    (integer keys: a million positions look them up in a blink)."""
    found: dict[str, list[str]] = {}
    for row in read(DATA_QUALITY_FILE).rows:
        found.setdefault(f"{row['asset_class']} {row['score']}", []).append(row["option"])
    return {
        number * 10 + score: "PCAF option " + " or ".join(found[f"{table} {score}"])
        for number, asset_class in enumerate(AssetClass)
        if (table := _DQ_TABLE.get(asset_class))
        for score in range(1, 6)
        if f"{table} {score}" in found
    }


def attribute(
    positions: pl.DataFrame, to_reporting: Mapping[str, float], to_usd: Mapping[str, float]
) -> pl.DataFrame:
    """Per-position results: attribution factor, its denominator and basis, the rule that
    applied, financed scope 1, 2, 1+2 and 3 (and a sovereign's scope 1 including LULUCF),
    and the audit trail (formula, clause, the data quality option its score stands for).

    `to_reporting` and `to_usd` give, per currency in the file, the units of the reporting
    currency (and of USD, for sovereign debt) per unit of it.
    """
    cls = pl.col("asset_class")
    outstanding = _num("outstanding")
    given_evic = _num("evic") > 0
    company = cls.is_in(["corporate_bond", "business_loan", "unlisted_equity"])
    valued_by_balance_sheet = company | (cls == "project_finance")
    # The flags each position's denominator, basis and rule turn on, computed once.
    flags = (
        positions.with_columns(
            given_evic.alias("_given_evic"),
            (~given_evic & (evic_from_components().fill_null(0) > 0)).alias("_built_evic"),
            (equity_plus_debt().fill_null(0) > 0).alias("_has_book"),
            (pl.col("total_equity").is_not_null() & (_num("total_equity") < 0)).alias("_negative"),
        )
        .with_columns(
            (
                (cls == "listed_equity")
                | (company & (pl.col("_given_evic") | pl.col("_built_evic")))
            ).alias("_by_evic")
        )
        .with_columns(
            (valued_by_balance_sheet & ~pl.col("_by_evic") & pl.col("_has_book")).alias("_by_book"),
            (valued_by_balance_sheet & ~pl.col("_by_evic") & ~pl.col("_has_book")).alias(
                "_by_assets"
            ),
        )
    )
    by_evic, by_book, by_assets = pl.col("_by_evic"), pl.col("_by_book"), pl.col("_by_assets")
    denominator = (
        pl.when(by_evic & pl.col("_given_evic"))
        .then(pl.col("evic"))
        .when(by_evic)
        .then(evic_from_components())
        .when(by_book)
        .then(equity_plus_debt())
        .when(by_assets)
        .then(pl.col("total_assets"))
        .when(cls.is_in(["commercial_real_estate", "mortgage", "motor_vehicle_loan"]))
        .then(pl.col("value_at_origination"))
        .when(cls == "sovereign_debt")
        .then(pl.col("gdp_ppp"))
        .otherwise(None)
    )
    # Texts are chosen by number and named once: a million string literals cost seconds.
    basis = _named(
        pl.when(by_evic & pl.col("_built_evic"))
        .then(0)
        .when(by_evic)
        .then(1)
        .when(by_book & (cls == "project_finance"))
        .then(2)
        .when(by_book)
        .then(3)
        .when(by_assets)
        .then(4)
        .when(cls == "motor_vehicle_loan")
        .then(5)
        .when(cls == "sovereign_debt")
        .then(6)
        .otherwise(7),
        BASES,
    )
    exposure = (
        pl.when(cls == "sovereign_debt").then(outstanding * _rate(to_usd)).otherwise(outstanding)
    )
    raw = exposure / pl.col("_denominator")
    repaid = outstanding == 0
    unknown_vehicle = (cls == "motor_vehicle_loan") & ~(_num("value_at_origination") > 0)
    equity_stake_in_deficit = (cls == "unlisted_equity") & by_book & pl.col("_negative")
    covered = pl.col("scope1").is_not_null()
    factor = (
        pl.when(repaid)
        .then(0.0)
        .when(unknown_vehicle)
        .then(1.0)
        .when(equity_stake_in_deficit)
        .then(0.0)
        .otherwise(raw.clip(upper_bound=1.0))
    )
    applied = (
        pl.when(repaid)
        .then(1)
        .when(unknown_vehicle)
        .then(2)
        .when(equity_stake_in_deficit)
        .then(3)
        .when(by_book & pl.col("_negative"))
        .then(4)
        .when(by_assets)
        .then(5)
        .when(raw > 1)
        .then(6)
        .otherwise(0)
    )
    rule = _named(pl.when(covered).then(applied).otherwise(applied + len(_APPLIED)), RULES)
    formula = cls.replace_strict({k.value: v for k, v in FORMULA.items()}, return_dtype=pl.String)
    clause = cls.replace_strict({k.value: v for k, v in CLAUSE.items()}, return_dtype=pl.String)
    number = cls.replace_strict(
        {k.value: i for i, k in enumerate(AssetClass)}, return_dtype=pl.Int32
    )
    options = _named(number * 10 + pl.col("data_quality").cast(pl.Int32), _data_quality_options())
    af = pl.col("attribution_factor")
    return (
        flags.with_columns(
            denominator.alias("_denominator"),
            (outstanding * _rate(to_reporting)).alias("outstanding_reporting"),
        )
        .with_columns(factor.alias("attribution_factor"), rule.alias("rule"))
        .select(
            "_line",
            "position_id",
            "asset_class",
            "currency",
            "counterparty",
            "sector",
            "country",
            "outstanding",
            "outstanding_reporting",
            pl.col("_denominator").alias("denominator"),
            basis.alias("denominator_basis"),
            "cash",
            "attribution_factor",
            "rule",
            covered.alias("covered"),
            (af * pl.col("scope1")).alias("financed_scope1"),
            (af * pl.col("scope2")).alias("financed_scope2"),
            (af * (pl.col("scope1") + pl.col("scope2"))).alias("financed_scope12"),
            (af * pl.col("scope1_incl_lulucf")).alias("financed_scope1_incl_lulucf"),
            (af * pl.col("scope3")).alias("financed_scope3"),
            "data_quality",
            options.alias("data_quality_option"),
            "data_quality_scope3",
            (pl.col("revenue") * _rate(to_reporting) / 1e6).alias("revenue_reporting_m"),
            "scope1",
            "scope2",
            "scope1_incl_lulucf",
            "scope3",
            (af * pl.col("physical_output")).alias("financed_output"),
            "physical_unit",
            "emissions_source",
            "vintage",
            formula.alias("formula"),
            clause.alias("clause"),
        )
        .sort("position_id")
    )


@dataclass(frozen=True, slots=True)
class ClassTotals:
    """One line of the PCAF Annex 10.2 table: an asset class's totals."""

    asset_class: str
    positions: int
    outstanding: float
    coverage: float | None
    """Share of the outstanding with emissions data (PCAF Ch. 6: the share covered)."""
    financed_scope12: float
    financed_scope3: float
    scope3_positions: int
    economic_intensity: float | None
    """tCO2e (scope 1+2) per million of the reporting currency, over the covered outstanding."""
    weighted_data_quality: float | None


@dataclass(frozen=True, slots=True)
class PortfolioResult:
    """A portfolio's financed emissions, the PCAF way: scope 3 apart, data quality
    weighted by outstanding, coverage, intensities, and the per-position audit trail."""

    reporting_currency: str
    positions: int
    outstanding: float
    covered_positions: int
    coverage: float | None
    """Share of the outstanding with emissions data, so in the inventory (PCAF Ch. 6)."""
    financed_scope1: float
    financed_scope2: float
    financed_scope12: float
    financed_scope3: float
    scope3_positions: int
    sovereign_scope1_excl_lulucf: float | None
    """Sovereign debt's financed scope 1 excluding LULUCF (§5.7); None without sovereigns."""
    sovereign_scope1_incl_lulucf: float | None
    """… and including LULUCF (a net sink lowers it)."""
    weighted_data_quality: float | None
    weighted_data_quality_scope3: float | None
    economic_intensity: float | None
    """tCO2e (scope 1+2) per million of the reporting currency invested, over the covered
    outstanding."""
    waci: float | None
    """Σ weight × scope 1+2 / revenue (millions), over positions with a revenue."""
    waci_coverage: float
    """Share of outstanding with a revenue and emissions, so in the WACI."""
    physical_intensity: dict[str, float] = field(default_factory=dict)
    """tCO2e per unit of output, per unit (MWh, m², km…)."""
    by_asset_class: list[ClassTotals] = field(default_factory=list)


def weighted_score(outstanding: pl.Series, scores: pl.Series) -> float | None:
    """The data quality score weighted by outstanding (PCAF Ch. 6): Σ out × score / Σ out,
    over positions that have a score; None when none has."""
    frame = pl.DataFrame({"o": outstanding, "s": scores}).drop_nulls()
    total = float(frame["o"].sum())
    if not frame.height or total == 0:
        return None
    return float((frame["o"] * frame["s"].cast(pl.Float64)).sum()) / total


def waci(
    weights: pl.Series, scope12: pl.Series, revenue_m: pl.Series
) -> tuple[float | None, float]:
    """(WACI, coverage): Σ wᵢ × scope 1+2ᵢ / revenueᵢ (millions), wᵢ = holding / holdings
    with a revenue and emissions; coverage is their share of all holdings (TCFD's formula,
    cited by PCAF)."""
    frame = pl.DataFrame({"w": weights, "e": scope12, "r": revenue_m})
    total = float(frame["w"].sum())
    covered = frame.filter(
        pl.col("r").is_not_null() & (pl.col("r") > 0) & pl.col("e").is_not_null()
    )
    held = float(covered["w"].sum())
    if not covered.height or held == 0:
        return None, 0.0
    value = float((covered["w"] / held * covered["e"] / covered["r"]).sum())
    return value, float(held / total) if total else 0.0


def _per_million(emissions: float, outstanding: float) -> float | None:
    return emissions / (outstanding / 1e6) if outstanding > 0 else None


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def _sums(results: pl.DataFrame) -> dict[str, float]:
    """The totals a portfolio and each asset class report, in one pass."""
    covered = pl.col("covered")
    out = pl.col("outstanding_reporting")
    row = results.select(
        pl.len().alias("positions"),
        out.sum().alias("outstanding"),
        out.filter(covered).sum().alias("covered_outstanding"),
        covered.sum().alias("covered_positions"),
        pl.col("financed_scope1").sum(),
        pl.col("financed_scope2").sum(),
        pl.col("financed_scope12").sum(),
        pl.col("financed_scope3").sum(),
        pl.col("financed_scope3").is_not_null().sum().alias("scope3_positions"),
    ).row(0, named=True)
    return {k: float(v or 0) for k, v in row.items()}


def portfolio(results: pl.DataFrame, reporting_currency: str) -> PortfolioResult:
    """The portfolio totals of per-position results (from `attribute`)."""
    out = results["outstanding_reporting"]
    totals = _sums(results)
    value, coverage = waci(
        out, results["scope1"] + results["scope2"], results["revenue_reporting_m"]
    )
    physical = (
        results.filter(pl.col("physical_unit").is_not_null() & (pl.col("financed_output") > 0))
        .filter(pl.col("covered"))
        .group_by("physical_unit")
        .agg((pl.col("financed_scope12").sum() / pl.col("financed_output").sum()).alias("i"))
        .sort("physical_unit")
    )
    classes = []
    for asset_class in AssetClass:
        part = results.filter(pl.col("asset_class") == asset_class.value)
        if not part.height:
            continue
        sums = _sums(part)
        classes.append(
            ClassTotals(
                asset_class.value,
                part.height,
                sums["outstanding"],
                _share(sums["covered_outstanding"], sums["outstanding"]),
                sums["financed_scope12"],
                sums["financed_scope3"],
                int(sums["scope3_positions"]),
                _per_million(sums["financed_scope12"], sums["covered_outstanding"]),
                weighted_score(part["outstanding_reporting"], part["data_quality"]),
            )
        )
    sovereign = results.filter(pl.col("asset_class") == AssetClass.SOVEREIGN_DEBT.value)
    with_scope3 = results["financed_scope3"].is_not_null()
    return PortfolioResult(
        reporting_currency=reporting_currency,
        positions=results.height,
        outstanding=totals["outstanding"],
        covered_positions=int(totals["covered_positions"]),
        coverage=_share(totals["covered_outstanding"], totals["outstanding"]),
        financed_scope1=totals["financed_scope1"],
        financed_scope2=totals["financed_scope2"],
        financed_scope12=totals["financed_scope12"],
        financed_scope3=totals["financed_scope3"],
        scope3_positions=int(totals["scope3_positions"]),
        sovereign_scope1_excl_lulucf=(
            float(sovereign["financed_scope1"].sum()) if sovereign.height else None
        ),
        sovereign_scope1_incl_lulucf=(
            float(sovereign["financed_scope1_incl_lulucf"].sum()) if sovereign.height else None
        ),
        weighted_data_quality=weighted_score(out, results["data_quality"]),
        weighted_data_quality_scope3=weighted_score(
            out.filter(with_scope3), results["data_quality_scope3"].filter(with_scope3)
        ),
        economic_intensity=_per_million(totals["financed_scope12"], totals["covered_outstanding"]),
        waci=value,
        waci_coverage=coverage,
        physical_intensity={
            r["physical_unit"]: float(r["i"]) for r in physical.iter_rows(named=True)
        },
        by_asset_class=classes,
    )
