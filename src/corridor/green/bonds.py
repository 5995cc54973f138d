"""Green bonds (ICMA Green Bond Principles): issue, select eligible projects, allocate the
proceeds on the ledger, place what is unallocated meanwhile, and read the bond's position.

Every movement of proceeds is one ledger transfer between the bond's accounts (accounts.py)
and one row of the allocation journal naming it. The transfer is booked first, with an id
from the caller's key; the journal row follows and is written once, so a retried call (the
ledger answers `exists`) completes a journal a crash left behind. `corridor check` proves
the journal and the ledger agree.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Engine

from corridor.green import repository as repo
from corridor.green.accounts import (
    GreenTransferCode,
    bond_accounts,
    placement_account,
    project_account,
    project_ledger_account,
    raised_account,
    transfer_id,
    unallocated_account,
)
from corridor.green.errors import AllocationError
from corridor.green.model import (
    BondPosition,
    GreenBond,
    Placement,
    Project,
    ProjectAllocation,
)
from corridor.ledger import CreateAccountResult, CreateTransferResult, Ledger, Transfer
from corridor.money import Money

_DONE = (CreateTransferResult.OK, CreateTransferResult.EXISTS)
PLACEMENTS = tuple(p.value for p in Placement)


def register_project(engine: Engine, project: Project) -> bool:
    """Store an eligible project (once); True when new."""
    with engine.begin() as connection:
        return repo.upsert_project(connection, project)


def issue(engine: Engine, ledger: Ledger, bond: GreenBond) -> bool:
    """Record the bond and book its proceeds into unallocated cash; True when new."""
    currency = bond.proceeds.currency.code
    results = ledger.create_accounts(bond_accounts(bond.id, currency, PLACEMENTS))
    if any(r not in (CreateAccountResult.OK, CreateAccountResult.EXISTS) for r in results):
        raise AllocationError(f"the ledger refused bond {bond.id}'s accounts: {set(results)}")
    with engine.begin() as connection:
        new = repo.insert_bond(connection, bond)
    if not new:
        with engine.connect() as connection:
            if repo.bond(connection, bond.id) != bond:
                raise AllocationError(f"bond {bond.id} exists with other terms")
    _book(
        engine,
        ledger,
        bond,
        "issue",
        "issue",
        raised_account(bond.id),
        unallocated_account(bond.id),
        bond.proceeds,
        bond.issued_on,
        GreenTransferCode.ISSUE,
        note=f"proceeds of {bond.isin}",
    )
    return new


def select(
    engine: Engine, ledger: Ledger, bond_id: str, project_id: str, category: str, on: date
) -> None:
    """Make a project eligible for the bond's proceeds under an ICMA category of its framework."""
    with engine.begin() as connection:
        bond = repo.bond(connection, bond_id)
        project = repo.project(connection, project_id)
        if category not in bond.framework.categories:
            raise AllocationError(
                f"{category!r} is not a category of bond {bond_id}'s framework"
                f" ({', '.join(bond.framework.categories)})"
            )
        if project.total_cost.currency != bond.proceeds.currency:
            raise AllocationError(
                f"project {project_id} is costed in {project.total_cost.currency.code},"
                f" the bond in {bond.proceeds.currency.code}"
            )
        repo.select_project(connection, bond_id, project_id, category, on)
    ledger.create_accounts(
        [project_ledger_account(bond_id, project_id, bond.proceeds.currency.code)]
    )


def allocate(
    engine: Engine, ledger: Ledger, bond_id: str, project_id: str, amount: Money, on: date, key: str
) -> None:
    """Allocate `amount` of unallocated cash to an eligible project, never beyond its cost."""
    with engine.connect() as connection:
        bond = repo.bond(connection, bond_id)
        eligible = dict(repo.selected_projects(connection, bond_id))
        if project_id not in eligible:
            raise AllocationError(
                f"project {project_id} is not an eligible project of bond {bond_id}"
            )
        project = repo.project(connection, project_id)
    already = _balance(ledger, project_account(bond_id, project_id), bond)
    if already + amount > project.total_cost and not _booked(ledger, bond_id, "allocate", key):
        raise AllocationError(
            f"allocating {amount} to {project_id} would pass its cost {project.total_cost}"
            f" ({already} allocated already)"
        )
    _book(
        engine,
        ledger,
        bond,
        "allocate",
        key,
        unallocated_account(bond_id),
        project_account(bond_id, project_id),
        amount,
        on,
        GreenTransferCode.ALLOCATE,
        project_id=project_id,
    )


def place(
    engine: Engine, ledger: Ledger, bond_id: str, placement: str, amount: Money, on: date, key: str
) -> None:
    """Place unallocated cash meanwhile (money market, government securities…)."""
    bond = _bond(engine, bond_id)
    Placement(placement)
    _book(
        engine,
        ledger,
        bond,
        "place",
        key,
        unallocated_account(bond_id),
        placement_account(bond_id, placement),
        amount,
        on,
        GreenTransferCode.PLACE,
        placement=placement,
    )


def recall(
    engine: Engine, ledger: Ledger, bond_id: str, placement: str, amount: Money, on: date, key: str
) -> None:
    """Bring placed proceeds back to unallocated cash, ready to allocate."""
    bond = _bond(engine, bond_id)
    Placement(placement)
    _book(
        engine,
        ledger,
        bond,
        "recall",
        key,
        placement_account(bond_id, placement),
        unallocated_account(bond_id),
        amount,
        on,
        GreenTransferCode.RECALL,
        placement=placement,
    )


def position(engine: Engine, ledger: Ledger, bond_id: str) -> BondPosition:
    """The bond's proceeds now, read from the ledger: per project, cash and placements."""
    with engine.connect() as connection:
        bond = repo.bond(connection, bond_id)
        selected = repo.selected_projects(connection, bond_id)
        projects = {pid: repo.project(connection, pid) for pid, _ in selected}
    allocations = []
    for project_id, category in selected:
        allocated = _balance(ledger, project_account(bond_id, project_id), bond)
        share = min(Decimal(1), allocated.amount / projects[project_id].total_cost.amount)
        allocations.append(ProjectAllocation(projects[project_id], category, allocated, share))
    return BondPosition(
        bond,
        allocations,
        _balance(ledger, unallocated_account(bond_id), bond),
        {p: _balance(ledger, placement_account(bond_id, p), bond) for p in PLACEMENTS},
    )


def _bond(engine: Engine, bond_id: str) -> GreenBond:
    with engine.connect() as connection:
        return repo.bond(connection, bond_id)


def _balance(ledger: Ledger, account_id: int, bond: GreenBond) -> Money:
    found = ledger.lookup_accounts([account_id])
    units = found[0].balance() if found else 0
    return Money.from_minor_units(units, bond.proceeds.currency)


def _booked(ledger: Ledger, bond_id: str, kind: str, key: str) -> bool:
    return bool(ledger.lookup_transfers([transfer_id(bond_id, kind, key)]))


def _book(
    engine: Engine,
    ledger: Ledger,
    bond: GreenBond,
    kind: str,
    key: str,
    debit: int,
    credit: int,
    amount: Money,
    on: date,
    code: GreenTransferCode,
    *,
    project_id: str | None = None,
    placement: str | None = None,
    note: str = "",
) -> None:
    if amount.currency != bond.proceeds.currency:
        raise AllocationError(
            f"bond {bond.id} is in {bond.proceeds.currency.code}, not {amount.currency.code}"
        )
    if not amount.is_positive():
        raise AllocationError(f"an amount moved is positive, not {amount}")
    units = amount.to_minor_units()
    tid = transfer_id(bond.id, kind, key)
    (result,) = ledger.create_transfers(
        [Transfer(tid, debit, credit, units, bond.proceeds.currency.code, int(code))]
    )
    if result is CreateTransferResult.EXCEEDS_CREDITS:
        raise AllocationError(
            f"bond {bond.id} has not {amount} there to {kind}: recall placed proceeds first"
        )
    if result not in _DONE:
        raise AllocationError(
            f"the ledger refused the {kind} of {amount} on bond {bond.id}: {result.value}"
        )
    with engine.begin() as connection:
        repo.record_allocation(
            connection,
            tid,
            bond.id,
            kind,
            units,
            on,
            project_id=project_id,
            placement=placement,
            note=note,
        )
