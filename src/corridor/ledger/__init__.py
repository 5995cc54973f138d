"""A multi-currency double-entry ledger with TigerBeetle's semantics.

Accounts and transfers carry caller-chosen 128-bit ids; each ledger is a currency;
amounts are integers in minor units. See docs/ledger.md for every rule and result code.
"""

from corridor.ledger.model import (
    AMOUNT_MAX,
    BATCH_MAX,
    ID_MAX,
    Account,
    AccountBalance,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    PendingStatus,
    Transfer,
    TransferFlags,
    TransferPage,
)
from corridor.ledger.service import BatchTooLargeError, Ledger

__all__ = [
    "AMOUNT_MAX",
    "BATCH_MAX",
    "ID_MAX",
    "Account",
    "AccountBalance",
    "AccountFlags",
    "BatchTooLargeError",
    "CreateAccountResult",
    "CreateTransferResult",
    "Ledger",
    "PendingStatus",
    "Transfer",
    "TransferFlags",
    "TransferPage",
]
