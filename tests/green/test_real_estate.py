"""A building's scope 2 from its metered electricity and the grid's factor, through the
positions file end to end; refusals name line and column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from corridor.green.errors import PositionsFileError
from corridor.green.financed import financed_emissions

HEADER = (
    "position_id,asset_class,currency,outstanding,value_at_origination,scope1,scope2,"
    "data_quality,electricity_kwh,grid,vintage"
)


def _file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "positions.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_scope2_is_metered_kwh_times_the_grid_factor_of_its_year(tmp_path: Path) -> None:
    """A London mortgage: 3,000 kWh in 2024 × 0.20705 kg/kWh = 0.62115 t, half financed
    (200,000 of a 400,000 home). A Shenzhen office: 1,000,000 kWh in 2025; the China
    Southern grid's newest factor is 2023's (0.4042): 404.2 t, half financed, and the trail
    says which factor and that it counts CO2 only. A mortgage with no vintage takes the
    reporting year's factor (UK 2025: 0.17700)."""
    path = _file(
        tmp_path,
        "m1,mortgage,GBP,200000,400000,1.2,,2,3000,UK,2024",
        "c1,commercial_real_estate,CNY,5000000,10000000,20,,2,1000000,CN-southern,2025",
        "m2,mortgage,GBP,100000,100000,0,,2,10000,UK,",
    )
    result = financed_emissions(path, "GBP", date(2025, 12, 31))
    rows = {r["position_id"]: r for r in result.positions.iter_rows(named=True)}
    assert rows["m1"]["scope2"] == pytest.approx(0.62115)
    assert rows["m1"]["financed_scope2"] == pytest.approx(0.310575)
    assert "UK 2024 grid factor 0.20705" in rows["m1"]["emissions_source"]
    assert rows["c1"]["financed_scope2"] == pytest.approx(202.1)
    assert "CN-southern 2023" in rows["c1"]["emissions_source"]
    assert "CO2 only" in rows["c1"]["emissions_source"]
    assert rows["m2"]["scope2"] == pytest.approx(1.77)
    assert "UK 2025" in rows["m2"]["emissions_source"]


@pytest.mark.parametrize(
    ("row", "column", "says"),
    [
        ("b1,business_loan,GBP,100,,1,,3,5,UK,", "electricity_kwh", "applies to real estate only"),
        ("m1,mortgage,GBP,1,10,1,,2,5,MARS,", "grid", "unknown grid 'MARS'"),
        ("m1,mortgage,GBP,1,10,1,2,2,5,UK,", "electricity_kwh", "not both"),
        ("m1,mortgage,GBP,1,10,1,,2,5,,", "grid", "metered electricity names its grid"),
        ("m1,mortgage,GBP,1,10,1,,2,,UK,", "grid", "without electricity_kwh"),
        (
            "m1,mortgage,GBP,1,10,1,,2,5,UK,2019",
            "grid",
            "no emission factor for grid 'UK' up to 2019",
        ),
    ],
)
def test_bad_metered_rows_are_refused_by_line_and_column(
    tmp_path: Path, row: str, column: str, says: str
) -> None:
    with pytest.raises(PositionsFileError) as refused:
        financed_emissions(_file(tmp_path, row), "GBP", date(2025, 12, 31))
    named = [(p.line, p.column) for p in refused.value.problems if says in p.message]
    assert named == [(2, column)], refused.value.problems
