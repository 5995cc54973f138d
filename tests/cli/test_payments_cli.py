"""`corridor payments track`, `corridor payments list` and `corridor bench payments` as a
user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from corridor_cli import assert_one_line_error, run


def test_the_demo_payments_can_be_tracked_by_uetr(tmp_path: Path) -> None:
    """After the demo, a settled payment's tracker shows its route, fees and timeline."""
    demo = run(["demo", "--payments", "60"], tmp_path)
    assert demo.returncode == 0, demo.stderr
    summary = json.loads((tmp_path / "corridor-demo" / "day-1-summary.json").read_text())
    payments = summary["payments"]
    assert payments["submitted"] == 60
    assert sum(payments["statuses"].values()) == 60
    uetr = payments["track_for_example"][0]
    assert f"corridor payments track {uetr}" in demo.stdout
    tracked = run(["payments", "track", uetr, "--json"], tmp_path)
    assert tracked.returncode == 0, tracked.stderr
    view = json.loads(tracked.stdout)
    assert view["uetr"] == uetr
    assert view["status"] == "settled"
    assert [e["iso_status"] for e in view["events"]][-1] == "ACSC"
    assert view["route"][0] == view["debtor_agent"]
    assert view["fees"]
    shown = run(["payments", "track", uetr], tmp_path)
    assert "Timeline" in shown.stdout
    assert "End to end" in shown.stdout
    listed = run(["payments", "list"], tmp_path)
    assert "settled" in listed.stdout


def test_tracking_an_unknown_uetr_is_one_clear_error(tmp_path: Path) -> None:
    """No such payment: one line on stderr, exit 1."""
    result = run(["payments", "track", "7b8f8a52-6f66-4f2a-9d10-000000000000"], tmp_path)
    assert_one_line_error(result, "no payment with UETR")


def test_bench_payments_prints_one_json_object(tmp_path: Path) -> None:
    """The contract's fields, and every payment accounted for."""
    result = run(
        ["bench", "payments", "--json", "--payments", "60", "--batch-size", "25", "--single", "10"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {"backend", "payments", "payments_per_s", "single_p50_ms", "single_p99_ms"} <= set(
        figures
    )
    assert figures["payments"] == 60
    assert figures["batch_size"] == 25
    assert sum(figures["statuses"].values()) == 60 + 10  # batched and one by one
    assert figures["statuses"].get("settled", 0) > 0
    assert figures["single_p50_ms"] <= figures["single_p99_ms"]


def test_settle_carries_on_and_settles_what_came_due(tmp_path: Path) -> None:
    """After a demo day, `corridor payments settle --json` reports what it did, and the
    books hold."""
    assert run(["demo", "--payments", "40"], tmp_path).returncode == 0
    result = run(["payments", "settle", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    done = json.loads(result.stdout)
    assert {"settled_or_carried_on", "released_from_the_queue", "statuses"} <= set(done)
    assert sum(done["statuses"].values()) >= 40
    assert run(["check"], tmp_path).returncode == 0
