"""The positions CSV: a malformed file is refused whole, every problem named by line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from corridor.green.errors import PositionsFileError
from corridor.green.financed import financed_emissions
from corridor.green.positions import read_positions

HEADER = "position_id,asset_class,currency,outstanding,evic,scope1,scope2,data_quality"
GOOD = "P1,listed_equity,GBP,100.50,1000,10,2,1"


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "positions.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def refused(path: Path) -> PositionsFileError:
    with pytest.raises(PositionsFileError) as caught:
        read_positions(path)
    assert str(path) in str(caught.value)
    assert "nothing was computed" in str(caught.value)
    return caught.value


def test_a_good_file_is_read_and_typed(tmp_path: Path) -> None:
    positions = read_positions(write(tmp_path, HEADER, GOOD))
    assert positions.height == 1
    assert positions["outstanding"][0] == 100.5
    assert positions["_line"][0] == 2


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    error = refused(write(tmp_path, HEADER.replace(",scope2", ""), "P1,listed_equity,GBP,1,10,1,1"))
    assert (error.problems[0].line, error.problems[0].column) == (1, "scope2")
    assert "required column is missing" in str(error)


@pytest.mark.parametrize(
    ("row", "column", "text"),
    [
        ("P2,listed_equity,GBP,-5,1000,10,2,1", "outstanding", "'-5' is negative"),
        ("P2,crypto,GBP,5,1000,10,2,1", "asset_class", "unknown asset class 'crypto'"),
        ("P2,listed_equity,GBX,5,1000,10,2,1", "currency", "unknown currency 'GBX'"),
        ("P2,listed_equity,GBP,5,1000,ten,2,1", "scope1", "'ten' is not a number"),
        ("P2,listed_equity,GBP,5,1000,10,2,7", "data_quality", "not a data quality score"),
        ("P2,listed_equity,GBP,5.001,1000,10,2,1", "outstanding", "more decimals"),
        ("P2,listed_equity,GBP,5,,10,2,1", "evic", "positive EVIC"),
        ("P1,listed_equity,GBP,5,1000,10,2,1", "position_id", "earlier line too"),
        ("P2,listed_equity,GBP,5,1000,nan,2,1", "scope1", "not a number"),
    ],
)
def test_a_bad_row_is_named_by_line_and_column(
    tmp_path: Path, row: str, column: str, text: str
) -> None:
    """The bad row is the file's third line; the good one before it is not computed either."""
    error = refused(write(tmp_path, HEADER, GOOD, row))
    problem = next(p for p in error.problems if p.column == column)
    assert problem.line == 3
    assert text in problem.message
    assert f"line 3, column {column}" in str(error) or len(error.problems) > 1


def test_every_problem_is_reported_in_one_run(tmp_path: Path) -> None:
    error = refused(
        write(tmp_path, HEADER, "P1,listed_equity,GBP,-1,1000,x,2,1", "P2,bogus,GBP,1,1,1,1,1")
    )
    assert {(p.line, p.column) for p in error.problems} >= {
        (2, "outstanding"),
        (2, "scope1"),
        (3, "asset_class"),
    }
    assert "(and 2 more problems)" in str(error)


def test_not_a_csv_at_all(tmp_path: Path) -> None:
    path = tmp_path / "positions.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\x00\n\x01")
    refused(path)


def test_a_missing_file(tmp_path: Path) -> None:
    error = refused(tmp_path / "none.csv")
    assert "no such file" in str(error)


def test_the_count_of_more_problems_counts_them_all(tmp_path: Path) -> None:
    """A hundred bad rows: the first 20 are kept, the message counts every one."""
    rows = [f"P{i},listed_equity,GBP,-1,1000,1,1,1" for i in range(100)]
    error = refused(write(tmp_path, HEADER, *rows))
    assert len(error.problems) == 20
    assert error.total == 100
    assert "(and 99 more problems)" in str(error)


def test_scope3_needs_its_own_data_quality_score(tmp_path: Path) -> None:
    header = HEADER + ",scope3,data_quality_scope3"
    error = refused(write(tmp_path, header, GOOD + ",500,"))
    assert (error.problems[0].line, error.problems[0].column) == (2, "data_quality_scope3")
    assert read_positions(write(tmp_path, header, GOOD + ",500,4"))["data_quality_scope3"][0] == 4


def test_a_currency_without_an_ecb_rate_is_named_by_line(tmp_path: Path) -> None:
    """AED is ISO 4217 but the ECB publishes no rate for it: the file is refused at its
    line, not later without one."""
    path = write(tmp_path, HEADER, GOOD, "P2,listed_equity,AED,1,1000,1,1,1")
    with pytest.raises(PositionsFileError) as caught:
        financed_emissions(path)
    assert "line 3, column currency" in str(caught.value)
    assert "AED" in str(caught.value)
    assert "nothing was computed" in str(caught.value)


def test_blanks_around_a_cell_are_trimmed_and_a_blank_cell_is_empty(tmp_path: Path) -> None:
    header = HEADER + ",counterparty"
    positions = read_positions(
        write(tmp_path, header, " P1 ,listed_equity,GBP, 100.50 ,1000,10,2,1,  ")
    )
    assert (positions["position_id"][0], positions["outstanding"][0]) == ("P1", 100.5)
    assert positions["counterparty"][0] is None
