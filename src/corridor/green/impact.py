"""Impact per project (ICMA Harmonised Framework for Impact Reporting, core indicators):
capacity (MW), annual generation (MWh), annual GHG avoided against the grid's emission
factor (data/grid_factors.csv), and each reported pro rata to the share financed.

GHG avoided is in the unit its factor counts: tCO2e for a factor of every greenhouse gas
(the UK's), tCO2 for one of carbon dioxide only (China's MEE grid factors), never labelled
as more than it is."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from corridor.green.data import read
from corridor.green.errors import GreenError
from corridor.green.model import ImpactFigure

HOURS_PER_YEAR = Decimal(8760)
GRID_FILE = "grid_factors.csv"
ROUNDING = ROUND_HALF_EVEN
"""Reported impact figures are rounded half-even: tCO2(e) and MWh to whole units, MW to 0.01."""
PLACES = {
    "tCO2e": Decimal(1),
    "tCO2": Decimal(1),
    "MWh": Decimal(1),
    "MW": Decimal("0.01"),
    "buses": Decimal(1),
    "stations": Decimal(1),
}


@dataclass(frozen=True, slots=True)
class GridFactor:
    """A grid's emission factor for a year, with where it comes from."""

    grid: str
    year: int
    kg_per_kwh: Decimal
    source: str
    gas_basis: str = "CO2e"
    """What the factor counts: CO2 only, or every greenhouse gas as CO2e."""

    @property
    def unit(self) -> str:
        """The unit of emissions this factor gives: tCO2 or tCO2e."""
        return "tCO2" if self.gas_basis == "CO2" else "tCO2e"


def grid_factor(grid: str, year: int) -> GridFactor:
    """The grid's factor for `year`, else its latest earlier year (the factor named says which);
    raises GreenError when the grid has none up to that year."""
    rows = [r for r in read(GRID_FILE).rows if r["grid"] == grid and int(r["year"]) <= year]
    if not rows:
        known = sorted({r["grid"] for r in read(GRID_FILE).rows})
        raise GreenError(
            f"no emission factor for grid {grid!r} up to {year} (grids: {', '.join(known)})"
        )
    row = max(rows, key=lambda r: int(r["year"]))
    return GridFactor(
        grid, int(row["year"]), Decimal(row["kg_co2e_per_kwh"]), row["source"], row["gas_basis"]
    )


def known_grids() -> set[str]:
    """The grids data/grid_factors.csv has factors for."""
    return {r["grid"] for r in read(GRID_FILE).rows}


def renewable_impact(
    capacity_mw: Decimal, capacity_factor: Decimal, grid: str, year: int
) -> list[ImpactFigure]:
    """Capacity, expected annual generation (capacity × capacity factor × 8,760 h) and the
    GHG it avoids (generation × the grid's factor: kg/kWh is t/MWh) for a renewable plant."""
    factor = grid_factor(grid, year)
    generation = capacity_mw * capacity_factor * HOURS_PER_YEAR
    avoided = generation * factor.kg_per_kwh
    counts = "CO2 only" if factor.gas_basis == "CO2" else "every greenhouse gas"
    return [
        ImpactFigure("capacity", capacity_mw, "MW", "installed capacity, issuer's data"),
        ImpactFigure(
            "annual_generation",
            generation,
            "MWh",
            f"{capacity_mw} MW × capacity factor {capacity_factor} × 8,760 h",
        ),
        ImpactFigure(
            "ghg_avoided",
            avoided,
            factor.unit,
            f"generation × {factor.kg_per_kwh} {factor.unit}/MWh ({counts}),"
            f" grid {grid} {factor.year} ({factor.source})",
        ),
    ]


def pro_rata(figure: ImpactFigure, share: Decimal) -> ImpactFigure:
    """The figure for the share financed, rounded as PLACES says (half-even)."""
    places = PLACES.get(figure.unit, Decimal("0.01"))
    value = (figure.value * share).quantize(places, rounding=ROUNDING)
    return ImpactFigure(figure.indicator, value, figure.unit, figure.method)
