"""The green asset ratio of an exposures file: the EU exclusions, the refusals that name
line and column, and the one ratio in a reporting currency at stated ECB rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from corridor.fx import reference_rate
from corridor.green.corridor_view import corridor_view
from corridor.green.errors import PositionsFileError
from corridor.green.gar import green_asset_ratio
from corridor.store import make_engine, upgrade

HEADER = "exposure_id,counterparty_type,currency,amount,aligned_amount"
ON = date(2025, 6, 30)


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "exposures.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_aligned_over_covered_with_the_exclusions(tmp_path: Path) -> None:
    """Sovereigns and the trading book are out of both sides; a non-CSRD undertaking and
    other assets are in the denominator only."""
    report = green_asset_ratio(
        write(
            tmp_path,
            "M1,household,EUR,400.00,300.00",
            "L1,non_financial_csrd,EUR,200,50",
            "N1,non_csrd_undertaking,EUR,300,",
            "O1,other,EUR,100,0",
            "S1,sovereign,EUR,1000,",
            "T1,trading_book,EUR,500,",
        ),
        on=ON,
    )
    (eur,) = report.by_currency
    assert (eur.covered_assets, eur.aligned, eur.excluded) == (
        Decimal(1000),
        Decimal(350),
        Decimal(1500),
    )
    assert eur.ratio == Decimal("0.3500")
    assert report.total == eur  # one currency: the total is the same ratio


def test_the_total_converts_each_currency_at_the_ecb_rate_of_the_day(tmp_path: Path) -> None:
    """The EU KPI is one ratio: GBP and EUR exposures together, GBP at its ECB rate."""
    report = green_asset_ratio(
        write(tmp_path, "A,household,EUR,100,100", "B,household,GBP,100,0"), "EUR", ON
    )
    gbp = reference_rate("GBP", "EUR", ON).rate
    assert [r.ratio for r in report.by_currency] == [Decimal(1), Decimal(0)]
    assert report.total is not None
    assert report.total.covered_assets == (100 + 100 * gbp).quantize(Decimal("0.01"))
    assert report.total.ratio == (100 / (100 + 100 * gbp)).quantize(Decimal("0.0001"))
    assert report.as_of == ON
    assert "GBP/EUR" in report.rates


@pytest.mark.parametrize(
    ("rows", "line", "column", "text"),
    [
        (["E1,household,EUR,NaN,0"], 2, "amount", "not an amount"),
        (["E1,household,EUR,Infinity,0"], 2, "amount", "not an amount"),
        (["E1,household,EUR,1e3,0"], 2, "amount", "not an amount"),
        (["E1,household,EUR,-5,0"], 2, "amount", "negative"),
        (["E1,household,EUR,,0"], 2, "amount", "is empty"),
        (["E1,household,EUR,100.001,0"], 2, "amount", "more decimals"),
        (["E1,household,EUR,100,abc"], 2, "aligned_amount", "not an amount"),
        (["E1,household,EUR,100,150"], 2, "aligned_amount", "more than the amount"),
        (["E1,household,EUR,100,50", "E1,household,EUR,100,50"], 3, "exposure_id", "line 2"),
        (["E1,other,EUR,100,100"], 2, "aligned_amount", "cannot count as aligned"),
        (["E1,derivative,EUR,100,100"], 2, "aligned_amount", "denominator only"),
        (["E1,sovereign,EUR,100,100"], 2, "aligned_amount", "excluded from the ratio"),
        (["E1,bank,EUR,100,0"], 2, "counterparty_type", "one of financial_csrd"),
        (["E1,household,GBX,100,0"], 2, "currency", "unknown currency"),
        (["E1,household,AED,100,0"], 2, "currency", "cannot convert AED"),
    ],
)
def test_a_bad_row_is_refused_naming_line_and_column(
    tmp_path: Path, rows: list[str], line: int, column: str, text: str
) -> None:
    with pytest.raises(PositionsFileError) as caught:
        green_asset_ratio(write(tmp_path, *rows), on=ON)
    assert f"line {line}, column {column}" in str(caught.value)
    assert text in str(caught.value)
    assert "nothing was computed" in str(caught.value)


def test_every_bad_row_is_counted(tmp_path: Path) -> None:
    rows = [f"E{i},household,EUR,-1,0" for i in range(30)]
    with pytest.raises(PositionsFileError) as caught:
        green_asset_ratio(write(tmp_path, *rows), on=ON)
    assert caught.value.total == 30
    assert len(caught.value.problems) == 20
    assert "(and 29 more problems)" in str(caught.value)


def test_a_missing_column_and_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_text("exposure_id,currency,amount\nE1,EUR,1\n", encoding="utf-8")
    with pytest.raises(PositionsFileError, match="line 1, column counterparty_type"):
        green_asset_ratio(path)
    empty = green_asset_ratio(write(tmp_path))
    assert (empty.by_currency, empty.total) == ([], None)


def test_loans_by_side_of_the_corridor_from_the_counterparty_country(tmp_path: Path) -> None:
    """The covered exposures naming a country feed the corridor view by side: London
    (GB) 1,000 + 500 covered with 250 aligned → 0.1667; the sovereign is left out as in
    the GAR; a row without a country counts in the GAR only."""
    path = tmp_path / "exposures.csv"
    path.write_text(
        HEADER
        + ",country\n"
        + "e1,non_financial_csrd,GBP,1000.00,250.00,GB\n"
        + "e2,household,CNY,5000.00,1000.00,CN\n"
        + "e3,sovereign,GBP,999.00,,GB\n"
        + "e4,non_csrd_undertaking,GBP,500.00,,GB\n"
        + "e5,non_financial_csrd,HKD,100.00,100.00,\n",
        encoding="utf-8",
    )
    report = green_asset_ratio(path, on=ON)
    assert report.by_country == [
        ("CN", "CNY", Decimal("5000.00"), Decimal("1000.00")),
        ("GB", "GBP", Decimal("1500.00"), Decimal("250.00")),
    ]
    rows = corridor_view(engine_of(tmp_path), report.by_country).rows
    loans = {(r["side"], r["currency"]): r["green_share"] for r in rows if r["business"] == "loans"}
    assert loans == {("london", "GBP"): "0.1667", ("luohu", "CNY"): "0.2000"}
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + ",country\ne1,household,GBP,1,1,gb\n", encoding="utf-8")
    with pytest.raises(PositionsFileError, match="line 2, column country"):
        green_asset_ratio(bad, on=ON)


def engine_of(tmp_path: Path) -> Engine:
    """An empty, migrated store: the view's other rows come from the books."""
    engine = make_engine(f"sqlite:///{tmp_path}/corridor.db")
    upgrade(engine)
    return engine
