"""The demo's green bond: Albion Corridor Bank issues an offshore-renminbi green bond in
London for projects in Luohu, allocates its proceeds over the first business days, and
reports allocation and impact. Each run books the next tranche; a repeated run books
nothing twice (every transfer id comes from the bond and the day), and a run stopped
early is finished by the next (every set-up step runs each time and is idempotent)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.engine import Engine

from corridor.green import bonds
from corridor.green import repository as repo
from corridor.green.classification import Sector, TagStatus, analyst_tag, classify
from corridor.green.impact import renewable_impact
from corridor.green.model import BondPosition, Framework, GreenBond, ImpactFigure, Project, Side
from corridor.green.reports import ImpactLine, build, write
from corridor.green.taxonomy import TaxonomyId
from corridor.ledger import Ledger
from corridor.money import Money

BOND_ID = "ALBN-GB-2025-1"
ISSUED = date(2025, 9, 15)  # before 1 October 2025: the bond keeps the 2021 China catalogue
CCY = "CNH"
M = 1_000_000


def _cnh(millions: int) -> Money:
    return Money.of(millions * M, CCY)


BOND = GreenBond(
    BOND_ID,
    "XS3025170013",
    "Albion Corridor Bank 2.85% Green Bond 2030 (CNH)",
    "ALBNGB2LXXX",
    _cnh(250),
    ISSUED,
    date(2030, 9, 15),
    Framework(
        taxonomies=("icma-gbp 2021-06", "cgt 2022-06", "cn-gbepc 2021"),
        categories=("renewable_energy", "clean_transportation", "pollution_prevention"),
        external_review="second-party opinion (fictional, for the demo)",
        unallocated_policy="held in cash or placed in CNH money-market deposits until allocated",
    ),
)
PROJECTS = (
    (
        Project(
            "LUOHU-SOLAR-01",
            "Luohu rooftop solar PV, 12 MW",
            Side.LUOHU,
            "CN",
            Sector("D35.11", "4416", "solar_pv"),
            _cnh(60),
            date(2025, 6, 2),
            "CN-southern",
            "罗湖屋顶分布式光伏",
        ),
        "renewable_energy",
    ),
    (
        Project(
            "LUOHU-EBUS-01",
            "Luohu battery-electric bus fleet and depot",
            Side.LUOHU,
            "CN",
            Sector("H49.31", "5411", "electric_bus"),
            _cnh(180),
            date(2025, 7, 7),
            "",
            "罗湖纯电动公交车队及场站",
        ),
        "clean_transportation",
    ),
    (
        Project(
            "LUOHU-RIVER-01",
            "Luohu river environmental monitoring network",
            Side.LUOHU,
            "CN",
            Sector("M71.20", "7461", "environmental_monitoring"),
            _cnh(40),
            date(2025, 8, 4),
            "",
            "罗湖河流环境监测网络",
        ),
        "pollution_prevention",
    ),
)
# day → (recall from the money market, then allocations), in CNH millions
TRANCHES: dict[int, tuple[int, tuple[tuple[str, int], ...]]] = {
    1: (0, (("LUOHU-SOLAR-01", 60), ("LUOHU-EBUS-01", 90))),
    2: (60, (("LUOHU-EBUS-01", 60),)),
    3: (40, (("LUOHU-RIVER-01", 40),)),
}


@dataclass
class GreenDemoResult:
    """What the green part of the demo did, and the bond's position after it."""

    position: BondPosition
    booked: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    impacts: list[ImpactLine] = field(default_factory=list)


def _impacts(project: Project) -> list[ImpactFigure]:
    if project.sector.technology == "solar_pv":
        return renewable_impact(Decimal(12), Decimal("0.125"), project.grid, 2025)
    if project.sector.technology == "electric_bus":
        return [
            ImpactFigure(
                "vehicles",
                Decimal(120),
                "buses",
                "issuer's data; GHG avoided not estimated (no sourced diesel-bus factor shipped)",
            )
        ]
    return [ImpactFigure("monitoring_stations", Decimal(36), "stations", "issuer's data")]


def _set_up(engine: Engine, ledger: Ledger) -> None:
    """Register, classify, issue, select and place: every step runs on every run and does
    nothing it did before, so a run stopped half-way is finished by the next."""
    for project, _category in PROJECTS:
        bonds.register_project(engine, project)
        # Classified for this bond: the China catalogue turns on the bond's registration.
        tags = classify(project.sector, ISSUED, side=project.side.value)
        if project.sector.technology == "solar_pv":
            tags.append(
                analyst_tag(
                    TaxonomyId.CGT,
                    "4.1",
                    TagStatus.ALIGNED,
                    "technical screening criteria confirmed from the independent engineer's"
                    " report (demo)",
                    "green.analyst",
                )
            )
        with engine.begin() as connection:
            repo.record_tags(connection, f"project:{project.id}", tags)
            repo.put_impacts(connection, project.id, 2025, _impacts(project))
    bonds.issue(engine, ledger, BOND)
    for project, category in PROJECTS:
        bonds.select(engine, ledger, BOND_ID, project.id, category, ISSUED)
    bonds.place(engine, ledger, BOND_ID, "money_market", _cnh(100), ISSUED, "day-1")


def run_green_demo(engine: Engine, ledger: Ledger, day: int, out: Path) -> GreenDemoResult:
    """Issue the demo bond (first run), book day `day`'s tranche, write the reports."""
    _set_up(engine, ledger)
    booked = []
    recall, allocations = TRANCHES.get(day, (0, ()))
    on = ISSUED + timedelta(days=30 * (day - 1))
    if recall:
        bonds.recall(engine, ledger, BOND_ID, "money_market", _cnh(recall), on, f"day-{day}")
        booked.append(f"recalled {recall:,},000,000 {CCY} from the money market")
    for project_id, millions in allocations:
        bonds.allocate(
            engine, ledger, BOND_ID, project_id, _cnh(millions), on, f"day-{day}-{project_id}"
        )
        booked.append(f"allocated {millions:,},000,000 {CCY} to {project_id}")
    position = bonds.position(engine, ledger, BOND_ID)
    report = build(engine, position)
    return GreenDemoResult(position, booked, write(report, out), report.impacts)
