"""The `corridor` command as a user calls it: help, errors, check, demo and bench."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from corridor.reference_data.demo import demo_logins
from corridor_cli import all_commands, run

COMMANDS = all_commands()
assert len(COMMANDS) >= 15, COMMANDS  # the walk found the app's commands


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command: list[str], tmp_path: Path) -> None:
    """Each command explains itself with --help."""
    result = run([*command, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    assert len(result.stdout.splitlines()) > 3


def test_every_command_is_documented_in_the_readme() -> None:
    """The README names every command it ships."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"corridor {' '.join(command)}" in readme


def test_unknown_command_is_a_clear_error(tmp_path: Path) -> None:
    """A mistyped command exits non-zero without a traceback."""
    result = run(["no-such-command"], tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stdout + result.stderr
    assert "no-such-command" in result.stderr


def test_bad_database_url_is_one_line_on_stderr(tmp_path: Path) -> None:
    """An unusable CORRIDOR_DATABASE_URL is named, not traced back."""
    result = run(["check"], tmp_path, url="mysql://nobody@localhost/x")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "unsupported database 'mysql'" in result.stderr


def test_unreachable_postgres_is_one_line_on_stderr(tmp_path: Path) -> None:
    """A PostgreSQL server that does not answer is reported plainly."""
    result = run(["check"], tmp_path, url="postgresql://postgres@127.0.0.1:1/none")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot open the database" in result.stderr


def test_check_passes_on_an_empty_database(tmp_path: Path) -> None:
    """A new database has consistent books."""
    result = run(["check"], tmp_path)
    assert result.returncode == 0, result.stderr
    # ledger 9, payments 1, green 3, funds 3, audit 1
    assert "all 17 invariants hold" in result.stdout


def test_demo_twice_then_check_then_tamper(tmp_path: Path) -> None:
    """The demo books day 1, continues with day 2 (the next business day, settling what
    day 1 left for it), and check catches a tampered balance."""
    first = run(["demo", "--payments", "1500"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Set up a new corridor" in first.stdout
    assert "Booked business day 1" in first.stdout
    # The day's business ends with the green bond's allocation and impact, then how to
    # log in to the console.
    out = first.stdout
    funds, bond = out.index("Funds: "), out.index("Green bond reports: ")
    assert funds < out.index("Green bond ALBN-GB-2025-1") < bond < out.index("corridor serve")
    # Every demo user and password is printed whole (on the 80 columns a pipe gets), so
    # a newcomer can copy them into the login page.
    for login in demo_logins():
        assert re.search(rf"│ {re.escape(login.username)} +│ {re.escape(login.password)} +│", out)
    day_one = json.loads((tmp_path / "corridor-demo" / "day-1-summary.json").read_text())
    second = run(["demo", "--payments", "1500"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert "continuing with business day 2" in second.stdout
    # Day 1's cross-border subscriptions settled on day 2 and were dealt at its NAVs.
    orders = json.loads(run(["funds", "orders", "--status", "dealt", "--json"], tmp_path).stdout)
    dealt = {o["order_id"] for o in orders["orders"]}
    assert {"D1-SUB-2", "D1-SUB-3", "D2-RED-1"} <= dealt
    held = json.loads(run(["funds", "holdings", "--json"], tmp_path).stdout)["holdings"]
    assert all(h["value"] for h in held)
    summary = json.loads((tmp_path / "corridor-demo" / "day-2-summary.json").read_text())
    assert summary["continued"] is True
    assert summary["date"] > day_one["date"]
    assert all(summary["invariants"].values())
    left_for_later = day_one["payments"]["statuses"].get("reserved", 0)
    assert left_for_later > 0  # received after the mainland's cut-off: value date day 2
    # (and the corporate's pain.001 the demo imports at the close of day 1)
    assert summary["payments"]["settled_from_earlier_days"] >= left_for_later
    assert day_one["payments"]["waited_for_liquidity"] > 0  # Albion opens short of CNY
    assert run(["check"], tmp_path).returncode == 0

    with sqlite3.connect(tmp_path / "corridor.db") as db:
        db.execute(
            "UPDATE accounts SET credits_posted = credits_posted + 1"
            " WHERE timestamp = (SELECT MIN(timestamp) FROM accounts WHERE code = 200)"
        )
    broken = run(["check"], tmp_path)
    assert broken.returncode == 1
    assert "debits_equal_credits" in broken.stderr
    assert "balances_match_the_journal" in broken.stderr


def bench_figures(tmp_path: Path, area: str, *options: str) -> dict[str, Any]:
    """`corridor bench AREA --json --backend sqlite OPTIONS…`: it succeeds and prints
    exactly one JSON object, returned."""
    result = run(["bench", area, "--json", "--backend", "sqlite", *options], tmp_path)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert isinstance(figures, dict)
    return figures


def test_bench_ledger_prints_one_json_object(tmp_path: Path) -> None:
    """`corridor bench ledger --json` prints exactly one JSON object with its fields."""
    figures = bench_figures(
        tmp_path, "ledger", "--transfers", "3000", "--accounts", "40", "--single", "20"
    )
    for field in (
        "backend",
        "transfers",
        "accounts",
        "batch_size",
        "transfers_per_s",
        "single_per_s",
        "raw_floor_per_s",
        "p99_batch_ms",
    ):
        assert field in figures
    assert figures["backend"] == "sqlite"
    assert figures["transfers"] > 2900
    assert figures["transfers_per_s"] > 0
    assert figures["raw_floor_per_s"] > 0


def test_bench_iso_prints_one_json_object_for_the_run_size_asked(tmp_path: Path) -> None:
    """`corridor bench iso --json` validates, imports (here in runs of 10 transfers from
    one account each) and exports, and says how it did."""
    figures = bench_figures(
        tmp_path,
        "iso",
        "--transactions",
        "20",
        "--import-transactions",
        "30",
        "--run-size",
        "10",
    )
    assert figures["transactions"] == 20
    assert figures["import_transactions"] == 30
    assert figures["import_run_size"] == 10
    assert sum(figures["import_statuses"].values()) == 30
    for field in ("validate_per_s", "import_per_s", "export_per_s", "peak_rss_mb"):
        assert figures[field] > 0


def test_bench_rejects_an_unknown_backend(tmp_path: Path) -> None:
    """A bad option value is a usage error, not a traceback."""
    result = run(["bench", "ledger", "--backend", "oracle"], tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "sqlite or postgres" in result.stderr


def test_a_long_error_stays_on_one_line(tmp_path: Path) -> None:
    """However long the message, the error is one line on stderr (no wrapping)."""
    long_path = tmp_path / ("deep-folder-name-" * 6) / "list.xml"
    long_path.parent.mkdir(parents=True)
    long_path.write_text("not xml at all", encoding="utf-8")
    result = run(["lists", "load", "--format", "un-xml", str(long_path)], tmp_path)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(long_path) in result.stderr


def test_bench_screening_prints_one_json_object(tmp_path: Path) -> None:
    """`corridor bench screening --json` measures quality and speed on the real lists."""
    data = Path(__file__).parents[2] / ".." / "shared" / "sanctions"
    result = run(
        ["bench", "screening", "--json", "--negatives", "300", "--data", str(data)], tmp_path
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    for field in (
        "list_entries",
        "names",
        "names_per_s",
        "recall",
        "precision",
        "false_positive_rate",
        "threshold",
    ):
        assert field in figures
    assert figures["list_entries"] == 7379 + 1003
    assert figures["names"] == 1366 + 300
    assert figures["recall"] > 0.95


def test_bench_screening_without_its_data_is_one_clear_error(tmp_path: Path) -> None:
    """A missing data folder is named, not traced back."""
    result = run(["bench", "screening", "--json", "--data", str(tmp_path / "nowhere")], tmp_path)
    assert result.returncode == 1
    assert "benchmark data not found" in result.stderr
    assert "Traceback" not in result.stderr
