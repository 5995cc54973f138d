"""The ledger's records: accounts, transfers, their flags and the result of each event.

The semantics follow TigerBeetle's (docs/ledger.md lists every rule and result code).
Amounts are integers in minor units of the account's ledger, which is a currency code;
ids are caller-chosen unsigned 128-bit integers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntFlag, StrEnum

ID_MAX = 2**128 - 1
"""Ids are unsigned 128-bit; 0 and ID_MAX are reserved (as in TigerBeetle)."""

AMOUNT_MAX = 2**63 - 1
"""Amounts and balances are stored as signed 64-bit integers, so they stop here."""

CODE_MAX = 2**16 - 1
TIMEOUT_MAX = 2**32 - 1
USER_DATA_64_MAX = 2**64 - 1
USER_DATA_32_MAX = 2**32 - 1

BATCH_MAX = 8189
"""The largest batch, as in TigerBeetle: it bounds the work (and the lock time) of one commit."""


class AccountFlags(IntFlag):
    """Flags of an account; the two balance guards are mutually exclusive."""

    NONE = 0
    LINKED = 1
    DEBITS_MUST_NOT_EXCEED_CREDITS = 2
    CREDITS_MUST_NOT_EXCEED_DEBITS = 4
    HISTORY = 8


class TransferFlags(IntFlag):
    """Flags of a transfer; at most one of PENDING, POST_PENDING_TRANSFER, VOID_PENDING_TRANSFER."""

    NONE = 0
    LINKED = 1
    PENDING = 2
    POST_PENDING_TRANSFER = 4
    VOID_PENDING_TRANSFER = 8


class PendingStatus(StrEnum):
    """Where a pending transfer stands: open until posted, voided or expired."""

    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


class CreateAccountResult(StrEnum):
    """The outcome of one account in `create_accounts`; every rejection is named."""

    OK = "ok"
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    ID_MUST_NOT_BE_ZERO = "id_must_not_be_zero"
    ID_MUST_NOT_BE_INT_MAX = "id_must_not_be_int_max"
    ID_OUT_OF_RANGE = "id_out_of_range"
    TIMESTAMP_MUST_BE_ZERO = "timestamp_must_be_zero"
    BALANCES_MUST_BE_ZERO = "balances_must_be_zero"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    RESERVED_FLAG = "reserved_flag"
    LEDGER_MUST_BE_A_CURRENCY = "ledger_must_be_a_currency"
    CODE_MUST_NOT_BE_ZERO = "code_must_not_be_zero"
    CODE_OUT_OF_RANGE = "code_out_of_range"
    USER_DATA_OUT_OF_RANGE = "user_data_out_of_range"
    EXISTS_WITH_DIFFERENT_FIELDS = "exists_with_different_fields"
    EXISTS = "exists"


class CreateTransferResult(StrEnum):
    """The outcome of one transfer in `create_transfers`; every rejection is named."""

    OK = "ok"
    LINKED_EVENT_FAILED = "linked_event_failed"
    LINKED_EVENT_CHAIN_OPEN = "linked_event_chain_open"
    ID_MUST_NOT_BE_ZERO = "id_must_not_be_zero"
    ID_MUST_NOT_BE_INT_MAX = "id_must_not_be_int_max"
    ID_OUT_OF_RANGE = "id_out_of_range"
    TIMESTAMP_MUST_BE_ZERO = "timestamp_must_be_zero"
    FLAGS_ARE_MUTUALLY_EXCLUSIVE = "flags_are_mutually_exclusive"
    RESERVED_FLAG = "reserved_flag"
    DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO = "debit_account_id_must_not_be_zero"
    DEBIT_ACCOUNT_ID_OUT_OF_RANGE = "debit_account_id_out_of_range"
    CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO = "credit_account_id_must_not_be_zero"
    CREDIT_ACCOUNT_ID_OUT_OF_RANGE = "credit_account_id_out_of_range"
    ACCOUNTS_MUST_BE_DIFFERENT = "accounts_must_be_different"
    PENDING_ID_MUST_BE_ZERO = "pending_id_must_be_zero"
    PENDING_ID_MUST_NOT_BE_ZERO = "pending_id_must_not_be_zero"
    PENDING_ID_MUST_BE_DIFFERENT = "pending_id_must_be_different"
    PENDING_ID_OUT_OF_RANGE = "pending_id_out_of_range"
    TIMEOUT_RESERVED_FOR_PENDING_TRANSFER = "timeout_reserved_for_pending_transfer"
    TIMEOUT_OUT_OF_RANGE = "timeout_out_of_range"
    AMOUNT_MUST_BE_POSITIVE = "amount_must_be_positive"
    AMOUNT_EXCEEDS_MAXIMUM = "amount_exceeds_maximum"
    LEDGER_MUST_BE_A_CURRENCY = "ledger_must_be_a_currency"
    CODE_MUST_NOT_BE_ZERO = "code_must_not_be_zero"
    CODE_OUT_OF_RANGE = "code_out_of_range"
    USER_DATA_OUT_OF_RANGE = "user_data_out_of_range"
    DEBIT_ACCOUNT_NOT_FOUND = "debit_account_not_found"
    CREDIT_ACCOUNT_NOT_FOUND = "credit_account_not_found"
    ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER = "accounts_must_have_the_same_ledger"
    TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS = (
        "transfer_must_have_the_same_ledger_as_accounts"
    )
    PENDING_TRANSFER_NOT_FOUND = "pending_transfer_not_found"
    PENDING_TRANSFER_NOT_PENDING = "pending_transfer_not_pending"
    PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID = (
        "pending_transfer_has_different_debit_account_id"
    )
    PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID = (
        "pending_transfer_has_different_credit_account_id"
    )
    PENDING_TRANSFER_HAS_DIFFERENT_LEDGER = "pending_transfer_has_different_ledger"
    PENDING_TRANSFER_HAS_DIFFERENT_CODE = "pending_transfer_has_different_code"
    EXCEEDS_PENDING_TRANSFER_AMOUNT = "exceeds_pending_transfer_amount"
    PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT = "pending_transfer_has_different_amount"
    PENDING_TRANSFER_ALREADY_POSTED = "pending_transfer_already_posted"
    PENDING_TRANSFER_ALREADY_VOIDED = "pending_transfer_already_voided"
    PENDING_TRANSFER_EXPIRED = "pending_transfer_expired"
    EXISTS_WITH_DIFFERENT_FIELDS = "exists_with_different_fields"
    EXISTS = "exists"
    OVERFLOWS_DEBITS = "overflows_debits"
    OVERFLOWS_CREDITS = "overflows_credits"
    EXCEEDS_CREDITS = "exceeds_credits"
    EXCEEDS_DEBITS = "exceeds_debits"


@dataclass(slots=True)
class Account:
    """An account on one ledger (currency). Balances are kept by the ledger, not the caller.

    When creating an account, leave the balances and `timestamp` at zero.
    """

    id: int
    ledger: str
    code: int
    flags: AccountFlags = AccountFlags.NONE
    user_data_128: int = 0
    user_data_64: int = 0
    user_data_32: int = 0
    debits_pending: int = 0
    debits_posted: int = 0
    credits_pending: int = 0
    credits_posted: int = 0
    timestamp: int = 0
    last_transfer: int = 0
    """Timestamp of the newest transfer that touched the account (0: none); kept by the ledger."""

    def balance(self) -> int:
        """Posted credits less posted debits: what a liability or income account holds."""
        return self.credits_posted - self.debits_posted


@dataclass(slots=True, frozen=True)
class Transfer:
    """A movement of `amount` minor units from the debit to the credit account.

    For `POST_PENDING_TRANSFER` and `VOID_PENDING_TRANSFER`, the accounts, ledger and code
    may be left empty (they are taken from the pending transfer) and `amount` 0 means the
    whole pending amount. `timeout` (seconds) applies to `PENDING` transfers only.
    `timestamp` is assigned by the ledger when the transfer is applied.
    """

    id: int
    debit_account_id: int = 0
    credit_account_id: int = 0
    amount: int = 0
    ledger: str = ""
    code: int = 0
    flags: TransferFlags = TransferFlags.NONE
    pending_id: int = 0
    timeout: int = 0
    user_data_128: int = 0
    user_data_64: int = 0
    user_data_32: int = 0
    timestamp: int = 0


@dataclass(slots=True, frozen=True)
class AccountBalance:
    """An account's balances just after one transfer, kept for `HISTORY` accounts."""

    timestamp: int
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int


@dataclass(slots=True, frozen=True)
class TransferPage:
    """One page of an account's transfers, newest first; pass `next_before` for the next."""

    transfers: list[Transfer] = field(default_factory=list)
    next_before: int | None = None
