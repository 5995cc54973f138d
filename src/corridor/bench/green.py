"""`corridor bench green`: PCAF financed emissions over generated positions, vectorised:
in memory, and end to end from a positions CSV."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from corridor.green.financed import financed_emissions
from corridor.green.pcaf import attribute, portfolio
from corridor.green.positions import AssetClass

Progress = Callable[[str, int, int], None]


def positions(count: int, seed: int = 7) -> pl.DataFrame:
    """`count` typed positions across every asset class and three currencies (deterministic)."""
    rng = np.random.default_rng(seed)
    classes = np.array([a.value for a in AssetClass])

    def amounts(low: float, high: float) -> np.ndarray:
        return np.round(rng.uniform(low, high, count), 2)

    equity = amounts(-1e6, 1e9)
    asset_class = classes[rng.integers(0, len(classes), count)]
    scope1 = amounts(0, 1e6)
    return pl.DataFrame(
        {
            "_line": np.arange(2, count + 2, dtype=np.uint32),
            "position_id": [f"P{i:08d}" for i in range(count)],
            "asset_class": asset_class,
            "currency": np.array(["GBP", "HKD", "CNY"])[rng.integers(0, 3, count)],
            "counterparty": None,
            "sector": None,
            "country": None,
            "physical_unit": np.where(rng.random(count) < 0.3, "MWh", ""),
            "emissions_source": "generated",
            "evic": amounts(1e8, 1e10),
            "market_cap": np.full(count, np.nan),  # EVIC is given: its parts are not needed
            "minority_interest": np.full(count, np.nan),
            "cash": amounts(0, 1e8),
            "total_equity": equity,
            "total_debt": amounts(1e6, 1e9),
            "total_assets": amounts(1e7, 1e10),
            # a motor loan may lack its vehicle's value (then 100 %); real estate never does
            "value_at_origination": np.where(
                (asset_class == "motor_vehicle_loan") & (rng.random(count) < 0.05),
                np.nan,
                amounts(1e4, 1e7),
            ),
            "revenue": amounts(1e6, 1e9),
            "outstanding": amounts(0, 1e7),
            "gdp_ppp": amounts(1e11, 2e13),
            "scope1": scope1,
            "scope1_incl_lulucf": np.where(asset_class == "sovereign_debt", scope1 * 0.95, np.nan),
            "scope2": amounts(0, 1e5),
            "scope3": np.where(rng.random(count) < 0.5, np.nan, amounts(0, 1e6)),
            "physical_output": amounts(1, 1e6),
            "data_quality": rng.integers(1, 6, count).astype(np.int8),
            "data_quality_scope3": rng.integers(1, 6, count).astype(np.int8),
            "vintage": np.full(count, 2024, dtype=np.int16),
        },
        strict=False,
    ).with_columns(  # the gaps a real file has: unknown values are nulls
        pl.col(
            "value_at_origination",
            "scope3",
            "scope1_incl_lulucf",
            "market_cap",
            "minority_interest",
        ).fill_nan(None),
        pl.col("physical_unit").replace("", None),
        pl.col(pl.Null).cast(pl.String),
    )


def run(
    count: int = 1_000_000, repeats: int = 3, progress: Progress | None = None
) -> dict[str, object]:
    """Attribute and total `count` positions `repeats` times, in memory and end to end from
    a CSV file (read, checked, converted at ECB rates, attributed, totalled: what
    `corridor green pcaf` does bar starting and printing); the best run of each counts."""
    report = progress or (lambda _stage, _done, _total: None)
    report("generating positions", 0, count)
    frame = positions(count)
    report("generating positions", count, count)
    rates = {"GBP": 1.17, "HKD": 0.11, "CNY": 0.12}
    usd = {"GBP": 1.27, "HKD": 0.128, "CNY": 0.14}
    best = float("inf")
    for i in range(repeats):
        started = time.perf_counter()
        totals = portfolio(attribute(frame, rates, usd), "EUR")
        best = min(best, time.perf_counter() - started)
        report("attributing and totalling", i + 1, repeats)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "positions.csv"
        report("writing the positions file", 0, 1)
        frame.drop("_line").write_csv(path, float_precision=2)  # amounts to the cent
        report("writing the positions file", 1, 1)
        megabytes = path.stat().st_size / 1e6
        file_best = float("inf")
        for i in range(repeats):
            started = time.perf_counter()
            financed_emissions(path)
            file_best = min(file_best, time.perf_counter() - started)
            report("reading, checking and computing the file", i + 1, repeats)
    return {
        "positions": count,
        "pcaf_positions_per_s": round(count / best),
        "seconds": round(best, 3),
        "file_positions_per_s": round(count / file_best),
        "file_seconds": round(file_best, 3),
        "file_mb": round(megabytes, 1),
        "repeats": repeats,
        "financed_scope12_t": round(totals.financed_scope12),
        "weighted_data_quality": round(totals.weighted_data_quality or 0, 3),
        "polars": pl.__version__,
    }
