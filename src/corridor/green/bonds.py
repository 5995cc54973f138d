"""Green bonds (ICMA Green Bond Principles): issue, select eligible projects, allocate the
proceeds on the ledger, place what is unallocated meanwhile, and read the bond's position.

Every movement of proceeds is one ledger transfer between the bond's accounts (accounts.py)
and one row of the allocation journal naming it. The transfer is booked first, with an id
from the caller's key; the journal row follows and is written once, so a retried call (the
ledger answers `exists`) completes a journal a crash left behind. `corridor check` proves
the journal and the ledger agree.

An allocation is linked on the ledger to the use of as much of the project's unfinanced
cost (accounts.py), which is never overdrawn: no project is financed beyond its cost by one
bond or several, and two allocations at the same moment cannot both take its last part.
A project is selected only when it is green under the bond's framework (eligibility.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy.engine import Connection, Engine

from corridor.green import repository as repo
from corridor.green.accounts import (
    GreenTransferCode,
    bond_accounts,
    cost_transfer_id,
    finance_transfer_id,
    placement_account,
    project_account,
    project_cost_account,
    project_cost_accounts,
    project_ledger_account,
    project_unfinanced_account,
    raised_account,
    transfer_id,
    unallocated_account,
)
from corridor.green.classification import rule_tags
from corridor.green.eligibility import framework_taxonomies, judge
from corridor.green.errors import AllocationError
from corridor.green.model import (
    BondPosition,
    GreenBond,
    Placement,
    Project,
    ProjectAllocation,
)
from corridor.green.taxonomy import TaxonomyId
from corridor.ledger import (
    Account,
    CreateAccountResult,
    CreateTransferResult,
    Ledger,
    Transfer,
    TransferFlags,
)
from corridor.money import Money

_DONE = (CreateTransferResult.OK, CreateTransferResult.EXISTS)
PLACEMENTS = tuple(p.value for p in Placement)


def register_project(engine: Engine, project: Project) -> bool:
    """Store an eligible project (once); True when new. Registering it again on the same
    terms changes nothing; on other terms raises ProjectTermsError."""
    with engine.begin() as connection:
        return repo.upsert_project(connection, project)


def issue(engine: Engine, ledger: Ledger, bond: GreenBond) -> bool:
    """Record the bond and book its proceeds into unallocated cash; True when new."""
    framework_taxonomies(bond.framework)
    currency = bond.proceeds.currency.code
    _accounts(ledger, bond_accounts(bond.id, currency, PLACEMENTS), f"bond {bond.id}")
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
    engine: Engine,
    ledger: Ledger,
    bond_id: str,
    project_id: str,
    category: str,
    on: date,
    *,
    override: str = "",
    analyst: str = "",
) -> None:
    """Make a project eligible for the bond's proceeds under an ICMA category of its
    framework: it must be green under one of the framework's taxonomies and tagged with that
    category (a framework taxonomy it has no tag under yet is tagged by rule first), or an
    analyst overrides with a reason, recorded with the selection. Selecting it again under
    the same category changes nothing; under another is refused."""
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
        selection = repo.selected(connection, bond_id, project_id)
        if selection is not None and selection.category != category:
            raise AllocationError(
                f"project {project_id} is an eligible project of bond {bond_id} under"
                f" {selection.category} already, not {category}"
            )
        if selection is None:
            selection = _selection(connection, bond, project, category, override, analyst)
    currency = bond.proceeds.currency.code
    _accounts(
        ledger, [project_ledger_account(bond_id, project_id, currency)], f"project {project_id}"
    )
    _register_cost(ledger, project)
    _catch_up(engine, ledger, project)
    with engine.begin() as connection:
        repo.select_project(connection, bond_id, selection, on)


def _selection(
    connection: Connection,
    bond: GreenBond,
    project: Project,
    category: str,
    override: str,
    analyst: str,
) -> repo.Selection:
    """The project's selection for the bond and why it is eligible; raises AllocationError
    when it is not green under the framework and no analyst overrides with a reason."""
    subject = f"project:{project.id}"
    tagged = {t.taxonomy for t in repo.current_tags(connection, subject).get(subject, [])}
    needed = [t for t, _version in framework_taxonomies(bond.framework)]
    missing = [t for t in dict.fromkeys([*needed, TaxonomyId.ICMA]) if t not in tagged]
    if missing:
        repo.add_tags(connection, subject, rule_tags(project.sector, missing))
    tags = repo.current_tags(connection, subject).get(subject, [])
    eligible, why = judge(bond.framework, category, tags)
    if eligible:
        return repo.Selection(project.id, category, why)
    if not override.strip():
        raise AllocationError(
            f"project {project.id} is not an eligible project for bond {bond.id}'s"
            f" {category}: {why} (classify it: corridor green classify --subject {subject};"
            " or an analyst selects it with an override and the reason)"
        )
    if not analyst.strip():
        raise AllocationError("an analyst's override names the analyst")
    return repo.Selection(
        project.id,
        category,
        f"analyst override by {analyst.strip()}: {override.strip()} (not by its tags: {why})",
        analyst.strip(),
    )


def allocate(
    engine: Engine, ledger: Ledger, bond_id: str, project_id: str, amount: Money, on: date, key: str
) -> None:
    """Allocate `amount` of unallocated cash to an eligible project, never beyond its cost
    counting every bond's allocations to it (the ledger's guard decides, atomically)."""
    with engine.connect() as connection:
        bond = repo.bond(connection, bond_id)
        if repo.selected(connection, bond_id, project_id) is None:
            raise AllocationError(
                f"project {project_id} is not an eligible project of bond {bond_id}"
            )
        project = repo.project(connection, project_id)
    _register_cost(ledger, project)
    _catch_up(engine, ledger, project)
    tid = transfer_id(bond_id, "allocate", key)
    use = Transfer(
        finance_transfer_id(tid),
        project_unfinanced_account(project_id),
        project_cost_account(project_id),
        amount.to_minor_units(),
        bond.proceeds.currency.code,
        int(GreenTransferCode.FINANCE),
        TransferFlags.LINKED,  # the use of the cost, then the allocation: one chain
    )
    retried = _booked(ledger, bond_id, "allocate", key)
    if retried and not ledger.lookup_transfers([use.id]):
        # An allocation booked before projects' costs were on the ledger: its use of the
        # cost is booked on its own (once), then the journal is completed.
        _finance(ledger, replace(use, flags=TransferFlags.NONE), project)
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
        first=None if retried else use,
        project=project,
    )


def _register_cost(ledger: Ledger, project: Project) -> None:
    """Put the project's cost on the ledger, once: its unfinanced cost starts at it."""
    fund = cost_transfer_id(project.id)
    if ledger.lookup_transfers([fund]):
        return
    currency = project.total_cost.currency.code
    _accounts(ledger, project_cost_accounts(project.id, currency), f"project {project.id}")
    (result,) = ledger.create_transfers(
        [
            Transfer(
                fund,
                project_cost_account(project.id),
                project_unfinanced_account(project.id),
                project.total_cost.to_minor_units(),
                currency,
                int(GreenTransferCode.PROJECT_COST),
            )
        ]
    )
    if result not in _DONE:
        raise AllocationError(
            f"the ledger refused project {project.id}'s cost of {project.total_cost}:"
            f" {result.value}"
        )


def _catch_up(engine: Engine, ledger: Ledger, project: Project) -> None:
    """Allocations journalled before projects' costs were on the ledger use up the cost
    now (each once: the use's id comes from the allocation's)."""
    with engine.connect() as connection:
        journalled = repo.allocations_to(connection, project.id)
    uses = {finance_transfer_id(tid): units for tid, units in journalled}
    booked = {t.id for t in ledger.lookup_transfers(list(uses))}
    for use, units in uses.items():
        if use not in booked:
            _finance(
                ledger,
                Transfer(
                    use,
                    project_unfinanced_account(project.id),
                    project_cost_account(project.id),
                    units,
                    project.total_cost.currency.code,
                    int(GreenTransferCode.FINANCE),
                ),
                project,
            )


def _finance(ledger: Ledger, use: Transfer, project: Project) -> None:
    (result,) = ledger.create_transfers([use])
    if result is CreateTransferResult.EXCEEDS_CREDITS:
        raise AllocationError(
            f"project {project.id} is financed beyond its cost {project.total_cost} already"
            " (allocations booked before costs were on the ledger): corridor check names it"
        )
    if result not in _DONE:
        raise AllocationError(
            f"the ledger refused project {project.id}'s financing: {result.value}"
        )


def _accounts(ledger: Ledger, accounts: list[Account], what: str) -> None:
    results = ledger.create_accounts(accounts)
    refused = {
        r.value for r in results if r not in (CreateAccountResult.OK, CreateAccountResult.EXISTS)
    }
    if refused:
        raise AllocationError(f"the ledger refused {what}'s accounts: {', '.join(sorted(refused))}")


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
        projects = {s.project_id: repo.project(connection, s.project_id) for s in selected}
    allocations = []
    for selection in selected:
        project = projects[selection.project_id]
        allocated = _balance(ledger, project_account(bond_id, project.id), bond)
        share = min(Decimal(1), allocated.amount / project.total_cost.amount)
        allocations.append(
            ProjectAllocation(project, selection.category, allocated, share, selection.eligibility)
        )
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
    first: Transfer | None = None,
    project: Project | None = None,
) -> None:
    """Book one movement of the bond's proceeds and journal it; with `first` (the use of
    `project`'s cost, linked), the two stand or fall together."""
    if amount.currency != bond.proceeds.currency:
        raise AllocationError(
            f"bond {bond.id} is in {bond.proceeds.currency.code}, not {amount.currency.code}"
        )
    if not amount.is_positive():
        raise AllocationError(f"an amount moved is positive, not {amount}")
    units = amount.to_minor_units()
    tid = transfer_id(bond.id, kind, key)
    move = Transfer(tid, debit, credit, units, bond.proceeds.currency.code, int(code))
    *before, result = ledger.create_transfers([*([first] if first else []), move])
    if before and before[0] is CreateTransferResult.EXCEEDS_CREDITS and project is not None:
        unfinanced = ledger.lookup_accounts([project_unfinanced_account(project.id)])
        left = Money.from_minor_units(unfinanced[0].balance() if unfinanced else 0, amount.currency)
        raise AllocationError(
            f"allocating {amount} to {project.id} would pass its cost {project.total_cost}"
            f" ({project.total_cost - left} allocated already, from every bond)"
        )
    if before and before[0] not in (*_DONE, CreateTransferResult.LINKED_EVENT_FAILED):
        raise AllocationError(
            f"the ledger refused the {kind} of {amount} on bond {bond.id}: {before[0].value}"
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
