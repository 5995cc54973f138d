"""`corridor green` as a user calls it."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

from corridor.green.demo import run_green_demo
from corridor.ledger import Ledger
from corridor.store import make_engine, upgrade
from corridor_cli import assert_one_line_error, run

HEADER = "position_id,asset_class,currency,outstanding,evic,scope1,scope2,data_quality,revenue"


def test_pcaf_json_and_a_bad_file(tmp_path: Path) -> None:
    good = tmp_path / "p.csv"
    good.write_text(f"{HEADER}\nA,listed_equity,EUR,50,100,1000,0,3,2000000000\n", encoding="utf-8")
    result = run(["green", "pcaf", str(good), "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["portfolio"]["financed_scope12"] == 500.0
    assert figures["positions"][0]["attribution_factor"] == 0.5
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nA,listed_equity,EUR,-50,100,1000,0,3,\n", encoding="utf-8")
    assert_one_line_error(run(["green", "pcaf", str(bad)], tmp_path), "line 2, column outstanding")


def test_classify_and_record_an_analyst_decision(tmp_path: Path) -> None:
    result = run(
        [
            "green",
            "classify",
            "--nace",
            "M71.20",
            "--cn-industry",
            "7461",
            "--technology",
            "environmental_monitoring",
            "--approved",
            "2025-06-01",
            "--json",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "not under cgt" in json.loads(result.stdout)["divergence"]
    assert_one_line_error(
        run(
            [
                "green",
                "classify",
                "--subject",
                "project:X",
                "--taxonomy",
                "cgt",
                "--activity",
                "4.1",
            ],
            tmp_path,
        ),
        "records its reason",
    )


def test_report_of_an_unknown_bond_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(
        run(["green", "report", "--bond", "NOPE"], tmp_path), "no green bond 'NOPE'"
    )


def test_bench_green_prints_one_json_object(tmp_path: Path) -> None:
    result = run(["bench", "green", "--json", "--positions", "2000", "--repeats", "1"], tmp_path)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["positions"] == 2000
    assert figures["pcaf_positions_per_s"] > 0
    assert figures["file_positions_per_s"] > 0  # end to end from a CSV file, checked


def test_gar_total_and_refusals_are_one_line(tmp_path: Path) -> None:
    exposures = tmp_path / "e.csv"
    exposures.write_text(
        "exposure_id,counterparty_type,currency,amount,aligned_amount\n"
        "A,household,EUR,100,40\nB,sovereign,EUR,50,\n",
        encoding="utf-8",
    )
    result = run(
        ["green", "gar", "--exposures", str(exposures), "--as-of", "2025-06-30", "--json"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["gar_total"]["ratio"] == "0.4000"
    assert figures["as_of"] == "2025-06-30"
    exposures.write_text(
        "exposure_id,counterparty_type,currency,amount,aligned_amount\nA,household,EUR,NaN,0\n",
        encoding="utf-8",
    )
    assert_one_line_error(
        run(["green", "gar", "--exposures", str(exposures)], tmp_path), "line 2, column amount"
    )


def test_a_malformed_date_option_is_one_line(tmp_path: Path) -> None:
    good = tmp_path / "p.csv"
    good.write_text(f"{HEADER}\nA,listed_equity,EUR,50,100,1000,0,3,\n", encoding="utf-8")
    assert_one_line_error(
        run(["green", "pcaf", str(good), "--as-of", "30/06/2025"], tmp_path), "--as-of"
    )
    assert_one_line_error(
        run(["green", "classify", "--technology", "wind", "--approved", "soon"], tmp_path),
        "--approved",
    )


def test_report_of_the_demo_bond_writes_its_files(tmp_path: Path) -> None:
    """The demo bond's first tranche booked, `corridor green report` writes the HTML, PDF
    and CSVs; allocated + unallocated = proceeds, and each impact row's part attributable
    to the bond is the project's figure times the share financed, to the unit."""
    engine = make_engine(f"sqlite:///{tmp_path}/corridor.db")
    upgrade(engine)
    with Ledger(engine) as ledger:
        run_green_demo(engine, ledger, 1, tmp_path / "demo")
    engine.dispose()
    result = run(["green", "report", "--bond", "ALBN-GB-2025-1", "--out", "r", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert Decimal(shown["allocated"]) + Decimal(shown["unallocated"]) == Decimal(shown["proceeds"])
    assert Decimal(shown["allocated"]) == sum(Decimal(v) for v in shown["projects"].values()) > 0
    files = {Path(f).name: Path(tmp_path / f) for f in shown["files"]}
    stem = "green-bond-ALBN-GB-2025-1"
    assert files[f"{stem}-report.pdf"].read_bytes().startswith(b"%PDF")
    assert "<svg" in files[f"{stem}-report.html"].read_text(encoding="utf-8")
    impact = files[f"{stem}-impact.csv"].read_text(encoding="utf-8")
    rows = list(csv.DictReader(impact.splitlines()))
    assert rows
    for row in rows:
        whole, share = Decimal(row["project_total"]), Decimal(row["share_financed"])
        assert "E" not in row["project_total"]
        assert abs(Decimal(row["attributable_to_bond"]) - whole * share) <= 1
