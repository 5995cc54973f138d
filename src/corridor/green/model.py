"""The green-finance records: projects, green bonds and their frameworks, impact figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from corridor.green.classification import Sector
from corridor.money import Money


class Side(StrEnum):
    """The side of the corridor a project, payment or holding is on."""

    LUOHU = "luohu"
    HONG_KONG = "hong_kong"
    LONDON = "london"


class Placement(StrEnum):
    """Where unallocated proceeds are placed meanwhile (ICMA: management of proceeds)."""

    CASH = "cash"
    MONEY_MARKET = "money_market"
    GOVERNMENT_SECURITIES = "government_securities"


@dataclass(frozen=True, slots=True)
class Project:
    """An eligible green project: what it is, where, its cost and its sector codes."""

    id: str
    name: str
    side: Side
    country: str
    sector: Sector
    total_cost: Money
    approved_on: date
    grid: str = ""
    """The electricity grid whose emission factor its avoided emissions are measured against."""
    name_zh: str = ""


@dataclass(frozen=True, slots=True)
class Framework:
    """A green bond framework (ICMA GBP's four components, in what the books need)."""

    taxonomies: tuple[str, ...]
    """The taxonomies (id and version, e.g. "cgt 2022-06") eligibility is judged against."""
    categories: tuple[str, ...]
    """The ICMA project categories the proceeds may go to."""
    external_review: str
    unallocated_policy: str
    """How unallocated proceeds are placed meanwhile."""
    reporting: str = "annual allocation and impact report until full allocation"


@dataclass(frozen=True, slots=True)
class GreenBond:
    """A green bond: its identity, issuer, proceeds and framework."""

    id: str
    isin: str
    name: str
    issuer_bic: str
    proceeds: Money
    issued_on: date
    matures_on: date
    framework: Framework


@dataclass(frozen=True, slots=True)
class ImpactFigure:
    """One impact indicator of a project for a year, with how it was obtained."""

    indicator: str
    value: Decimal
    unit: str
    method: str


@dataclass(frozen=True, slots=True)
class ProjectAllocation:
    """What a bond has allocated to one project, and the share of the project it finances."""

    project: Project
    category: str
    allocated: Money
    share_financed: Decimal
    eligibility: str = ""
    """Why the project is eligible: the green tags it was selected on, or an override."""


@dataclass(frozen=True, slots=True)
class BondPosition:
    """A bond's proceeds now: allocated per project, unallocated cash and placements."""

    bond: GreenBond
    allocations: list[ProjectAllocation] = field(default_factory=list)
    unallocated_cash: Money | None = None
    placements: dict[str, Money] = field(default_factory=dict)

    @property
    def allocated(self) -> Money:
        """The proceeds allocated to projects, in all."""
        total = Money.of(0, self.bond.proceeds.currency)
        for allocation in self.allocations:
            total += allocation.allocated
        return total

    @property
    def unallocated(self) -> Money:
        """Proceeds not yet allocated: cash plus what is placed meanwhile."""
        total = (
            Money.of(0, self.bond.proceeds.currency)
            if self.unallocated_cash is None
            else self.unallocated_cash
        )
        for placed in self.placements.values():
            total += placed
        return total
