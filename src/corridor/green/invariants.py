"""The green books' invariants, reported by `corridor check` beside the ledger's.

Each is re-derived from the stored rows: the bond and project registers, the allocation
journal and the ledger accounts of each bond and project (accounts.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from corridor.green import repository as repo
from corridor.green.accounts import (
    BOND_CODES,
    JOURNALLED,
    GreenAccountCode,
    placement_account,
    project_account,
    project_unfinanced_account,
    raised_account,
    unallocated_account,
)
from corridor.ledger.invariants import InvariantResult, check_in_one_read


def _balances(connection: Connection, codes: range = BOND_CODES) -> dict[int, int]:
    """Net credit balance of every green account with a code in `codes`, by id (an int)."""
    found = {}
    for account_id, credits, debits in connection.execute(
        sa.text(
            "SELECT id, credits_posted, debits_posted FROM accounts"
            " WHERE code BETWEEN :low AND :high"
        ),
        {"low": codes.start, "high": codes.stop - 1},
    ):
        found[_id(account_id)] = int(credits) - int(debits)
    return found


def proceeds_are_allocated_or_unallocated(connection: Connection) -> list[str]:
    """Per green bond, allocated + unallocated (cash and placements) = proceeds raised."""
    balances = _balances(connection)
    problems = []
    for bond in repo.all_bonds(connection):
        raised = -balances.get(raised_account(bond.id), 0)
        projects = repo.selected_projects(connection, bond.id)
        allocated = sum(balances.get(project_account(bond.id, p.project_id), 0) for p in projects)
        unallocated = balances.get(unallocated_account(bond.id), 0) + sum(
            balances.get(placement_account(bond.id, p), 0)
            for p in ("cash", "money_market", "government_securities")
        )
        proceeds = bond.proceeds.to_minor_units()
        if raised != proceeds or allocated + unallocated != proceeds:
            problems.append(
                f"bond {bond.id}: proceeds {proceeds}, raised on the ledger {raised},"
                f" allocated {allocated} + unallocated {unallocated}"
            )
    return problems


def journal_matches_the_ledger(connection: Connection) -> list[str]:
    """Each allocation-journal row is a ledger transfer; bond accounts hold what it sums to."""
    problems = []
    expected: dict[int, int] = defaultdict(int)
    stored = {
        str(_hex(i)): int(a)
        for i, a in connection.execute(
            sa.text("SELECT id, amount FROM transfers WHERE code BETWEEN :low AND :high"),
            {"low": JOURNALLED.start, "high": JOURNALLED.stop - 1},
        )
    }
    for row in repo.journal(connection):
        bond_id, kind, amount = str(row["bond_id"]), str(row["kind"]), int(row["amount"])  # type: ignore[call-overload]
        if stored.pop(str(row["transfer_id"]), None) != amount:
            problems.append(
                f"journal row {row['transfer_id']} ({kind} of {amount} on {bond_id})"
                " has no such ledger transfer"
            )
        debit, credit = {
            "issue": (raised_account(bond_id), unallocated_account(bond_id)),
            "allocate": (
                unallocated_account(bond_id),
                project_account(bond_id, str(row["project_id"])),
            ),
            "place": (
                unallocated_account(bond_id),
                placement_account(bond_id, str(row["placement"])),
            ),
            "recall": (
                placement_account(bond_id, str(row["placement"])),
                unallocated_account(bond_id),
            ),
        }[kind]
        expected[debit] -= amount
        expected[credit] += amount
    problems += [
        f"ledger transfer {t} of a green bond is not in the allocation journal" for t in stored
    ]
    for account, balance in _balances(connection).items():
        if expected.pop(account, 0) != balance:
            problems.append(
                f"green bond account {account:032x} holds {balance}, its journal says otherwise"
            )
    problems += [
        f"the journal moves account {a:032x}, which the ledger lacks"
        for a, v in expected.items()
        if v
    ]
    return problems


def projects_are_financed_within_their_cost(connection: Connection) -> list[str]:
    """No project is allocated beyond its cost by all its bonds; its unfinanced cost agrees.

    The ledger's unfinanced cost of a project (accounts.py) is its cost less what its bonds
    allocated to it."""
    allocated = _balances(connection)
    memo = _balances(
        connection,
        range(GreenAccountCode.PROJECT_COST, GreenAccountCode.PROJECT_UNFINANCED + 1),
    )
    problems = []
    for project in repo.all_projects(connection):
        cost = project.total_cost.to_minor_units()
        financed = sum(
            allocated.get(project_account(bond_id, project.id), 0)
            for bond_id in repo.bonds_financing(connection, project.id)
        )
        if financed > cost:
            problems.append(
                f"project {project.id}: allocated {financed} by its bonds, beyond its cost {cost}"
            )
        unfinanced = memo.get(project_unfinanced_account(project.id))
        if unfinanced is not None and unfinanced != cost - financed:
            problems.append(
                f"project {project.id}: unfinanced cost {unfinanced} on the ledger, but cost"
                f" {cost} less allocations {financed} is {cost - financed}"
            )
    return problems


def _id(value: object) -> int:
    """A stored id as an int: bytes on SQLite; on PostgreSQL a uuid, or already an int on a
    pooled connection the ledger taught to load uuids so (postgres.prepare_connection)."""
    if isinstance(value, int):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return int.from_bytes(bytes(value))
    return int(str(value).replace("-", ""), 16)


def _hex(value: object) -> str:
    return f"{_id(value):032x}"


INVARIANTS: tuple[Callable[[Connection], list[str]], ...] = (
    proceeds_are_allocated_or_unallocated,
    journal_matches_the_ledger,
    projects_are_financed_within_their_cost,
)


def check_green(engine: Engine) -> list[InvariantResult]:
    """Verify the green books' invariants in one consistent read."""
    return check_in_one_read(engine, INVARIANTS)
