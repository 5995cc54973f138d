"""A building's scope 2 from its metered electricity: kWh × the grid's emission factor
(data/grid_factors.csv, location based), for commercial real estate and mortgages whose
emissions are not given as a figure (PCAF Part A §5.4 and §5.5: actual energy consumption
with an average emission factor, data quality option 1b / score 2).

The factor is that of the position's `vintage` (the year its energy was consumed), else of
the reporting year; where the grid has no factor for that year, its newest earlier one,
named in the audit trail. China's MEE factors count CO2 only: the trail says so."""

from __future__ import annotations

import polars as pl

from corridor.green.errors import GreenError, InputProblem, PositionsFileError
from corridor.green.impact import grid_factor
from corridor.green.positions import SHOWN


def metered_scope2(positions: pl.DataFrame, year: int, shown: str = "positions") -> pl.DataFrame:
    """`positions` with scope 2 computed (tCO2e: kWh × kg/kWh / 1,000) where
    `electricity_kwh` and `grid` are given, and `emissions_source` naming the factor used
    (after what the cell already said, if anything). A grid without a factor up to the
    year refuses the file at its lines."""
    metered = positions.filter(pl.col("electricity_kwh").is_not_null())
    if metered.is_empty():
        return positions
    wanted = metered.select(
        "grid", pl.col("vintage").cast(pl.Int32).fill_null(year).alias("_year")
    ).unique()
    factors, problems = [], []
    for grid, wanted_year in wanted.iter_rows():
        try:
            factor = grid_factor(str(grid), int(wanted_year))
        except GreenError as error:
            lines = metered.filter(
                (pl.col("grid") == grid)
                & (pl.col("vintage").cast(pl.Int32).fill_null(year) == wanted_year)
            )["_line"]
            problems += [InputProblem(int(line), "grid", str(error)) for line in lines.head(SHOWN)]
            continue
        basis = "CO2 only" if factor.gas_basis == "CO2" else "CO2e"
        factors.append(
            {
                "grid": grid,
                "_year": wanted_year,
                "_kg_per_kwh": float(factor.kg_per_kwh),
                "_factor": f"metered electricity × {factor.grid} {factor.year} grid factor"
                f" {factor.kg_per_kwh} kg/kWh ({basis}; {factor.source})",
            }
        )
    if problems:
        problems.sort(key=lambda p: p.line)
        raise PositionsFileError(shown, problems[:SHOWN], len(problems))
    table = pl.DataFrame(
        factors,
        schema={
            "grid": pl.String,
            "_year": pl.Int32,
            "_kg_per_kwh": pl.Float64,
            "_factor": pl.String,
        },
    )
    joined = positions.with_columns(
        pl.col("vintage").cast(pl.Int32).fill_null(year).alias("_year")
    ).join(table, on=["grid", "_year"], how="left", maintain_order="left")
    is_metered = pl.col("electricity_kwh").is_not_null()
    return joined.with_columns(
        pl.when(is_metered)
        .then(pl.col("electricity_kwh") * pl.col("_kg_per_kwh") / 1000)
        .otherwise(pl.col("scope2"))
        .alias("scope2"),
        pl.when(is_metered & pl.col("emissions_source").is_null())
        .then(pl.col("_factor"))
        .when(is_metered)
        .then(pl.concat_str(pl.col("emissions_source"), pl.lit("; scope 2: "), pl.col("_factor")))
        .otherwise(pl.col("emissions_source"))
        .alias("emissions_source"),
    ).drop("_year", "_kg_per_kwh", "_factor")
