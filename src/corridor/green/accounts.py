"""A green bond's proceeds on the ledger: the accounts and transfer codes, with ids from
the chart of accounts' own `ledger_id` (corridor.payments.accounts).

Per bond, in its currency: the proceeds raised (debited once at issue), the unallocated
cash (never overdrawn: no project gets more than is there), one account per temporary
placement, and one per eligible project. Allocated + unallocated = proceeds always holds,
since the only transfers are between these accounts.
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


class GreenTransferCode(IntEnum):
    """What a green bond transfer is for."""

    ISSUE = 60
    ALLOCATE = 61
    PLACE = 62
    RECALL = 63


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
