"""A green bond's proceeds on the ledger, on both stores: allocation, placement, the
invariants, and refusals that change nothing."""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.green import bonds
from corridor.green import repository as repo
from corridor.green.accounts import (
    GreenTransferCode,
    project_account,
    transfer_id,
    unallocated_account,
)
from corridor.green.classification import Sector
from corridor.green.demo import BOND, BOND_ID, PROJECTS, run_green_demo
from corridor.green.errors import AllocationError, ProjectTermsError
from corridor.green.invariants import INVARIANTS, check_green
from corridor.green.model import GreenBond, Project, Side
from corridor.green.reports import build, write
from corridor.ledger import CreateTransferResult, Ledger, Transfer
from corridor.ledger.invariants import check_ledger
from corridor.ledger.postgres import prepare_connection
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
    # 12 MW × 0.125 × 8,760 h × 0.4042 t/MWh (China Southern 2023, newest before 2025)
    assert solar.financed.value == 5311


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
    assert "cn-gbepc 2021 3.2.2.2 (eligible, rule:solar-pv)" in allocation  # why it is eligible
    assert {len(row) for row in csv.reader(io.StringIO(allocation))} == {12}  # every line
    assert "GHG avoided attributable to the bond (tCO2)" in html  # the MEE factor: CO2 only
    assert next(f for f in files if f.suffix == ".pdf").read_bytes().startswith(b"%PDF")


def _solar() -> Project:
    return PROJECTS[0][0]


def _second_bond() -> GreenBond:
    return replace(BOND, id="ALBN-GB-2025-2", isin="XS3025170021")


def _issue_and_select(engine: Engine, ledger: Ledger, *bonds_: GreenBond) -> Project:
    solar = _solar()
    bonds.register_project(engine, solar)
    for bond in bonds_:
        bonds.issue(engine, ledger, bond)
        bonds.select(engine, ledger, bond.id, solar.id, "renewable_energy", ON)
    return solar


def test_two_bonds_cannot_finance_one_project_beyond_its_cost(
    engine: Engine, ledger: Ledger
) -> None:
    """The 60 M solar project, fully allocated from one bond, gets nothing from a second;
    the shares financed add up to no more than the whole project."""
    solar = _issue_and_select(engine, ledger, BOND, _second_bond())
    bonds.allocate(engine, ledger, BOND_ID, solar.id, cnh(45_000_000), ON, "a")
    bonds.allocate(engine, ledger, "ALBN-GB-2025-2", solar.id, cnh(15_000_000), ON, "b")
    with pytest.raises(AllocationError, match=r"would pass its cost .*60,000,000.00 CNH"):
        bonds.allocate(engine, ledger, "ALBN-GB-2025-2", solar.id, cnh(1), ON, "c")
    shares = [
        a.share_financed
        for bond_id in (BOND_ID, "ALBN-GB-2025-2")
        for a in bonds.position(engine, ledger, bond_id).allocations
    ]
    assert sum(shares) == 1
    assert bonds.position(engine, ledger, "ALBN-GB-2025-2").unallocated == cnh(235_000_000)
    assert all(r.holds for r in check_green(engine) + check_ledger(engine))


def test_allocations_at_the_same_moment_cannot_pass_the_cost(
    engine: Engine, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two allocations of 40 M to the 60 M project, both past every check before either
    books: the ledger's guard on the unfinanced cost lets one through."""
    solar = _issue_and_select(engine, ledger, BOND)
    barrier = threading.Barrier(2, timeout=10)
    create = Ledger.create_transfers

    def at_once(self: Ledger, batch: list[Transfer]) -> list[CreateTransferResult]:
        if any(t.code == GreenTransferCode.ALLOCATE for t in batch):
            barrier.wait()  # both allocations have read everything they read first
        return create(self, batch)

    monkeypatch.setattr(Ledger, "create_transfers", at_once)
    refused: list[Exception] = []

    def allocate(key: str) -> None:
        try:
            with Ledger(engine) as own:
                bonds.allocate(engine, own, BOND_ID, solar.id, cnh(40_000_000), ON, key)
        except AllocationError as error:
            refused.append(error)

    threads = [threading.Thread(target=allocate, args=(k,)) for k in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.undo()
    (allocation,) = bonds.position(engine, ledger, BOND_ID).allocations
    assert allocation.allocated == cnh(40_000_000)
    assert len(refused) == 1
    assert "would pass its cost" in str(refused[0])
    assert [r for r in check_green(engine) + check_ledger(engine) if not r.holds] == []


def test_a_project_green_under_no_taxonomy_of_the_framework_is_not_eligible(
    engine: Engine, ledger: Ledger
) -> None:
    """A coal plant is classified by rule when selected: green nowhere, so refused as
    renewable energy, and nothing is recorded; an analyst may override with a reason."""
    coal = Project(
        "COAL-1",
        "Coal plant",
        Side.LUOHU,
        "CN",
        Sector("D35.11", "4411", "coal"),
        cnh(100_000_000),
        date(2025, 6, 1),
        "CN-southern",
    )
    bonds.register_project(engine, coal)
    bonds.issue(engine, ledger, BOND)
    with pytest.raises(AllocationError, match="green under none of its framework's taxonomies"):
        bonds.select(engine, ledger, BOND_ID, coal.id, "renewable_energy", ON)
    with engine.connect() as connection:
        assert repo.selected(connection, BOND_ID, coal.id) is None
        assert repo.current_tags(connection, "project:COAL-1") == {}  # a refusal records nothing
    with pytest.raises(AllocationError, match="names the analyst"):
        bonds.select(engine, ledger, BOND_ID, coal.id, "renewable_energy", ON, override="x")
    bonds.select(
        engine,
        ledger,
        BOND_ID,
        coal.id,
        "renewable_energy",
        ON,
        override="conversion to biomass co-firing under the framework's transition clause",
        analyst="green.analyst",
    )
    (selected,) = bonds.position(engine, ledger, BOND_ID).allocations
    assert selected.eligibility.startswith("analyst override by green.analyst: conversion")


def test_an_eligible_project_says_why_and_keeps_its_category(
    engine: Engine, ledger: Ledger
) -> None:
    solar = _issue_and_select(engine, ledger, BOND)
    (selected,) = bonds.position(engine, ledger, BOND_ID).allocations
    assert "cgt 2022-06 4.1 (eligible, rule:solar-pv)" in selected.eligibility
    assert "icma-gbp 2021-06 renewable_energy" in selected.eligibility
    bonds.select(engine, ledger, BOND_ID, solar.id, "renewable_energy", ON)  # again: nothing
    with pytest.raises(AllocationError, match="under renewable_energy already"):
        bonds.select(engine, ledger, BOND_ID, solar.id, "clean_transportation", ON)


def test_a_project_registered_again_on_other_terms_is_refused(engine: Engine) -> None:
    solar = _solar()
    assert bonds.register_project(engine, solar)
    assert not bonds.register_project(engine, solar)  # the same terms: nothing changes
    with pytest.raises(ProjectTermsError, match="total_cost 6000000000, not 60000000000"):
        bonds.register_project(engine, replace(solar, total_cost=cnh(600_000_000)))
    with engine.connect() as connection:
        assert repo.project(connection, solar.id) == solar


def test_check_finds_a_project_financed_beyond_its_cost(
    engine: Engine, ledger: Ledger, tmp_path: Path
) -> None:
    run_green_demo(engine, ledger, 1, tmp_path)
    with engine.begin() as c:
        c.execute(sa.text("UPDATE green_projects SET total_cost = 1 WHERE id = 'LUOHU-SOLAR-01'"))
    broken = {r.name: r.problems for r in check_green(engine) if not r.holds}
    assert "beyond its cost" in broken["projects_are_financed_within_their_cost"][0]


def test_an_allocation_booked_before_costs_were_on_the_ledger_is_counted(
    engine: Engine, ledger: Ledger
) -> None:
    """Books kept before the project's cost was on the ledger: their allocations use up
    the cost at the next allocation, so the cap counts them."""
    solar = _issue_and_select(engine, ledger, BOND)
    ledger.create_transfers(  # as allocations were booked before: the move alone
        [
            Transfer(
                transfer_id(BOND_ID, "allocate", "old"),
                unallocated_account(BOND_ID),
                project_account(BOND_ID, solar.id),
                50_000_000_00,
                "CNH",
                int(GreenTransferCode.ALLOCATE),
            )
        ]
    )
    with engine.begin() as c:
        repo.record_allocation(
            c,
            transfer_id(BOND_ID, "allocate", "old"),
            BOND_ID,
            "allocate",
            50_000_000_00,
            ON,
            project_id=solar.id,
        )
    bonds.select(engine, ledger, BOND_ID, solar.id, "renewable_energy", ON)  # as the demo does
    assert all(r.holds for r in check_green(engine))  # the old allocation uses up the cost
    with pytest.raises(AllocationError, match=r"50,000,000.00 CNH allocated already"):
        bonds.allocate(engine, ledger, BOND_ID, solar.id, cnh(20_000_000), ON, "new")
    bonds.allocate(engine, ledger, BOND_ID, solar.id, cnh(10_000_000), ON, "new")
    assert all(r.holds for r in check_green(engine) + check_ledger(engine))


def test_the_demo_finishes_a_run_stopped_after_the_issue(
    engine: Engine, ledger: Ledger, tmp_path: Path
) -> None:
    """A first run that died after issuing the bond left no eligible project and no
    placement: the next run does every set-up step it lacks and allocates day 1."""
    for project, _category in PROJECTS:
        bonds.register_project(engine, project)
    bonds.issue(engine, ledger, BOND)
    result = run_green_demo(engine, ledger, 1, tmp_path)
    assert result.position.allocated == cnh(150_000_000)
    assert result.position.placements["money_market"] == cnh(100_000_000)
    with engine.connect() as c:
        tags = c.execute(sa.text("SELECT count(*) FROM green_classifications")).scalar_one()
    run_green_demo(engine, ledger, 1, tmp_path)  # and a repeated run records no tag twice
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM green_classifications")).scalar_one() == tags
    assert all(r.holds for r in check_green(engine) + check_ledger(engine))


def test_check_reads_ids_on_a_connection_the_ledger_prepared(
    engine: Engine, ledger: Ledger, tmp_path: Path
) -> None:
    """On PostgreSQL the ledger teaches its pooled connections to load uuids as ints; the
    green invariants read ids right on such a connection too."""
    run_green_demo(engine, ledger, 1, tmp_path)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            prepare_connection(connection.connection.driver_connection)  # type: ignore[arg-type]
        for invariant in INVARIANTS:
            assert invariant(connection) == [], invariant.__name__
