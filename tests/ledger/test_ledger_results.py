"""Every result code the ledger can answer, each shown by the input that earns it.

Each case opens a small fixed chart of accounts, books some earlier history, then sends
one batch. It checks the code of every event and that the batch moved exactly what it
should: a refused event leaves every balance as it was and is not stored. Every test
runs on both stores (SQLite and PostgreSQL), with a ledger clock the test moves by hand.

The last test checks that every member of `CreateAccountResult` and `CreateTransferResult`
is shown here, so a new result code without a test fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeVar

import pytest
from sqlalchemy.engine import Engine

from clocks import LedgerClock
from corridor.ledger import (
    AMOUNT_MAX,
    BATCH_MAX,
    ID_MAX,
    Account,
    AccountBalance,
    AccountFlags,
    BatchTooLargeError,
    CreateAccountResult,
    CreateTransferResult,
    Ledger,
    Transfer,
    TransferFlags,
)

A = CreateAccountResult
T = CreateTransferResult
AF = AccountFlags
TF = TransferFlags
LINKED, PENDING = TF.LINKED, TF.PENDING
POST, VOID = TF.POST_PENDING_TRANSFER, TF.VOID_PENDING_TRANSFER
NS = 1_000_000_000
U64_MAX, U32_MAX, CODE_MAX = 2**64 - 1, 2**32 - 1, 2**16 - 1

# The codes each test of this module shows, filled as the module is read (see the last test).
SHOWN_ACCOUNT_RESULTS: set[CreateAccountResult] = set()
SHOWN_TRANSFER_RESULTS: set[CreateTransferResult] = set()

F = TypeVar("F", bound=Callable[..., object])


def shows(*codes: CreateAccountResult | CreateTransferResult) -> Callable[[F], F]:
    """Mark a test as the one that shows (and asserts) these result codes."""
    for code in codes:
        if isinstance(code, CreateAccountResult):
            SHOWN_ACCOUNT_RESULTS.add(code)
        else:
            SHOWN_TRANSFER_RESULTS.add(code)

    def mark(test: F) -> F:
        return test

    return mark


@pytest.fixture
def clock() -> LedgerClock:
    """A clock the test moves by hand."""
    return LedgerClock()


@pytest.fixture
def books(engine: Engine, clock: LedgerClock) -> Iterator[Ledger]:
    """The ledger under test, on an empty database of the test's store, on the fake clock."""
    with Ledger(engine, clock=clock) as ledger:
        yield ledger


# -- the chart every transfer case starts from ----------------------------------------------

CLIENT = 1  # a client's GBP deposit: may not go overdrawn; funded with 100.00
BANK = 2  # the bank's GBP settlement account
FEES = 3  # fee income
HK_CLIENT = 4  # a client's HKD deposit
CAPPED = 5  # credits may not exceed debits; 50.00 of debits
WHALE = 6  # has paid out AMOUNT_MAX - 5 ...
SINK = 7  # ... into this one, so both sit 5 below the 64-bit ceiling
FRESH_A, FRESH_B = 8, 9  # untouched GBP accounts
MISSING = 999  # no such account

CHART = [
    Account(CLIENT, "GBP", 200, flags=AF.DEBITS_MUST_NOT_EXCEED_CREDITS),
    Account(BANK, "GBP", 100),
    Account(FEES, "GBP", 400),
    Account(HK_CLIENT, "HKD", 200),
    Account(CAPPED, "GBP", 300, flags=AF.CREDITS_MUST_NOT_EXCEED_DEBITS),
    Account(WHALE, "GBP", 100),
    Account(SINK, "GBP", 100),
    Account(FRESH_A, "GBP", 100),
    Account(FRESH_B, "GBP", 100),
]
CHART_IDS = [a.id for a in CHART]
FUNDING = [
    Transfer(1000, BANK, CLIENT, 100_00, "GBP", 1),
    Transfer(1001, CAPPED, BANK, 50_00, "GBP", 1),
    Transfer(1002, WHALE, SINK, AMOUNT_MAX - 5, "GBP", 1),
]
HOLD_ID = 40  # the hold a case's history may open


def pay(id_: int, dr: int = CLIENT, cr: int = BANK, amount: int = 10_00, **kw: object) -> Transfer:
    """A plain GBP payment (client to bank, 10.00, code 1 unless told otherwise)."""
    fields: dict[str, object] = {"ledger": "GBP", "code": 1, **kw}
    return Transfer(id_, dr, cr, amount, **fields)  # type: ignore[arg-type]


def hold(id_: int = HOLD_ID, amount: int = 30_00, **kw: object) -> Transfer:
    """A hold of 30.00 on the client's money in favour of the bank."""
    flags = TF(kw.pop("flags", TF.NONE)) | PENDING
    return pay(id_, amount=amount, flags=flags, **kw)


def post(id_: int, pending_id: int = HOLD_ID, amount: int = 0, **kw: object) -> Transfer:
    """Post a hold: all of it (amount 0) or part of it; accounts left to the hold."""
    flags = TF(kw.pop("flags", TF.NONE)) | POST
    return Transfer(id_, amount=amount, pending_id=pending_id, flags=flags, **kw)  # type: ignore[arg-type]


def void(id_: int, pending_id: int = HOLD_ID, amount: int = 0, **kw: object) -> Transfer:
    """Void a hold: release all of it."""
    flags = TF(kw.pop("flags", TF.NONE)) | VOID
    return Transfer(id_, amount=amount, pending_id=pending_id, flags=flags, **kw)  # type: ignore[arg-type]


Balances = tuple[int, int, int, int]


def balances(ledger: Ledger, ids: list[int]) -> dict[int, Balances]:
    """Each account's (debits_pending, debits_posted, credits_pending, credits_posted)."""
    return {
        a.id: (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        for a in ledger.lookup_accounts(ids)
    }


def open_chart(ledger: Ledger) -> None:
    """Open the chart of accounts and fund it."""
    assert ledger.create_accounts(CHART) == [A.OK] * len(CHART)
    assert ledger.create_transfers(FUNDING) == [T.OK] * len(FUNDING)


# -- create_accounts ------------------------------------------------------------------------


@dataclass
class AccountCase:
    """A batch of accounts after some earlier ones, and the code each must earn."""

    name: str
    batch: list[Account]
    expected: list[CreateAccountResult]
    before: list[Account] = field(default_factory=list)


GBP_ACCOUNT = Account(10, "GBP", 100)
FULL_ACCOUNT = Account(
    ID_MAX - 1,
    "GBP",
    CODE_MAX,
    flags=AF.HISTORY | AF.DEBITS_MUST_NOT_EXCEED_CREDITS,
    user_data_128=ID_MAX,
    user_data_64=U64_MAX,
    user_data_32=U32_MAX,
)

ACCOUNT_CASES = [
    AccountCase("ok", [GBP_ACCOUNT], [A.OK]),
    AccountCase("ok: every field at its largest", [FULL_ACCOUNT], [A.OK]),
    AccountCase(
        "linked_event_failed: the chain fails whole, its neighbours stand",
        [
            Account(9, "GBP", 100),
            Account(10, "GBP", 100, flags=AF.LINKED),
            Account(11, "GBP", 100, flags=AF.LINKED),
            Account(12, "GBP", 0),
            Account(13, "GBP", 100),
        ],
        [A.OK, A.LINKED_EVENT_FAILED, A.LINKED_EVENT_FAILED, A.CODE_MUST_NOT_BE_ZERO, A.OK],
    ),
    AccountCase(
        "linked_event_failed: an account that exists fails its chain",
        [Account(11, "GBP", 100, flags=AF.LINKED), GBP_ACCOUNT],
        [A.LINKED_EVENT_FAILED, A.EXISTS],
        before=[GBP_ACCOUNT],
    ),
    AccountCase(
        "linked_event_chain_open: the batch ends inside a chain",
        [
            Account(9, "GBP", 100),
            Account(10, "GBP", 100, flags=AF.LINKED),
            Account(11, "GBP", 100, flags=AF.LINKED),
        ],
        [A.OK, A.LINKED_EVENT_FAILED, A.LINKED_EVENT_CHAIN_OPEN],
    ),
    AccountCase(
        "linked_event_chain_open: a lone linked account",
        [Account(10, "GBP", 100, flags=AF.LINKED)],
        [A.LINKED_EVENT_CHAIN_OPEN],
    ),
    AccountCase("id_must_not_be_zero", [Account(0, "GBP", 100)], [A.ID_MUST_NOT_BE_ZERO]),
    AccountCase(
        "id_must_not_be_int_max", [Account(ID_MAX, "GBP", 100)], [A.ID_MUST_NOT_BE_INT_MAX]
    ),
    AccountCase("id_out_of_range: negative", [Account(-1, "GBP", 100)], [A.ID_OUT_OF_RANGE]),
    AccountCase("id_out_of_range: 2**128", [Account(2**128, "GBP", 100)], [A.ID_OUT_OF_RANGE]),
    AccountCase(
        "timestamp_must_be_zero: timestamp",
        [replace(GBP_ACCOUNT, timestamp=1)],
        [A.TIMESTAMP_MUST_BE_ZERO],
    ),
    AccountCase(
        "timestamp_must_be_zero: last_transfer",
        [replace(GBP_ACCOUNT, last_transfer=1)],
        [A.TIMESTAMP_MUST_BE_ZERO],
    ),
    *[
        AccountCase(
            f"balances_must_be_zero: {balance}",
            [replace(GBP_ACCOUNT, **{balance: 1})],
            [A.BALANCES_MUST_BE_ZERO],
        )
        for balance in ("debits_pending", "debits_posted", "credits_pending", "credits_posted")
    ],
    AccountCase(
        "flags_are_mutually_exclusive: both balance guards",
        [
            replace(
                GBP_ACCOUNT,
                flags=AF.DEBITS_MUST_NOT_EXCEED_CREDITS | AF.CREDITS_MUST_NOT_EXCEED_DEBITS,
            )
        ],
        [A.FLAGS_ARE_MUTUALLY_EXCLUSIVE],
    ),
    AccountCase(
        "reserved_flag: an unknown bit",
        [replace(GBP_ACCOUNT, flags=AF(16))],
        [A.RESERVED_FLAG],
    ),
    *[
        AccountCase(
            f"user_data_out_of_range: {name}={value}",
            [replace(GBP_ACCOUNT, **{name: value})],
            [A.USER_DATA_OUT_OF_RANGE],
        )
        for name, value in (
            ("user_data_128", 2**128),
            ("user_data_128", -1),
            ("user_data_64", 2**64),
            ("user_data_64", -1),
            ("user_data_32", 2**32),
            ("user_data_32", -1),
        )
    ],
    *[
        AccountCase(
            f"ledger_must_be_a_currency: {ledger!r}",
            [replace(GBP_ACCOUNT, ledger=ledger)],
            [A.LEDGER_MUST_BE_A_CURRENCY],
        )
        for ledger in ("ZZZ", "gbp", "")
    ],
    AccountCase("code_must_not_be_zero", [replace(GBP_ACCOUNT, code=0)], [A.CODE_MUST_NOT_BE_ZERO]),
    AccountCase(
        "code_out_of_range: 65536", [replace(GBP_ACCOUNT, code=2**16)], [A.CODE_OUT_OF_RANGE]
    ),
    AccountCase(
        "code_out_of_range: negative", [replace(GBP_ACCOUNT, code=-1)], [A.CODE_OUT_OF_RANGE]
    ),
    *[
        AccountCase(
            f"exists_with_different_fields: {name}",
            [replace(GBP_ACCOUNT, **{name: value})],
            [A.EXISTS_WITH_DIFFERENT_FIELDS],
            before=[GBP_ACCOUNT],
        )
        for name, value in (
            ("ledger", "HKD"),
            ("code", 101),
            ("flags", AF.HISTORY),
            ("user_data_128", 1),
            ("user_data_64", 1),
            ("user_data_32", 1),
        )
    ],
    AccountCase(
        "exists_with_different_fields: the same id twice in one batch",
        [GBP_ACCOUNT, replace(GBP_ACCOUNT, code=101)],
        [A.OK, A.EXISTS_WITH_DIFFERENT_FIELDS],
    ),
    AccountCase("exists: a retry", [GBP_ACCOUNT], [A.EXISTS], before=[GBP_ACCOUNT]),
    AccountCase(
        "exists: a retry of an account with every field at its largest",
        [FULL_ACCOUNT],
        [A.EXISTS],
        before=[FULL_ACCOUNT],
    ),
    AccountCase(
        "exists: the same account twice in one batch",
        [GBP_ACCOUNT, GBP_ACCOUNT],
        [A.OK, A.EXISTS],
    ),
]
SHOWN_ACCOUNT_RESULTS.update(code for case in ACCOUNT_CASES for code in case.expected)


def _fields(a: Account) -> tuple[object, ...]:
    """What the caller chose of an account (not what the ledger keeps)."""
    return (a.id, a.ledger, a.code, int(a.flags), a.user_data_128, a.user_data_64, a.user_data_32)


@pytest.mark.parametrize("case", ACCOUNT_CASES, ids=lambda c: c.name)
def test_create_accounts_result(books: Ledger, case: AccountCase) -> None:
    """Each account earns its code; what is refused is not stored and changes nothing."""
    if case.before:
        assert books.create_accounts(case.before) == [A.OK] * len(case.before)
    ids = [a.id for a in case.before + case.batch]
    stored_before = {a.id: a for a in books.lookup_accounts(ids)}

    assert books.create_accounts(case.batch) == case.expected

    created = {a.id: a for a, r in zip(case.batch, case.expected, strict=True) if r is A.OK}
    after = {a.id: a for a in books.lookup_accounts(ids)}
    for account in case.batch:
        if account.id in stored_before:
            assert after[account.id] == stored_before[account.id]  # untouched
        elif account.id in created:
            assert _fields(after[account.id]) == _fields(created[account.id])
        else:
            assert account.id not in after  # refused, never stored
    assert set(after) == set(stored_before) | set(created)
    stamps = [after[i].timestamp for i in created]
    assert stamps == sorted(set(stamps))  # unique, in batch order
    assert all(s > max([a.timestamp for a in stored_before.values()], default=0) for s in stamps)


# -- create_transfers: one table of cases ---------------------------------------------------

Moves = dict[int, Balances]


@dataclass
class TransferCase:
    """A batch after the chart is funded and some history, and the code each must earn.

    `moves` is what the batch adds to each account's four balances (debits pending,
    debits posted, credits pending, credits posted); every other account must not move.
    """

    name: str
    batch: list[Transfer]
    expected: list[CreateTransferResult]
    before: list[Transfer] = field(default_factory=list)
    moves: Moves = field(default_factory=dict)
    advance_seconds: int = 0  # how far the clock moves between `before` and the batch


def paid(dr: int, cr: int, amount: int) -> Moves:
    """The moves of posted payments from `dr` to `cr` totalling `amount`."""
    return {dr: (0, amount, 0, 0), cr: (0, 0, 0, amount)}


def held(dr: int, cr: int, amount: int) -> Moves:
    """The moves of holds from `dr` to `cr` totalling `amount`."""
    return {dr: (amount, 0, 0, 0), cr: (0, 0, amount, 0)}


TRANSFER_CASES = [
    TransferCase("ok: a payment", [pay(50)], [T.OK], moves=paid(CLIENT, BANK, 10_00)),
    TransferCase(
        "ok: every field at its largest",
        [
            pay(
                ID_MAX - 1,
                FRESH_A,
                FRESH_B,
                AMOUNT_MAX,
                code=CODE_MAX,
                user_data_128=ID_MAX,
                user_data_64=U64_MAX,
                user_data_32=U32_MAX,
            )
        ],
        [T.OK],
        moves=paid(FRESH_A, FRESH_B, AMOUNT_MAX),
    ),
    TransferCase(
        "ok: a hold with the longest timeout",
        [hold(50, timeout=U32_MAX)],
        [T.OK],
        moves=held(CLIENT, BANK, 30_00),
    ),
    TransferCase(
        "linked_event_failed: a chain fails whole, its neighbours stand",
        [
            pay(49, amount=5_00),
            pay(50, amount=60_00, flags=LINKED),
            pay(51, cr=FEES, amount=30_00, flags=LINKED),
            pay(52, amount=20_00),  # 5 + 60 + 30 + 20 > 100: the chain is refused
            pay(53, amount=90_00),  # 5 + 90 <= 100: fits only because the chain was undone
        ],
        [T.OK, T.LINKED_EVENT_FAILED, T.LINKED_EVENT_FAILED, T.EXCEEDS_CREDITS, T.OK],
        moves=paid(CLIENT, BANK, 95_00),
    ),
    TransferCase(
        "linked_event_failed: a failure first in the chain fails the events after it",
        [pay(50, amount=0, flags=LINKED), pay(51, flags=LINKED), pay(52)],
        [T.AMOUNT_MUST_BE_POSITIVE, T.LINKED_EVENT_FAILED, T.LINKED_EVENT_FAILED],
    ),
    TransferCase(
        "linked_event_failed: a hold and its post inside a failed chain are both undone",
        [hold(50, flags=LINKED), post(51, pending_id=50, flags=LINKED), pay(52, dr=MISSING)],
        [T.LINKED_EVENT_FAILED, T.LINKED_EVENT_FAILED, T.DEBIT_ACCOUNT_NOT_FOUND],
    ),
    TransferCase(
        "linked_event_failed: a post undone with its chain leaves the hold open to post",
        [post(50, flags=LINKED), pay(51, amount=0), post(52)],
        [T.LINKED_EVENT_FAILED, T.AMOUNT_MUST_BE_POSITIVE, T.OK],
        before=[hold()],
        moves={CLIENT: (-30_00, 30_00, 0, 0), BANK: (0, 0, -30_00, 30_00)},
    ),
    TransferCase(
        "linked_event_failed: a chain only partly stored fails whole",
        [pay(50, flags=LINKED), pay(51)],
        [T.EXISTS, T.LINKED_EVENT_FAILED],
        before=[pay(50, flags=LINKED), pay(49)],
    ),
    TransferCase(
        "pending_transfer_not_found: a hold undone with its chain cannot be posted after it",
        [hold(50, flags=LINKED), pay(51, amount=0), post(52, pending_id=50)],
        [T.LINKED_EVENT_FAILED, T.AMOUNT_MUST_BE_POSITIVE, T.PENDING_TRANSFER_NOT_FOUND],
    ),
    TransferCase(
        "ok: an id undone with its chain is free again later in the batch",
        [pay(50, flags=LINKED), pay(51, amount=0), pay(50)],
        [T.LINKED_EVENT_FAILED, T.AMOUNT_MUST_BE_POSITIVE, T.OK],
        moves=paid(CLIENT, BANK, 10_00),
    ),
    TransferCase(
        "exists: a retried chain of a hold and its post answers exists for both",
        [hold(50, flags=LINKED), post(51, pending_id=50)],
        [T.EXISTS, T.EXISTS],
        before=[hold(50, flags=LINKED), post(51, pending_id=50)],
    ),
    TransferCase(
        "exists_with_different_fields: a retried chain whose first transfer differs",
        [pay(50, amount=11_00, flags=LINKED), pay(51, cr=FEES)],
        [T.EXISTS_WITH_DIFFERENT_FIELDS, T.LINKED_EVENT_FAILED],
        before=[pay(50, flags=LINKED), pay(51, cr=FEES)],
    ),
    TransferCase(
        "linked_event_chain_open: the batch ends inside a chain",
        [pay(49), pay(50, flags=LINKED), pay(51, flags=LINKED)],
        [T.OK, T.LINKED_EVENT_FAILED, T.LINKED_EVENT_CHAIN_OPEN],
        moves=paid(CLIENT, BANK, 10_00),
    ),
    TransferCase(
        "linked_event_chain_open: a lone linked transfer",
        [pay(50, flags=LINKED)],
        [T.LINKED_EVENT_CHAIN_OPEN],
    ),
    TransferCase("id_must_not_be_zero", [pay(0)], [T.ID_MUST_NOT_BE_ZERO]),
    TransferCase("id_must_not_be_int_max", [pay(ID_MAX)], [T.ID_MUST_NOT_BE_INT_MAX]),
    TransferCase("id_out_of_range: negative", [pay(-1)], [T.ID_OUT_OF_RANGE]),
    TransferCase("id_out_of_range: 2**128", [pay(2**128)], [T.ID_OUT_OF_RANGE]),
    TransferCase("timestamp_must_be_zero", [pay(50, timestamp=1)], [T.TIMESTAMP_MUST_BE_ZERO]),
    *[
        TransferCase(
            f"flags_are_mutually_exclusive: {flags!r}",
            [pay(50, flags=flags, pending_id=HOLD_ID)],
            [T.FLAGS_ARE_MUTUALLY_EXCLUSIVE],
            before=[hold()],
        )
        for flags in (PENDING | POST, PENDING | VOID, POST | VOID)
    ],
    TransferCase("reserved_flag: an unknown bit", [pay(50, flags=TF(16))], [T.RESERVED_FLAG]),
    TransferCase(
        "debit_account_id_must_not_be_zero", [pay(50, dr=0)], [T.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO]
    ),
    TransferCase(
        "debit_account_id_out_of_range: 2**128",
        [pay(50, dr=2**128)],
        [T.DEBIT_ACCOUNT_ID_OUT_OF_RANGE],
    ),
    TransferCase(
        "debit_account_id_out_of_range: negative",
        [pay(50, dr=-1)],
        [T.DEBIT_ACCOUNT_ID_OUT_OF_RANGE],
    ),
    TransferCase(
        "credit_account_id_must_not_be_zero",
        [pay(50, cr=0)],
        [T.CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO],
    ),
    TransferCase(
        "credit_account_id_out_of_range: 2**128",
        [pay(50, cr=2**128)],
        [T.CREDIT_ACCOUNT_ID_OUT_OF_RANGE],
    ),
    TransferCase(
        "credit_account_id_out_of_range: negative",
        [pay(50, cr=-1)],
        [T.CREDIT_ACCOUNT_ID_OUT_OF_RANGE],
    ),
    TransferCase(
        "accounts_must_be_different", [pay(50, cr=CLIENT)], [T.ACCOUNTS_MUST_BE_DIFFERENT]
    ),
    TransferCase(
        "pending_id_must_be_zero: a payment naming a hold",
        [pay(50, pending_id=HOLD_ID)],
        [T.PENDING_ID_MUST_BE_ZERO],
        before=[hold()],
    ),
    TransferCase(
        "pending_id_must_not_be_zero: a post naming nothing",
        [post(50, pending_id=0)],
        [T.PENDING_ID_MUST_NOT_BE_ZERO],
    ),
    TransferCase(
        "pending_id_must_not_be_zero: a void naming nothing",
        [void(50, pending_id=0)],
        [T.PENDING_ID_MUST_NOT_BE_ZERO],
    ),
    TransferCase(
        "pending_id_must_be_different: a post naming itself",
        [post(50, pending_id=50)],
        [T.PENDING_ID_MUST_BE_DIFFERENT],
    ),
    *[
        TransferCase(
            f"pending_id_out_of_range: {label}",
            [post(50, pending_id=pending_id)],
            [T.PENDING_ID_OUT_OF_RANGE],
        )
        for label, pending_id in (("negative", -1), ("2**128 - 1", ID_MAX), ("2**128", 2**128))
    ],
    TransferCase(
        "timeout_reserved_for_pending_transfer: a payment with a timeout",
        [pay(50, timeout=60)],
        [T.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER],
    ),
    TransferCase(
        "timeout_reserved_for_pending_transfer: a post with a timeout",
        [post(50, timeout=60)],
        [T.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER],
        before=[hold()],
    ),
    TransferCase(
        "timeout_out_of_range: 2**32 seconds",
        [hold(50, timeout=2**32)],
        [T.TIMEOUT_OUT_OF_RANGE],
    ),
    TransferCase(
        "timeout_out_of_range: negative", [hold(50, timeout=-1)], [T.TIMEOUT_OUT_OF_RANGE]
    ),
    TransferCase("amount_must_be_positive: zero", [pay(50, amount=0)], [T.AMOUNT_MUST_BE_POSITIVE]),
    TransferCase(
        "amount_must_be_positive: negative", [pay(50, amount=-1)], [T.AMOUNT_MUST_BE_POSITIVE]
    ),
    TransferCase(
        "amount_must_be_positive: a hold of nothing",
        [hold(50, amount=0)],
        [T.AMOUNT_MUST_BE_POSITIVE],
    ),
    TransferCase(
        "amount_must_be_positive: a negative post",
        [post(50, amount=-1)],
        [T.AMOUNT_MUST_BE_POSITIVE],
        before=[hold()],
    ),
    TransferCase(
        "amount_exceeds_maximum: 2**63",
        [pay(50, FRESH_A, FRESH_B, 2**63)],
        [T.AMOUNT_EXCEEDS_MAXIMUM],
    ),
    TransferCase(
        "amount_exceeds_maximum: 2**64",
        [pay(50, FRESH_A, FRESH_B, 2**64)],
        [T.AMOUNT_EXCEEDS_MAXIMUM],
    ),
    TransferCase(
        "amount_exceeds_maximum: a hold of 2**63",
        [hold(50, amount=2**63, dr=FRESH_A, cr=FRESH_B)],
        [T.AMOUNT_EXCEEDS_MAXIMUM],
    ),
    TransferCase(
        "amount_exceeds_maximum: a post of 2**64",
        [post(50, amount=2**64)],
        [T.AMOUNT_EXCEEDS_MAXIMUM],
        before=[hold()],
    ),
    *[
        TransferCase(
            f"ledger_must_be_a_currency: {ledger!r}",
            [pay(50, ledger=ledger)],
            [T.LEDGER_MUST_BE_A_CURRENCY],
        )
        for ledger in ("ZZZ", "gbp", "")
    ],
    TransferCase(
        "ledger_must_be_a_currency: a post in no currency",
        [post(50, ledger="ZZZ")],
        [T.LEDGER_MUST_BE_A_CURRENCY],
        before=[hold()],
    ),
    TransferCase("code_must_not_be_zero", [pay(50, code=0)], [T.CODE_MUST_NOT_BE_ZERO]),
    TransferCase("code_out_of_range: 65536", [pay(50, code=2**16)], [T.CODE_OUT_OF_RANGE]),
    TransferCase("code_out_of_range: negative", [pay(50, code=-1)], [T.CODE_OUT_OF_RANGE]),
    *[
        TransferCase(
            f"user_data_out_of_range: {name}={value}",
            [pay(50, **{name: value})],
            [T.USER_DATA_OUT_OF_RANGE],
        )
        for name, value in (
            ("user_data_128", 2**128),
            ("user_data_128", -1),
            ("user_data_64", 2**64),
            ("user_data_64", -1),
            ("user_data_32", 2**32),
            ("user_data_32", -1),
        )
    ],
    TransferCase("debit_account_not_found", [pay(50, dr=MISSING)], [T.DEBIT_ACCOUNT_NOT_FOUND]),
    TransferCase("credit_account_not_found", [pay(50, cr=MISSING)], [T.CREDIT_ACCOUNT_NOT_FOUND]),
    TransferCase(
        "accounts_must_have_the_same_ledger: GBP to an HKD account",
        [pay(50, cr=HK_CLIENT)],
        [T.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER],
    ),
    TransferCase(
        "transfer_must_have_the_same_ledger_as_accounts: HKD between GBP accounts",
        [pay(50, ledger="HKD")],
        [T.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS],
    ),
    TransferCase(
        "pending_transfer_not_found",
        [post(50, pending_id=777)],
        [T.PENDING_TRANSFER_NOT_FOUND],
    ),
    TransferCase(
        "pending_transfer_not_pending: a post of a stored payment",
        [post(50, pending_id=1000)],
        [T.PENDING_TRANSFER_NOT_PENDING],
    ),
    TransferCase(
        "pending_transfer_not_pending: a void of a payment earlier in the batch",
        [pay(50), void(51, pending_id=50)],
        [T.OK, T.PENDING_TRANSFER_NOT_PENDING],
        moves=paid(CLIENT, BANK, 10_00),
    ),
    TransferCase(
        "pending_transfer_has_different_debit_account_id",
        [post(50, debit_account_id=FEES)],
        [T.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID],
        before=[hold()],
    ),
    TransferCase(
        "pending_transfer_has_different_credit_account_id",
        [void(50, credit_account_id=FEES)],
        [T.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID],
        before=[hold()],
    ),
    TransferCase(
        "pending_transfer_has_different_ledger",
        [post(50, ledger="HKD")],
        [T.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER],
        before=[hold()],
    ),
    TransferCase(
        "pending_transfer_has_different_code",
        [post(50, code=2)],
        [T.PENDING_TRANSFER_HAS_DIFFERENT_CODE],
        before=[hold()],
    ),
    TransferCase(
        "exceeds_pending_transfer_amount: a post of a penny more than held",
        [post(50, amount=30_01)],
        [T.EXCEEDS_PENDING_TRANSFER_AMOUNT],
        before=[hold()],
    ),
    TransferCase(
        "pending_transfer_has_different_amount: a void of part of a hold",
        [void(50, amount=10_00)],
        [T.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT],
        before=[hold()],
    ),
    TransferCase(
        "pending_transfer_already_posted: posted again under a new id",
        [post(50)],
        [T.PENDING_TRANSFER_ALREADY_POSTED],
        before=[hold(), post(41)],
    ),
    TransferCase(
        "pending_transfer_already_posted: voided after it was posted",
        [void(50)],
        [T.PENDING_TRANSFER_ALREADY_POSTED],
        before=[hold(), post(41, amount=10_00)],
    ),
    TransferCase(
        "pending_transfer_already_posted: posted twice in one batch",
        [hold(50), post(51, pending_id=50), post(52, pending_id=50)],
        [T.OK, T.OK, T.PENDING_TRANSFER_ALREADY_POSTED],
        moves=paid(CLIENT, BANK, 30_00),
    ),
    TransferCase(
        "pending_transfer_already_voided: posted after it was voided",
        [post(50)],
        [T.PENDING_TRANSFER_ALREADY_VOIDED],
        before=[hold(), void(41)],
    ),
    TransferCase(
        "pending_transfer_expired: posted when the timeout has passed (not swept)",
        [post(50)],
        [T.PENDING_TRANSFER_EXPIRED],
        before=[hold(timeout=60)],
        advance_seconds=61,
    ),
    TransferCase(
        "pending_transfer_expired: voided when the timeout has passed (not swept)",
        [void(50)],
        [T.PENDING_TRANSFER_EXPIRED],
        before=[hold(timeout=60)],
        advance_seconds=3600,
    ),
    TransferCase(
        "ok: a post a second before the timeout",
        [post(50)],
        [T.OK],
        before=[hold(timeout=60)],
        advance_seconds=59,
        moves={CLIENT: (-30_00, 30_00, 0, 0), BANK: (0, 0, -30_00, 30_00)},
    ),
    *[
        TransferCase(
            f"exists_with_different_fields: a payment retried with another {name}",
            [pay(50, **{name: value})],
            [T.EXISTS_WITH_DIFFERENT_FIELDS],
            before=[pay(50)],
        )
        for name, value in (
            ("amount", 11_00),
            ("cr", FEES),
            ("code", 2),
            ("user_data_128", 1),
            ("user_data_64", 1),
            ("user_data_32", 1),
            ("flags", PENDING),
        )
    ],
    TransferCase(
        "exists_with_different_fields: a payment's id reused by a post",
        [post(1000)],
        [T.EXISTS_WITH_DIFFERENT_FIELDS],
        before=[hold()],
    ),
    TransferCase(
        "exists_with_different_fields: a full post retried for part of the hold",
        [post(41, amount=10_00)],
        [T.EXISTS_WITH_DIFFERENT_FIELDS],
        before=[hold(), post(41)],
    ),
    TransferCase(
        "exists_with_different_fields: a post retried with other user data",
        [post(41, user_data_64=8)],
        [T.EXISTS_WITH_DIFFERENT_FIELDS],
        before=[hold(), post(41, user_data_64=7)],
    ),
    TransferCase(
        "exists_with_different_fields: the same id twice in one batch",
        [pay(50), pay(50, amount=11_00)],
        [T.OK, T.EXISTS_WITH_DIFFERENT_FIELDS],
        moves=paid(CLIENT, BANK, 10_00),
    ),
    TransferCase("exists: a payment retried", [pay(50)], [T.EXISTS], before=[pay(50)]),
    TransferCase(
        "exists: a payment with every field at its largest, retried",
        [pay(ID_MAX - 1, user_data_128=ID_MAX, user_data_64=U64_MAX, user_data_32=U32_MAX)],
        [T.EXISTS],
        before=[pay(ID_MAX - 1, user_data_128=ID_MAX, user_data_64=U64_MAX, user_data_32=U32_MAX)],
    ),
    TransferCase(
        "exists: a hold retried after it was posted",
        [hold()],
        [T.EXISTS],
        before=[hold(), post(41)],
    ),
    TransferCase(
        "exists: a post of the whole hold (amount 0) retried with amount 0",
        [post(41)],
        [T.EXISTS],
        before=[hold(), post(41)],
    ),
    TransferCase(
        "exists: a post of the whole hold (amount 0) retried naming the amount",
        [post(41, amount=30_00)],
        [T.EXISTS],
        before=[hold(), post(41)],
    ),
    TransferCase(
        "exists: a partial post retried",
        [post(41, amount=10_00, debit_account_id=CLIENT, credit_account_id=BANK)],
        [T.EXISTS],
        before=[hold(), post(41, amount=10_00)],
    ),
    TransferCase(
        "exists: a post retried after the hold's timeout has passed",
        [post(41)],
        [T.EXISTS],
        before=[hold(timeout=60), post(41)],
        advance_seconds=120,
    ),
    TransferCase("exists: a void retried", [void(41)], [T.EXISTS], before=[hold(), void(41)]),
    TransferCase(
        "exists: the same payment twice in one batch",
        [pay(50), pay(50)],
        [T.OK, T.EXISTS],
        moves=paid(CLIENT, BANK, 10_00),
    ),
    TransferCase(
        "exists: the same post twice in one batch",
        [hold(50), post(51, pending_id=50), post(51, pending_id=50)],
        [T.OK, T.OK, T.EXISTS],
        moves=paid(CLIENT, BANK, 30_00),
    ),
    TransferCase(
        "exists: a retried linked chain answers exists for each of its transfers",
        [pay(50, flags=LINKED), pay(51, cr=FEES)],
        [T.EXISTS, T.EXISTS],
        before=[pay(50, flags=LINKED), pay(51, cr=FEES)],
    ),
    TransferCase(
        "overflows_debits: 10 more debits than 2**63 - 1 allows",
        [pay(50, WHALE, BANK, 10)],
        [T.OVERFLOWS_DEBITS],
    ),
    TransferCase(
        "overflows_debits: holds count towards the ceiling",
        [hold(50, dr=WHALE, cr=BANK, amount=6)],
        [T.OVERFLOWS_DEBITS],
    ),
    TransferCase(
        "ok: debits exactly at 2**63 - 1",
        [pay(50, WHALE, BANK, 5)],
        [T.OK],
        moves=paid(WHALE, BANK, 5),
    ),
    TransferCase(
        "overflows_credits: 10 more credits than 2**63 - 1 allows",
        [pay(50, BANK, SINK, 10)],
        [T.OVERFLOWS_CREDITS],
    ),
    TransferCase(
        "overflows_credits: a payment on top of a hold passes the ceiling",
        [pay(50, BANK, SINK, 3)],
        [T.OVERFLOWS_CREDITS],
        before=[hold(HOLD_ID, dr=BANK, cr=SINK, amount=3)],
    ),
    TransferCase(
        "ok: credits exactly at 2**63 - 1",
        [pay(50, BANK, SINK, 5)],
        [T.OK],
        moves=paid(BANK, SINK, 5),
    ),
    TransferCase(
        "exceeds_credits: a penny more than the client has",
        [pay(50, amount=100_01)],
        [T.EXCEEDS_CREDITS],
    ),
    TransferCase(
        "exceeds_credits: money on hold cannot be spent twice",
        [pay(50, amount=70_01)],
        [T.EXCEEDS_CREDITS],
        before=[hold()],
    ),
    TransferCase(
        "ok: the client spends exactly what it has",
        [pay(50, amount=100_00)],
        [T.OK],
        moves=paid(CLIENT, BANK, 100_00),
    ),
    TransferCase(
        "exceeds_debits: a penny more credit than the capped account's debits",
        [pay(50, BANK, CAPPED, 50_01)],
        [T.EXCEEDS_DEBITS],
    ),
    TransferCase(
        "ok: the capped account credited exactly up to its debits",
        [pay(50, BANK, CAPPED, 50_00)],
        [T.OK],
        moves=paid(BANK, CAPPED, 50_00),
    ),
]
SHOWN_TRANSFER_RESULTS.update(code for case in TRANSFER_CASES for code in case.expected)

_POST_RETRIED_FOR_ALL = TransferCase(
    "exists_with_different_fields: a partial post retried with amount 0 (all of the hold)",
    [post(41)],
    [T.EXISTS_WITH_DIFFERENT_FIELDS],
    before=[hold(), post(41, amount=10_00)],
)
_POST_RETRIED_WITHOUT_ITS_USER_DATA = TransferCase(
    "exists_with_different_fields: a post with its own user data retried without it",
    [post(41)],
    [T.EXISTS_WITH_DIFFERENT_FIELDS],
    before=[hold(), post(41, user_data_64=7)],
)
# Retries of a post compared filled in from the hold (once answered `exists` wrongly).
RETRIED_POSTS = [
    pytest.param(case, id=case.name)
    for case in (_POST_RETRIED_FOR_ALL, _POST_RETRIED_WITHOUT_ITS_USER_DATA)
]


def _ids(batch: list[Transfer]) -> list[int]:
    return [t.id for t in batch]


@pytest.mark.parametrize(
    "case", [*[pytest.param(c, id=c.name) for c in TRANSFER_CASES], *RETRIED_POSTS]
)
def test_create_transfers_result(books: Ledger, clock: LedgerClock, case: TransferCase) -> None:
    """Each transfer earns its code; the batch moves exactly `moves`, refusals move nothing."""
    open_chart(books)
    if case.before:
        assert books.create_transfers(case.before) == [T.OK] * len(case.before)
    clock.advance(case.advance_seconds)
    ids = sorted(set(_ids(FUNDING + case.before + case.batch)))
    stored_before = {t.id: t for t in books.lookup_transfers(ids)}
    books_before = balances(books, CHART_IDS)
    accounts_before = books.lookup_accounts(CHART_IDS)

    assert books.create_transfers(case.batch) == case.expected

    expected_books = {
        account: tuple(
            b + d for b, d in zip(before, case.moves.get(account, (0, 0, 0, 0)), strict=True)
        )
        for account, before in books_before.items()
    }
    assert balances(books, CHART_IDS) == expected_books
    for account in accounts_before:  # an account that did not move is untouched, whole
        if account.id not in case.moves:
            assert books.lookup_accounts([account.id]) == [account]

    accepted = [t for t, r in zip(case.batch, case.expected, strict=True) if r is T.OK]
    accepted_ids = {t.id for t in accepted}
    after = {t.id: t for t in books.lookup_transfers(ids)}
    for t in case.batch:
        if t.id in stored_before:
            assert after[t.id] == stored_before[t.id]  # an earlier transfer, untouched
        elif t.id not in accepted_ids:
            assert t.id not in after  # refused, never stored
    assert set(after) == set(stored_before) | accepted_ids
    for t in accepted:
        if not t.flags & (POST | VOID):  # stored as sent (a post or void fills in its hold's)
            assert replace(after[t.id], timestamp=0) == t
    stamps = [after[t.id].timestamp for t in accepted]
    assert stamps == sorted(set(stamps))  # unique, in batch order
    assert all(s > max(t.timestamp for t in stored_before.values()) for s in stamps)


# -- pending, post and void -----------------------------------------------------------------


def test_a_partial_post_releases_the_rest_of_the_hold(books: Ledger) -> None:
    """Posting 20.00 of a 30.00 hold moves 20.00 and gives the client back the other 10.00."""
    open_chart(books)
    assert balances(books, [CLIENT, BANK]) == {
        CLIENT: (0, 0, 0, 100_00),
        BANK: (0, 100_00, 0, 50_00),
    }
    assert books.create_transfers([hold()]) == [T.OK]
    assert balances(books, [CLIENT, BANK]) == {
        CLIENT: (30_00, 0, 0, 100_00),
        BANK: (0, 100_00, 30_00, 50_00),
    }
    assert books.create_transfers([post(41, amount=20_00)]) == [T.OK]
    assert balances(books, [CLIENT, BANK]) == {
        CLIENT: (0, 20_00, 0, 100_00),
        BANK: (0, 100_00, 0, 70_00),
    }
    (posted,) = books.lookup_transfers([41])
    assert (posted.debit_account_id, posted.credit_account_id, posted.amount) == (
        CLIENT,
        BANK,
        20_00,
    )
    assert (posted.ledger, posted.code, posted.pending_id) == ("GBP", 1, HOLD_ID)
    # the released 10.00 is the client's to spend again: 100.00 - 20.00 = 80.00 left
    assert books.create_transfers([pay(50, amount=80_00), pay(51, amount=1)]) == [
        T.OK,
        T.EXCEEDS_CREDITS,
    ]


def test_a_post_of_amount_zero_posts_the_whole_hold(books: Ledger) -> None:
    """Amount 0 on a post means all of the hold; the stored post names the amount."""
    open_chart(books)
    assert books.create_transfers([hold(), post(41)]) == [T.OK, T.OK]
    assert balances(books, [CLIENT, BANK]) == {
        CLIENT: (0, 30_00, 0, 100_00),
        BANK: (0, 100_00, 0, 80_00),
    }
    (posted,) = books.lookup_transfers([41])
    assert posted.amount == 30_00


def test_a_void_releases_the_whole_hold(books: Ledger) -> None:
    """Voiding a hold puts every balance back as it was before the hold."""
    open_chart(books)
    start = balances(books, CHART_IDS)
    assert books.create_transfers([hold()]) == [T.OK]
    assert balances(books, CHART_IDS) != start
    assert books.create_transfers([void(41, amount=30_00)]) == [T.OK]
    assert balances(books, CHART_IDS) == start
    (voided,) = books.lookup_transfers([41])
    assert (voided.amount, voided.pending_id, int(voided.flags)) == (30_00, HOLD_ID, int(VOID))


def test_a_post_inherits_the_holds_user_data(books: Ledger) -> None:
    """A post that leaves user data empty carries the hold's references."""
    open_chart(books)
    assert books.create_transfers([hold(user_data_128=5, user_data_64=6, user_data_32=7)]) == [T.OK]
    assert books.create_transfers([post(41, user_data_32=9)]) == [T.OK]
    (posted,) = books.lookup_transfers([41])
    assert (posted.user_data_128, posted.user_data_64, posted.user_data_32) == (5, 6, 9)


# -- timeouts and the sweep -----------------------------------------------------------------


@shows(T.OK, T.PENDING_TRANSFER_EXPIRED)
def test_a_hold_lapses_exactly_at_its_timeout(books: Ledger, clock: LedgerClock) -> None:
    """A hold can be posted up to the last nanosecond before timestamp + timeout, not at it."""
    open_chart(books)
    assert books.create_transfers([hold(40, amount=10_00, timeout=90)]) == [T.OK]
    assert books.create_transfers([hold(41, amount=10_00, timeout=90)]) == [T.OK]
    first, second = books.lookup_transfers([40, 41])
    clock.set(first.timestamp + 90 * NS - 1)
    assert books.create_transfers([post(50, pending_id=40)]) == [T.OK]
    clock.set(second.timestamp + 90 * NS)
    before = balances(books, CHART_IDS)
    assert books.create_transfers([post(51, pending_id=41)]) == [T.PENDING_TRANSFER_EXPIRED]
    assert balances(books, CHART_IDS) == before
    assert books.lookup_transfers([51]) == []


def test_the_sweep_releases_lapsed_holds_only(books: Ledger, clock: LedgerClock) -> None:
    """`expire_pending_transfers` voids holds whose timeout has passed and no others."""
    open_chart(books)
    assert (
        books.create_transfers(
            [
                hold(40, amount=10_00, timeout=60),  # lapses after a minute
                hold(41, amount=20_00, timeout=3600),  # lapses after an hour
                hold(42, amount=30_00),  # never lapses
            ]
        )
        == [T.OK] * 3
    )
    assert balances(books, [CLIENT])[CLIENT] == (60_00, 0, 0, 100_00)

    clock.advance(59)
    assert books.expire_pending_transfers() == 0
    assert balances(books, [CLIENT])[CLIENT] == (60_00, 0, 0, 100_00)

    clock.advance(2)  # the hold's timestamp is a few nanoseconds past the clock's second
    assert books.expire_pending_transfers() == 1
    assert balances(books, [CLIENT, BANK]) == {
        CLIENT: (50_00, 0, 0, 100_00),
        BANK: (0, 100_00, 50_00, 50_00),
    }
    assert books.expire_pending_transfers() == 0  # a swept hold is swept once

    clock.advance(10 * 3600)
    assert books.expire_pending_transfers() == 1
    assert balances(books, [CLIENT])[CLIENT] == (30_00, 0, 0, 100_00)
    # expired holds cannot be finished; the hold without a timeout still can
    assert books.create_transfers(
        [post(50, pending_id=40), void(51, pending_id=41), post(52, pending_id=42)]
    ) == [T.PENDING_TRANSFER_EXPIRED, T.PENDING_TRANSFER_EXPIRED, T.OK]
    assert balances(books, [CLIENT])[CLIENT] == (0, 30_00, 0, 100_00)


def test_the_sweep_takes_at_most_limit_holds_oldest_first(
    books: Ledger, clock: LedgerClock
) -> None:
    """A sweep with a limit releases that many lapsed holds, the earliest to lapse first."""
    open_chart(books)
    assert books.create_transfers(
        [hold(40, amount=1_00, timeout=30), hold(41, amount=2_00, timeout=10)]
    ) == [T.OK, T.OK]
    clock.advance(60)
    assert books.expire_pending_transfers(limit=1) == 1
    assert balances(books, [CLIENT])[CLIENT] == (1_00, 0, 0, 100_00)  # 41 went first
    assert books.expire_pending_transfers(limit=1) == 1
    assert balances(books, [CLIENT])[CLIENT] == (0, 0, 0, 100_00)
    assert books.expire_pending_transfers(limit=1) == 0


def test_the_sweep_leaves_finished_holds_alone(books: Ledger, clock: LedgerClock) -> None:
    """Holds posted or voided before their timeout are not released again by the sweep."""
    open_chart(books)
    assert (
        books.create_transfers(
            [
                hold(40, amount=10_00, timeout=60),
                hold(41, amount=20_00, timeout=60),
                post(42, pending_id=40),
                void(43, pending_id=41),
            ]
        )
        == [T.OK] * 4
    )
    before = books.lookup_accounts(CHART_IDS)
    clock.advance(3600)
    assert books.expire_pending_transfers() == 0
    assert books.lookup_accounts(CHART_IDS) == before
    assert balances(books, [CLIENT])[CLIENT] == (0, 10_00, 0, 100_00)


def test_the_sweep_with_nothing_lapsed_changes_nothing(books: Ledger) -> None:
    """A sweep over holds without timeouts finds nothing and moves nothing."""
    open_chart(books)
    assert books.create_transfers([hold()]) == [T.OK]
    before = balances(books, CHART_IDS)
    assert books.expire_pending_transfers() == 0
    assert balances(books, CHART_IDS) == before


# -- linked chains --------------------------------------------------------------------------


@shows(T.LINKED_EVENT_FAILED, T.EXCEEDS_CREDITS)
def test_a_failed_chain_rolls_back_a_hold_it_posted(books: Ledger) -> None:
    """A chain that posted a stored hold and then failed leaves the hold open and whole."""
    open_chart(books)
    assert books.create_transfers([hold()]) == [T.OK]
    before = balances(books, CHART_IDS)
    assert books.create_transfers(
        [post(41, flags=LINKED), pay(42, amount=80_00)]  # 30 + 80 > 100
    ) == [T.LINKED_EVENT_FAILED, T.EXCEEDS_CREDITS]
    assert balances(books, CHART_IDS) == before
    assert books.lookup_transfers([41, 42]) == []
    assert books.create_transfers([void(43)]) == [T.OK]  # the hold was still open


def test_chains_after_a_failed_chain_are_decided_on_their_own(books: Ledger) -> None:
    """Chain 1 fails, chain 2 succeeds in the same batch; only chain 2 is stored."""
    open_chart(books)
    assert books.create_transfers(
        [
            pay(50, amount=40_00, flags=LINKED),
            pay(51, amount=40_00, cr=HK_CLIENT),  # wrong currency: chain 1 fails
            pay(52, amount=40_00, flags=LINKED),
            pay(53, amount=40_00, cr=FEES),  # chain 2: 80.00 of the client's 100.00
        ]
    ) == [
        T.LINKED_EVENT_FAILED,
        T.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER,
        T.OK,
        T.OK,
    ]
    assert [t.id for t in books.lookup_transfers([50, 51, 52, 53])] == [52, 53]
    assert balances(books, [CLIENT, BANK, FEES]) == {
        CLIENT: (0, 80_00, 0, 100_00),
        BANK: (0, 100_00, 0, 90_00),
        FEES: (0, 0, 0, 40_00),
    }


# -- batches --------------------------------------------------------------------------------


def test_an_empty_batch_returns_nothing_and_changes_nothing(books: Ledger) -> None:
    """Empty batches of accounts and of transfers answer [] and write nothing."""
    open_chart(books)
    before = books.lookup_accounts(CHART_IDS)
    assert books.create_accounts([]) == []
    assert books.create_transfers([]) == []
    assert books.lookup_accounts(CHART_IDS) == before


def test_a_batch_of_accounts_larger_than_batch_max_is_refused_whole(books: Ledger) -> None:
    """BATCH_MAX + 1 accounts raise BatchTooLargeError and none is created."""
    batch = [Account(i, "GBP", 100) for i in range(1, BATCH_MAX + 2)]
    with pytest.raises(BatchTooLargeError):
        books.create_accounts(batch)
    assert books.lookup_accounts([1, BATCH_MAX // 2, BATCH_MAX + 1]) == []


def test_a_batch_of_transfers_larger_than_batch_max_is_refused_whole(books: Ledger) -> None:
    """BATCH_MAX + 1 transfers raise BatchTooLargeError; no transfer and no balance moves."""
    open_chart(books)
    before = books.lookup_accounts(CHART_IDS)
    batch = [pay(10_000 + i, BANK, FEES, 1) for i in range(BATCH_MAX + 1)]
    with pytest.raises(BatchTooLargeError):
        books.create_transfers(batch)
    assert books.lookup_accounts(CHART_IDS) == before
    assert books.lookup_transfers([10_000, 10_000 + BATCH_MAX]) == []


def test_a_batch_of_exactly_batch_max_transfers_is_applied(books: Ledger) -> None:
    """BATCH_MAX transfers are one batch: all applied."""
    open_chart(books)
    batch = [pay(10_000 + i, BANK, FEES, 1) for i in range(BATCH_MAX)]
    assert books.create_transfers(batch) == [T.OK] * BATCH_MAX
    assert balances(books, [FEES]) == {FEES: (0, 0, 0, BATCH_MAX)}


# -- look-ups -------------------------------------------------------------------------------


def test_an_accounts_transfers_page_newest_first_on_both_sides(books: Ledger) -> None:
    """Pages walk the account's transfers, debit and credit side alike, newest first."""
    open_chart(books)
    alice, bob, carol = 20, 21, 22
    assert (
        books.create_accounts(
            [Account(alice, "GBP", 200), Account(bob, "GBP", 200), Account(carol, "GBP", 200)]
        )
        == [A.OK] * 3
    )
    assert books.create_transfers(
        [
            pay(101, bob, alice, 10_00),  # alice credited
            pay(102, alice, carol, 1_00),  # alice debited
            pay(103, carol, alice, 2_00),  # alice credited
            pay(104, bob, carol, 3_00),  # not alice's
            pay(105, alice, bob, 4_00),  # alice debited
            hold(106, dr=bob, cr=alice, amount=5_00),  # alice's credit held
            post(107, pending_id=106),  # and posted
            pay(108, alice, MISSING, 1_00),  # refused: not on alice's page
        ]
    ) == [T.OK] * 7 + [T.CREDIT_ACCOUNT_NOT_FOUND]

    first = books.get_account_transfers(alice, limit=2)
    assert [t.id for t in first.transfers] == [107, 106]
    assert first.next_before == first.transfers[-1].timestamp
    second = books.get_account_transfers(alice, before=first.next_before, limit=2)
    assert [t.id for t in second.transfers] == [105, 103]
    third = books.get_account_transfers(alice, before=second.next_before, limit=2)
    assert [t.id for t in third.transfers] == [102, 101]
    assert third.next_before is None

    everything = books.get_account_transfers(alice)
    assert [t.id for t in everything.transfers] == [107, 106, 105, 103, 102, 101]
    assert everything.next_before is None
    stamps = [t.timestamp for t in everything.transfers]
    assert stamps == sorted(stamps, reverse=True)

    (t102,) = books.lookup_transfers([102])
    since = books.get_account_transfers(alice, since=t102.timestamp)
    assert [t.id for t in since.transfers] == [107, 106, 105, 103]
    assert [t.id for t in books.get_account_transfers(carol).transfers] == [104, 103, 102]


def test_an_unknown_or_idle_account_has_no_transfers(books: Ledger) -> None:
    """No account, or an account nothing touched: an empty page."""
    open_chart(books)
    assert books.get_account_transfers(MISSING).transfers == []
    assert books.get_account_transfers(FRESH_A).transfers == []
    assert books.get_account_transfers(FRESH_A).next_before is None


def test_a_history_accounts_balance_as_of_past_moments(books: Ledger, clock: LedgerClock) -> None:
    """A `history` account answers its balances as they stood after each transfer."""
    open_chart(books)
    saver = 30
    assert books.create_accounts(
        [Account(saver, "GBP", 200, flags=AF.HISTORY | AF.DEBITS_MUST_NOT_EXCEED_CREDITS)]
    ) == [A.OK]
    (opened,) = books.lookup_accounts([saver])
    assert books.create_transfers([pay(60, BANK, saver, 50_00)]) == [T.OK]
    clock.advance(10)
    assert books.create_transfers([pay(61, saver, FEES, 5_00)]) == [T.OK]
    clock.advance(10)
    assert books.create_transfers([hold(62, dr=saver, cr=BANK, amount=20_00)]) == [T.OK]
    clock.advance(10)
    # a chain that fails leaves no trace in the history, though the batch writes others
    assert books.create_transfers(
        [
            pay(63, saver, BANK, 1_00, flags=LINKED),
            pay(64, saver, BANK, 100_00),
            pay(65, BANK, FEES, 1_00),
        ]
    ) == [T.LINKED_EVENT_FAILED, T.EXCEEDS_CREDITS, T.OK]
    deposit, fee, held_ = books.lookup_transfers([60, 61, 62])

    assert books.get_account_balance(saver, opened.timestamp - 1) is None  # not yet open
    assert books.get_account_balance(saver, opened.timestamp) == AccountBalance(
        opened.timestamp, 0, 0, 0, 0
    )
    assert books.get_account_balance(saver, deposit.timestamp) == AccountBalance(
        deposit.timestamp, 0, 0, 0, 50_00
    )
    assert books.get_account_balance(saver, fee.timestamp - 1) == AccountBalance(
        deposit.timestamp, 0, 0, 0, 50_00
    )
    assert books.get_account_balance(saver, fee.timestamp) == AccountBalance(
        fee.timestamp, 0, 5_00, 0, 50_00
    )
    assert books.get_account_balance(saver, held_.timestamp) == AccountBalance(
        held_.timestamp, 20_00, 5_00, 0, 50_00
    )
    assert books.get_account_balance(saver, clock.now + 3600 * NS) == AccountBalance(
        held_.timestamp, 20_00, 5_00, 0, 50_00
    )


def test_a_history_account_keeps_the_sweep_of_its_hold(books: Ledger, clock: LedgerClock) -> None:
    """A lapsed hold's release is in the history of a `history` account."""
    open_chart(books)
    saver = 30
    assert books.create_accounts([Account(saver, "GBP", 200, flags=AF.HISTORY)]) == [A.OK]
    assert books.create_transfers([hold(62, dr=BANK, cr=saver, amount=20_00, timeout=1)]) == [T.OK]
    (held_,) = books.lookup_transfers([62])
    clock.advance(5)
    assert books.expire_pending_transfers() == 1
    assert books.get_account_balance(saver, held_.timestamp) == AccountBalance(
        held_.timestamp, 0, 0, 20_00, 0
    )
    now = books.get_account_balance(saver, clock.now + NS)
    assert now is not None
    assert now.timestamp > held_.timestamp
    assert (now.debits_pending, now.debits_posted, now.credits_pending, now.credits_posted) == (
        0,
        0,
        0,
        0,
    )


def test_an_account_without_history_has_no_past_balances(books: Ledger) -> None:
    """`get_account_balance` answers None for an account without `history`, or none at all."""
    open_chart(books)
    (funding,) = books.lookup_transfers([1000])
    assert books.get_account_balance(CLIENT, funding.timestamp) is None
    assert books.get_account_balance(MISSING, funding.timestamp) is None


# -- every code is shown --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enum", "shown"),
    [
        pytest.param(CreateAccountResult, SHOWN_ACCOUNT_RESULTS, id="create_accounts"),
        pytest.param(CreateTransferResult, SHOWN_TRANSFER_RESULTS, id="create_transfers"),
    ],
)
def test_every_result_code_is_shown_by_a_test_here(
    enum: type[CreateAccountResult] | type[CreateTransferResult],
    shown: set[CreateAccountResult] | set[CreateTransferResult],
) -> None:
    """A result code without a test in this module fails the suite."""
    missing = sorted(code.value for code in enum if code not in shown)
    assert missing == []
