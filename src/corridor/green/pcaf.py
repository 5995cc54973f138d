"""PCAF financed emissions (PCAF Part A, 2nd edition, December 2022), vectorised.

Financed emissions = Σ attribution factor × emissions (Fig. 4-2), the attribution factor
per asset class:

| asset class | attribution factor | clause |
| --- | --- | --- |
| listed equity, corporate bond | outstanding / EVIC (a private company's bond: / equity + debt) | §5.1 |
| business loan, unlisted equity | outstanding / EVIC (listed), else / book equity + debt | §5.2 |
| project finance | outstanding / project equity + debt (else total assets) | §5.3 |
| commercial real estate, mortgage | outstanding / property value at origination (frozen) | §5.4, §5.5 |
| motor vehicle loan | outstanding / vehicle value at origination (unknown: 100 %) | §5.6 |
| sovereign debt | outstanding in USD / PPP-adjusted GDP (international USD) | §5.7 |

Edge rules: negative equity counts as 0 (debt carries the emissions; an equity stake in
such a company is attributed none); a repaid position (outstanding 0) is attributed 0;
EVIC includes cash (never netted). Corridor caps every factor at 1 and says so in the
position's `rule`: no lender is attributed more than the whole of a borrower.

Emissions are analytics, not money: they are Float64 (tCO2e). Sums are taken in
position-id order, so a portfolio's result does not depend on the order of its file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from corridor.green.positions import AssetClass

STANDARD = "PCAF Global GHG Accounting and Reporting Standard Part A, 2nd edition (December 2022)"

FORMULA = {
    AssetClass.LISTED_EQUITY: "outstanding / EVIC × (scope 1, 2, 3)",
    AssetClass.CORPORATE_BOND: "outstanding / EVIC (private company: equity + debt) × emissions",
    AssetClass.BUSINESS_LOAN: "outstanding / (EVIC, or book equity + debt) × emissions",
    AssetClass.UNLISTED_EQUITY: "outstanding / (book equity + debt) × emissions",
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


def _num(column: str) -> pl.Expr:
    return pl.col(column).fill_null(0.0)


def _rate(rates: Mapping[str, float], column: str = "currency") -> pl.Expr:
    return pl.col(column).replace_strict(dict(rates), default=None, return_dtype=pl.Float64)


def attribute(
    positions: pl.DataFrame, to_reporting: Mapping[str, float], to_usd: Mapping[str, float]
) -> pl.DataFrame:
    """Per-position results: attribution factor, its denominator and basis, the rule that
    applied, financed scope 1, 2, 1+2 and 3, and the audit trail (formula, clause).

    `to_reporting` and `to_usd` give, per currency in the file, the units of the reporting
    currency (and of USD, for sovereign debt) per unit of it.
    """
    cls = pl.col("asset_class")
    outstanding = _num("outstanding")
    equity = _num("total_equity")
    negative_equity = pl.col("total_equity").is_not_null() & (equity < 0)
    equity_debt = equity.clip(lower_bound=0) + _num("total_debt")
    has_evic = _num("evic") > 0
    company = cls.is_in(["corporate_bond", "business_loan", "unlisted_equity"])
    denominator = (
        pl.when(cls == "listed_equity")
        .then(pl.col("evic"))
        .when(company & has_evic)
        .then(pl.col("evic"))
        .when(company)
        .then(equity_debt)
        .when((cls == "project_finance") & (equity_debt > 0))
        .then(equity_debt)
        .when(cls == "project_finance")
        .then(pl.col("total_assets"))
        .when(cls.is_in(["commercial_real_estate", "mortgage", "motor_vehicle_loan"]))
        .then(pl.col("value_at_origination"))
        .when(cls == "sovereign_debt")
        .then(pl.col("gdp_ppp"))
        .otherwise(None)
    )
    basis = (
        pl.when(cls == "listed_equity")
        .then(pl.lit("EVIC"))
        .when(company & has_evic)
        .then(pl.lit("EVIC"))
        .when(company)
        .then(pl.lit("equity + debt"))
        .when((cls == "project_finance") & (equity_debt > 0))
        .then(pl.lit("project equity + debt"))
        .when(cls == "project_finance")
        .then(pl.lit("total assets"))
        .when(cls == "motor_vehicle_loan")
        .then(pl.lit("vehicle value at origination"))
        .when(cls == "sovereign_debt")
        .then(pl.lit("PPP-adjusted GDP"))
        .otherwise(pl.lit("property value at origination"))
    )
    exposure = (
        pl.when(cls == "sovereign_debt").then(outstanding * _rate(to_usd)).otherwise(outstanding)
    )
    raw = exposure / pl.col("_denominator")
    repaid = outstanding == 0
    unknown_vehicle = (cls == "motor_vehicle_loan") & ~(_num("value_at_origination") > 0)
    equity_stake_in_deficit = (cls == "unlisted_equity") & ~has_evic & negative_equity
    factor = (
        pl.when(repaid)
        .then(0.0)
        .when(unknown_vehicle)
        .then(1.0)
        .when(equity_stake_in_deficit)
        .then(0.0)
        .otherwise(raw.clip(upper_bound=1.0))
    )
    rule = (
        pl.when(repaid)
        .then(pl.lit("repaid: attributed 0"))
        .when(unknown_vehicle)
        .then(pl.lit("vehicle value unknown: attributed 100%"))
        .when(equity_stake_in_deficit)
        .then(pl.lit("negative equity: an equity stake is attributed 0"))
        .when(company & ~has_evic & negative_equity)
        .then(pl.lit("negative equity counted as 0"))
        .when(raw > 1)
        .then(pl.lit("capped at 1"))
        .otherwise(pl.lit(""))
    )
    formula = cls.replace_strict({k.value: v for k, v in FORMULA.items()}, return_dtype=pl.String)
    clause = cls.replace_strict({k.value: v for k, v in CLAUSE.items()}, return_dtype=pl.String)
    return (
        positions.with_columns(
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
            "attribution_factor",
            "rule",
            (pl.col("attribution_factor") * pl.col("scope1")).alias("financed_scope1"),
            (pl.col("attribution_factor") * pl.col("scope2")).alias("financed_scope2"),
            (pl.col("attribution_factor") * (pl.col("scope1") + pl.col("scope2"))).alias(
                "financed_scope12"
            ),
            (pl.col("attribution_factor") * pl.col("scope3")).alias("financed_scope3"),
            "data_quality",
            "data_quality_scope3",
            (pl.col("revenue") * _rate(to_reporting) / 1e6).alias("revenue_reporting_m"),
            "scope1",
            "scope2",
            "scope3",
            (pl.col("attribution_factor") * pl.col("physical_output")).alias("financed_output"),
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
    financed_scope12: float
    financed_scope3: float
    scope3_positions: int
    economic_intensity: float | None
    weighted_data_quality: float | None


@dataclass(frozen=True, slots=True)
class PortfolioResult:
    """A portfolio's financed emissions, the PCAF way: scope 3 apart, data quality
    weighted by outstanding, intensities, and the per-position audit trail."""

    reporting_currency: str
    positions: int
    outstanding: float
    financed_scope1: float
    financed_scope2: float
    financed_scope12: float
    financed_scope3: float
    scope3_positions: int
    weighted_data_quality: float | None
    weighted_data_quality_scope3: float | None
    economic_intensity: float | None
    """tCO2e (scope 1+2) per million of the reporting currency invested."""
    waci: float | None
    """Σ weight × scope 1+2 / revenue (millions), over positions with a revenue."""
    waci_coverage: float
    """Share of outstanding with a revenue, so in the WACI."""
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
    with a revenue; coverage is their share of all holdings (TCFD's formula, cited by PCAF)."""
    frame = pl.DataFrame({"w": weights, "e": scope12, "r": revenue_m})
    total = float(frame["w"].sum())
    covered = frame.filter(pl.col("r").is_not_null() & (pl.col("r") > 0))
    held = float(covered["w"].sum())
    if not covered.height or held == 0:
        return None, 0.0
    value = float((covered["w"] / held * covered["e"] / covered["r"]).sum())
    return value, float(held / total) if total else 0.0


def _per_million(emissions: float, outstanding: float) -> float | None:
    return emissions / (outstanding / 1e6) if outstanding > 0 else None


def portfolio(results: pl.DataFrame, reporting_currency: str) -> PortfolioResult:
    """The portfolio totals of per-position results (from `attribute`)."""
    out = results["outstanding_reporting"]
    totals = results.select(
        pl.col("financed_scope1").sum(),
        pl.col("financed_scope2").sum(),
        pl.col("financed_scope12").sum(),
        pl.col("financed_scope3").sum(),
        pl.col("financed_scope3").is_not_null().sum().alias("s3n"),
        pl.col("outstanding_reporting").sum(),
    ).row(0, named=True)
    value, coverage = waci(
        out, results["scope1"] + results["scope2"], results["revenue_reporting_m"]
    )
    physical = (
        results.filter(pl.col("physical_unit").is_not_null() & (pl.col("financed_output") > 0))
        .group_by("physical_unit")
        .agg((pl.col("financed_scope12").sum() / pl.col("financed_output").sum()).alias("i"))
        .sort("physical_unit")
    )
    classes = []
    for asset_class in AssetClass:
        part = results.filter(pl.col("asset_class") == asset_class.value)
        if not part.height:
            continue
        outstanding = float(part["outstanding_reporting"].sum())
        scope12 = float(part["financed_scope12"].sum())
        classes.append(
            ClassTotals(
                asset_class.value,
                part.height,
                outstanding,
                scope12,
                float(part["financed_scope3"].sum()),
                int(part["financed_scope3"].is_not_null().sum()),
                _per_million(scope12, outstanding),
                weighted_score(part["outstanding_reporting"], part["data_quality"]),
            )
        )
    return PortfolioResult(
        reporting_currency=reporting_currency,
        positions=results.height,
        outstanding=float(totals["outstanding_reporting"]),
        financed_scope1=float(totals["financed_scope1"]),
        financed_scope2=float(totals["financed_scope2"]),
        financed_scope12=float(totals["financed_scope12"]),
        financed_scope3=float(totals["financed_scope3"]),
        scope3_positions=int(totals["s3n"]),
        weighted_data_quality=weighted_score(out, results["data_quality"]),
        weighted_data_quality_scope3=weighted_score(
            out.filter(results["financed_scope3"].is_not_null()),
            results["data_quality_scope3"].filter(results["financed_scope3"].is_not_null()),
        ),
        economic_intensity=_per_million(
            float(totals["financed_scope12"]), float(totals["outstanding_reporting"])
        ),
        waci=value,
        waci_coverage=coverage,
        physical_intensity={
            r["physical_unit"]: float(r["i"]) for r in physical.iter_rows(named=True)
        },
        by_asset_class=classes,
    )
