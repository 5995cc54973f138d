"""A green bond's proceeds on the ledger, on both stores: allocation, placement, the
invariants, and refusals that change nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.green import bonds
from corridor.green.demo import BOND, BOND_ID, run_green_demo
from corridor.green.errors import AllocationError
from corridor.green.invariants import check_green
from corridor.green.reports import build, write
from corridor.ledger import Ledger
from corridor.ledger.invariants import check_ledger
from corridor.money import Money

ON = date(2025, 10, 1)


def cnh(amount: int) -> Money:
    return Money.of(amount, "CNH")


def test_the_demo_bond_allocates_over_three_days_and_stays_whole(
    engine: Engine, ledger: Ledger, tmp_path: Path
) -> None:
    first = run_green_demo(engine, ledger, 1, tmp_path)
    assert first.position.allocated == cnh(150_000_000)
    assert first.position.placements["money_market"] == cnh(100_000_000)
    again = run_green_demo(engine, ledger, 1, tmp_path)  # a repeated day books nothing twice
    assert again.position.allocated == cnh(150_000_000)
    for day in (2, 3, 4):
        last = run_green_demo(engine, ledger, day, tmp_path)
    assert last.position.allocated == BOND.proceeds
    assert last.position.unallocated.is_zero()
    assert all(r.holds for r in check_green(engine) + check_ledger(engine))
    solar = next(line for line in last.impacts if line.financed.indicator == "ghg_avoided")
    assert solar.financed.value == 5084  # 12 MW × 0.125 × 8,760 h × 0.3869 t/MWh, fully financed


def test_refused_allocations_change_nothing(engine: Engine, ledger: Ledger, tmp_path: Path) -> None:
    run_green_demo(engine, ledger, 1, tmp_path)
    before = bonds.position(engine, ledger, BOND_ID)
    with pytest.raises(AllocationError, match="recall placed proceeds first"):
        bonds.allocate(engine, ledger, BOND_ID, "LUOHU-RIVER-01", cnh(40_000_000), ON, "x1")
    with pytest.raises(AllocationError, match="would pass its cost"):
        bonds.allocate(engine, ledger, BOND_ID, "LUOHU-SOLAR-01", cnh(1), ON, "x2")
    with pytest.raises(AllocationError, match="not an eligible project"):
        bonds.allocate(engine, ledger, BOND_ID, "NOWHERE", cnh(1), ON, "x3")
    with pytest.raises(AllocationError, match="is in CNH"):
        bonds.place(engine, ledger, BOND_ID, "cash", Money.of(1, "GBP"), ON, "x4")
    assert bonds.position(engine, ledger, BOND_ID) == before
    assert all(r.holds for r in check_green(engine))


def test_check_finds_a_journal_that_disagrees_with_the_ledger(
    engine: Engine, ledger: Ledger, tmp_path: Path
) -> None:
    run_green_demo(engine, ledger, 1, tmp_path)
    with engine.begin() as c:
        c.execute(
            sa.text("UPDATE green_allocations SET amount = amount + 1 WHERE kind = 'allocate'")
        )
    broken = {r.name for r in check_green(engine) if not r.holds}
    assert "journal_matches_the_ledger" in broken


def test_reports_carry_allocation_impact_and_charts(
    engine: Engine, ledger: Ledger, tmp_path: Path
) -> None:
    run_green_demo(engine, ledger, 1, tmp_path)
    files = write(build(engine, bonds.position(engine, ledger, BOND_ID)), tmp_path / "r")
    html = next(f for f in files if f.suffix == ".html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 2
    assert "green under cn-gbepc" in html  # the monitoring network: China yes, CGT no
    allocation = next(f for f in files if f.name.endswith("allocation.csv")).read_text()
    assert "LUOHU-SOLAR-01" in allocation
    assert "money_market,100000000.00" in allocation
    assert next(f for f in files if f.suffix == ".pdf").read_bytes().startswith(b"%PDF")
