"""A green bond's proceeds on the ledger: the accounts and transfer codes, with ids from
the chart of accounts' own `ledger_id` (corridor.payments.accounts).

Per bond, in its currency: the proceeds raised (debited once at issue), the unallocated
cash (never overdrawn: no project gets more than is there), one account per temporary
placement, and one per eligible project. Allocated + unallocated = proceeds always holds,
since the only transfers of proceeds are between these accounts.

Per project, in its currency, two memorandum accounts hold its cost: the cost registered
(debited with it once) and the cost not yet financed (credited with it, never overdrawn).
Every allocation, from whichever bond, is a linked chain of two transfers: the proceeds to
the project, and as much of its unfinanced cost used up. So the ledger itself refuses an
allocation that would finance a project beyond its cost, however many bonds finance it and
however many allocations race (the two transfers stand or fall together).
"""

from __future__ import annotations

from enum import IntEnum

from corridor.ledger import Account, AccountFlags
from corridor.payments.accounts import ledger_id


class GreenAccountCode(IntEnum):
    """The green bond accounts (the ledger's `code`), beside payments' chart of accounts."""

    PROCEEDS_RAISED = 600
    UNALLOCATED = 610
    PLACEMENT = 620
    PROJECT_ALLOCATION = 630
    PROJECT_COST = 640
    """Memorandum: a project's cost, registered (its debit balance)."""
    PROJECT_UNFINANCED = 641
    """Memorandum: the part of a project's cost no bond has financed yet."""


class GreenTransferCode(IntEnum):
    """What a green bond transfer is for."""

    ISSUE = 60
    ALLOCATE = 61
    PLACE = 62
    RECALL = 63
    PROJECT_COST = 64
    """A project's cost put on the ledger, once."""
    FINANCE = 65
    """An allocation's use of the project's unfinanced cost (linked to the allocation)."""


BOND_CODES = range(GreenAccountCode.PROCEEDS_RAISED, GreenAccountCode.PROJECT_COST)
"""Account codes of a bond's proceeds (the allocation journal moves these)."""
JOURNALLED = range(GreenTransferCode.ISSUE, GreenTransferCode.PROJECT_COST)
"""Transfer codes the allocation journal records, one row each."""


def raised_account(bond_id: str) -> int:
    """The account the bond's proceeds are raised from (its debit balance: the proceeds)."""
    return ledger_id("green-bond", bond_id, "raised")


def unallocated_account(bond_id: str) -> int:
    """The bond's unallocated cash."""
    return ledger_id("green-bond", bond_id, "unallocated")


def placement_account(bond_id: str, placement: str) -> int:
    """Unallocated proceeds placed meanwhile in `placement`."""
    return ledger_id("green-bond", bond_id, "placement", placement)


def project_account(bond_id: str, project_id: str) -> int:
    """The proceeds allocated to one project."""
    return ledger_id("green-bond", bond_id, "project", project_id)


def project_cost_account(project_id: str) -> int:
    """A project's cost, registered (memorandum)."""
    return ledger_id("green-project", project_id, "cost")


def project_unfinanced_account(project_id: str) -> int:
    """The part of a project's cost not yet financed by any bond (memorandum)."""
    return ledger_id("green-project", project_id, "unfinanced")


def cost_transfer_id(project_id: str) -> int:
    """The transfer that puts a project's cost on the ledger (once)."""
    return ledger_id("green-project", project_id, "cost-registered")


def finance_transfer_id(allocation: int) -> int:
    """The transfer of an allocation (by its transfer id) using up the project's cost."""
    return ledger_id("green-project", "finance", f"{allocation:032x}")


def transfer_id(bond_id: str, kind: str, key: str) -> int:
    """A green bond transfer's id, from the bond, its kind and the caller's key (so a
    retried allocation is booked once)."""
    return ledger_id("green-bond", bond_id, kind, key)


def bond_accounts(bond_id: str, currency: str, placements: tuple[str, ...]) -> list[Account]:
    """The bond's ledger accounts bar the projects' (added as projects are selected)."""
    guarded = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    accounts = [
        Account(raised_account(bond_id), currency, GreenAccountCode.PROCEEDS_RAISED),
        Account(
            unallocated_account(bond_id),
            currency,
            GreenAccountCode.UNALLOCATED,
            flags=guarded | AccountFlags.HISTORY,
        ),
    ]
    accounts += [
        Account(placement_account(bond_id, p), currency, GreenAccountCode.PLACEMENT, flags=guarded)
        for p in placements
    ]
    return accounts


def project_ledger_account(bond_id: str, project_id: str, currency: str) -> Account:
    """The account of a project's allocation from the bond."""
    return Account(
        project_account(bond_id, project_id),
        currency,
        GreenAccountCode.PROJECT_ALLOCATION,
        flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
    )


def project_cost_accounts(project_id: str, currency: str) -> list[Account]:
    """A project's two memorandum accounts: its cost, and its cost not yet financed."""
    return [
        Account(project_cost_account(project_id), currency, GreenAccountCode.PROJECT_COST),
        Account(
            project_unfinanced_account(project_id),
            currency,
            GreenAccountCode.PROJECT_UNFINANCED,
            flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS | AccountFlags.HISTORY,
        ),
    ]
