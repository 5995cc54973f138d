"""Every result code of the ledger, each shown by the input that earns it, on both stores.

Each case books a small fixed set of accounts, optionally some earlier transfers, then
one batch; it checks the batch's codes and that what was refused changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from clocks import LedgerClock
from corridor.ledger import (
    AMOUNT_MAX,
    BATCH_MAX,
    ID_MAX,
    Account,
    AccountFlags,
    BatchTooLargeError,
    CreateAccountResult,
    CreateTransferResult,
    Ledger,
    Transfer,
    TransferFlags,
)

TF = TransferFlags
AF = AccountFlags
T = CreateTransferResult
A = CreateAccountResult

# The fixed books every transfer case starts from.
CLIENT, BANK, FEES, HKD_CLIENT, LIMITED, BIG = 1, 2, 3, 4, 5, 6
ACCOUNTS = [
    Account(CLIENT, "GBP", 200, flags=AF.DEBITS_MUST_NOT_EXCEED_CREDITS),
    Account(BANK, "GBP", 100),
    Account(FEES, "GBP", 400),
    Account(HKD_CLIENT, "HKD", 200),
    Account(LIMITED, "GBP", 300, flags=AF.CREDITS_MUST_NOT_EXCEED_DEBITS),
    Account(BIG, "GBP", 100),
]
FUNDING = [
    Transfer(1000, BANK, CLIENT, 100_00, "GBP", 1),
    Transfer(1001, LIMITED, BANK, 50_00, "GBP", 1),
]


def gbp(id_: int, dr: int = CLIENT, cr: int = BANK, amount: int = 10_00, **kw: object) -> Transfer:
    """A GBP transfer with sensible defaults."""
    return Transfer(id_, dr, cr, amount, kw.pop("ledger", "GBP"), kw.pop("code", 1), **kw)  # type: ignore[arg-type]


def hold(id_: int, amount: int = 30_00, **kw: object) -> Transfer:
    """A hold on the client's money."""
    return gbp(id_, amount=amount, flags=TF.PENDING, **kw)


def settle(id_: int, pending: int, flags: TF, amount: int = 0, **kw: object) -> Transfer:
    """A post or void of a hold."""
    return Transfer(id_, amount=amount, pending_id=pending, flags=flags, **kw)  # type: ignore[arg-type]


POST, VOID, LINKED = TF.POST_PENDING_TRANSFER, TF.VOID_PENDING_TRANSFER, TF.LINKED


@dataclass
class Case:
    """A batch after some history, and the codes it must earn."""

    name: str
    batch: list[Transfer]
    expected: list[CreateTransferResult]
    before: list[Transfer] = field(default_factory=list)
    advance_seconds: int = 0  # how far the clock moves between `before` and `batch`


CASES = [
    Case("ok", [gbp(1)], [T.OK]),
    Case(
        "linked_event_failed: a chain fails whole",
        [gbp(1, flags=LINKED), gbp(2, amount=10**9)],
        [T.LINKED_EVENT_FAILED, T.EXCEEDS_CREDITS],
    ),
    Case(
        "linked_event_chain_open",
        [gbp(1), gbp(2, flags=LINKED), gbp(3, flags=LINKED)],
        [T.OK, T.LINKED_EVENT_FAILED, T.LINKED_EVENT_CHAIN_OPEN],
    ),
    Case("id_must_not_be_zero", [gbp(0)], [T.ID_MUST_NOT_BE_ZERO]),
    Case("id_must_not_be_int_max", [gbp(ID_MAX)], [T.ID_MUST_NOT_BE_INT_MAX]),
    Case("id_out_of_range", [gbp(ID_MAX + 1), gbp(-5)], [T.ID_OUT_OF_RANGE] * 2),
    Case("timestamp_must_be_zero", [gbp(1, timestamp=7)], [T.TIMESTAMP_MUST_BE_ZERO]),
    Case(
        "flags_are_mutually_exclusive",
        [gbp(1, flags=TF.PENDING | POST)],
        [T.FLAGS_ARE_MUTUALLY_EXCLUSIVE],
    ),
    Case("reserved_flag", [gbp(1, flags=TF(0) | 64)], [T.RESERVED_FLAG]),
    Case(
        "debit_account_id_must_not_be_zero", [gbp(1, dr=0)], [T.DEBIT_ACCOUNT_ID_MUST_NOT_BE_ZERO]
    ),
    Case(
        "debit_account_id_out_of_range", [gbp(1, dr=ID_MAX + 1)], [T.DEBIT_ACCOUNT_ID_OUT_OF_RANGE]
    ),
    Case(
        "credit_account_id_must_not_be_zero", [gbp(1, cr=0)], [T.CREDIT_ACCOUNT_ID_MUST_NOT_BE_ZERO]
    ),
    Case("credit_account_id_out_of_range", [gbp(1, cr=-1)], [T.CREDIT_ACCOUNT_ID_OUT_OF_RANGE]),
    Case("accounts_must_be_different", [gbp(1, dr=BANK, cr=BANK)], [T.ACCOUNTS_MUST_BE_DIFFERENT]),
    Case("pending_id_must_be_zero", [gbp(1, pending_id=99)], [T.PENDING_ID_MUST_BE_ZERO]),
    Case("pending_id_must_not_be_zero", [settle(1, 0, POST)], [T.PENDING_ID_MUST_NOT_BE_ZERO]),
    Case("pending_id_must_be_different", [settle(1, 1, POST)], [T.PENDING_ID_MUST_BE_DIFFERENT]),
    Case("pending_id_out_of_range", [settle(1, ID_MAX, VOID)], [T.PENDING_ID_OUT_OF_RANGE]),
    Case(
        "timeout_reserved_for_pending_transfer",
        [gbp(1, timeout=60)],
        [T.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER],
    ),
    Case("timeout_out_of_range", [hold(1, timeout=2**32)], [T.TIMEOUT_OUT_OF_RANGE]),
    Case(
        "amount_must_be_positive",
        [gbp(1, amount=0), gbp(2, amount=-1)],
        [T.AMOUNT_MUST_BE_POSITIVE] * 2,
    ),
    Case(
        "amount_exceeds_maximum: beyond 64 bits",
        [gbp(1, amount=2**63), gbp(2, amount=2**64)],
        [T.AMOUNT_EXCEEDS_MAXIMUM] * 2,
    ),
    Case("ledger_must_be_a_currency", [gbp(1, ledger="XYZ")], [T.LEDGER_MUST_BE_A_CURRENCY]),
    Case("code_must_not_be_zero", [gbp(1, code=0)], [T.CODE_MUST_NOT_BE_ZERO]),
    Case("code_out_of_range", [gbp(1, code=70_000)], [T.CODE_OUT_OF_RANGE]),
    Case(
        "user_data_out_of_range",
        [gbp(1, user_data_64=2**64), gbp(2, user_data_32=-1)],
        [T.USER_DATA_OUT_OF_RANGE] * 2,
    ),
    Case("debit_account_not_found", [gbp(1, dr=777)], [T.DEBIT_ACCOUNT_NOT_FOUND]),
    Case("credit_account_not_found", [gbp(1, cr=777)], [T.CREDIT_ACCOUNT_NOT_FOUND]),
    Case(
        "accounts_must_have_the_same_ledger: currency mismatch",
        [gbp(1, cr=HKD_CLIENT)],
        [T.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER],
    ),
    Case(
        "transfer_must_have_the_same_ledger_as_accounts",
        [gbp(1, ledger="HKD")],
        [T.TRANSFER_MUST_HAVE_THE_SAME_LEDGER_AS_ACCOUNTS],
    ),
    Case("pending_transfer_not_found", [settle(1, 555, POST)], [T.PENDING_TRANSFER_NOT_FOUND]),
    Case("pending_transfer_not_pending", [settle(1, 1000, POST)], [T.PENDING_TRANSFER_NOT_PENDING]),
    Case(
        "pending_transfer_has_different_debit_account_id",
        [settle(2, 1, POST, debit_account_id=FEES)],
        [T.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID],
        before=[hold(1)],
    ),
    Case(
        "pending_transfer_has_different_credit_account_id",
        [settle(2, 1, POST, credit_account_id=FEES)],
        [T.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID],
        before=[hold(1)],
    ),
    Case(
        "pending_transfer_has_different_ledger",
        [settle(2, 1, POST, ledger="HKD")],
        [T.PENDING_TRANSFER_HAS_DIFFERENT_LEDGER],
        before=[hold(1)],
    ),
    Case(
        "pending_transfer_has_different_code",
        [settle(2, 1, POST, code=9)],
        [T.PENDING_TRANSFER_HAS_DIFFERENT_CODE],
        before=[hold(1)],
    ),
    Case(
        "exceeds_pending_transfer_amount",
        [settle(2, 1, POST, amount=30_01)],
        [T.EXCEEDS_PENDING_TRANSFER_AMOUNT],
        before=[hold(1)],
    ),
    Case(
        "pending_transfer_has_different_amount",
        [settle(2, 1, VOID, amount=1)],
        [T.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT],
        before=[hold(1)],
    ),
    Case(
        "pending_transfer_already_posted",
        [settle(3, 1, VOID)],
        [T.PENDING_TRANSFER_ALREADY_POSTED],
        before=[hold(1), settle(2, 1, POST)],
    ),
    Case(
        "pending_transfer_already_voided",
        [settle(3, 1, POST)],
        [T.PENDING_TRANSFER_ALREADY_VOIDED],
        before=[hold(1), settle(2, 1, VOID)],
    ),
    Case(
        "pending_transfer_expired",
        [settle(2, 1, POST)],
        [T.PENDING_TRANSFER_EXPIRED],
        before=[hold(1, timeout=60)],
        advance_seconds=61,
    ),
    Case(
        "exists_with_different_fields",
        [gbp(1, amount=11_00)],
        [T.EXISTS_WITH_DIFFERENT_FIELDS],
        before=[gbp(1)],
    ),
    Case("exists: a retry is applied once", [gbp(1)], [T.EXISTS], before=[gbp(1)]),
    Case(
        "exists: a retried post with amount 0 matches the whole post",
        [settle(2, 1, POST)],
        [T.EXISTS],
        before=[hold(1), settle(2, 1, POST)],
    ),
    Case(
        "exists: duplicate ids inside one batch",
        [gbp(1), gbp(1), gbp(1, amount=1)],
        [T.OK, T.EXISTS, T.EXISTS_WITH_DIFFERENT_FIELDS],
    ),
    Case(
        "overflows_debits",
        [gbp(1, dr=BIG, cr=FEES, amount=AMOUNT_MAX), gbp(2, dr=BIG, cr=BANK, amount=1)],
        [T.OK, T.OVERFLOWS_DEBITS],
    ),
    Case(
        "overflows_credits",
        [gbp(1, dr=FEES, cr=BIG, amount=AMOUNT_MAX), gbp(2, dr=BANK, cr=BIG, amount=1)],
        [T.OK, T.OVERFLOWS_CREDITS],
    ),
    Case(
        "exceeds_credits: the client cannot overdraw", [gbp(1, amount=100_01)], [T.EXCEEDS_CREDITS]
    ),
    Case(
        "exceeds_credits: holds count against the guard",
        [gbp(2, amount=80_00)],
        [T.EXCEEDS_CREDITS],
        before=[hold(1)],
    ),
    Case("exceeds_debits", [gbp(1, dr=BANK, cr=LIMITED, amount=50_01)], [T.EXCEEDS_DEBITS]),
]


@pytest.fixture
def clock() -> LedgerClock:
    """The test's clock."""
    return LedgerClock(1_800_000_000)


@pytest.fixture
def books(engine: object, clock: LedgerClock) -> Ledger:
    """The fixed accounts, with the client funded with GBP 100.00."""
    ledger = Ledger(engine, clock=clock)  # type: ignore[arg-type]
    assert ledger.create_accounts(ACCOUNTS) == [A.OK] * len(ACCOUNTS)
    assert ledger.create_transfers(FUNDING) == [T.OK] * len(FUNDING)
    yield ledger  # type: ignore[misc]
    ledger.close()


def _state(ledger: Ledger) -> list[tuple[int, int, int, int]]:
    return [
        (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        for a in ledger.lookup_accounts([a.id for a in ACCOUNTS])
    ]


COVERED: set[CreateTransferResult] = {code for case in CASES for code in case.expected}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_transfer_result_codes(case: Case, books: Ledger, clock: LedgerClock) -> None:
    """The batch earns exactly these codes; refused events leave the books as they were."""
    if case.before:
        assert books.create_transfers(case.before) == [T.OK] * len(case.before)
    clock.now += case.advance_seconds * 10**9
    before = _state(books)
    results = books.create_transfers(case.batch)
    assert results == case.expected
    if all(r is not T.OK for r in results):
        assert _state(books) == before, "a refused batch changed balances"
        fresh = {t.id for t in case.batch} - {t.id for t in case.before} - {0}
        fresh = {i for i in fresh if 0 < i < ID_MAX}
        assert books.lookup_transfers(sorted(fresh)) == []


def test_every_transfer_code_has_a_case() -> None:
    """A new result code without a case here fails the suite."""
    assert set(CreateTransferResult) - COVERED == set()


def test_a_failed_chain_rolls_back_and_leaves_its_neighbours(books: Ledger) -> None:
    """Events outside a failed chain apply; the chain's own applied legs are undone."""
    before_fees = books.lookup_accounts([FEES])[0].credits_posted
    results = books.create_transfers(
        [
            gbp(1, cr=FEES, amount=1_00),
            gbp(2, amount=5_00, flags=LINKED),
            gbp(3, cr=FEES, amount=1_00, flags=LINKED),
            gbp(4, amount=10**9),
            gbp(5, cr=FEES, amount=2_00),
        ]
    )
    assert results == [T.OK, T.LINKED_EVENT_FAILED, T.LINKED_EVENT_FAILED, T.EXCEEDS_CREDITS, T.OK]
    assert books.lookup_accounts([FEES])[0].credits_posted == before_fees + 3_00
    assert [t.id for t in books.lookup_transfers([1, 2, 3, 4, 5])] == [1, 5]
    client = books.lookup_accounts([CLIENT])[0]
    assert client.debits_posted == 3_00


def test_partial_post_releases_the_rest(books: Ledger) -> None:
    """Posting GBP 20 of a GBP 30 hold releases GBP 10 back to the client."""
    assert books.create_transfers([hold(1)]) == [T.OK]
    client = books.lookup_accounts([CLIENT])[0]
    assert (client.debits_pending, client.debits_posted) == (30_00, 0)
    assert books.create_transfers([settle(2, 1, POST, amount=20_00)]) == [T.OK]
    client, bank = books.lookup_accounts([CLIENT, BANK])
    assert (client.debits_pending, client.debits_posted) == (0, 20_00)
    assert (bank.credits_pending, bank.credits_posted) == (0, 20_00 + 50_00)
    posted = books.lookup_transfers([2])[0]
    assert (posted.amount, posted.debit_account_id, posted.credit_account_id) == (
        20_00,
        CLIENT,
        BANK,
    )


def test_hold_created_and_settled_in_one_batch(books: Ledger) -> None:
    """A hold may be posted in the same batch that opened it."""
    assert books.create_transfers([hold(1), settle(2, 1, POST)]) == [T.OK, T.OK]
    assert books.create_transfers([settle(3, 1, VOID)]) == [T.PENDING_TRANSFER_ALREADY_POSTED]
    client = books.lookup_accounts([CLIENT])[0]
    assert (client.debits_pending, client.debits_posted) == (0, 30_00)


def test_sweep_expires_lapsed_holds(books: Ledger, clock: LedgerClock) -> None:
    """The sweep releases holds past their timeout, and only those."""
    assert books.create_transfers([hold(1, timeout=60), hold(2, amount=10_00, timeout=3600)]) == [
        T.OK,
        T.OK,
    ]
    clock.now += 61 * 10**9
    assert books.expire_pending_transfers() == 1
    assert books.expire_pending_transfers() == 0
    client = books.lookup_accounts([CLIENT])[0]
    assert client.debits_pending == 10_00
    assert books.create_transfers([settle(3, 1, POST)]) == [T.PENDING_TRANSFER_EXPIRED]
    assert books.create_transfers([settle(4, 2, POST)]) == [T.OK]


def test_batches_larger_than_the_maximum_are_refused_whole(books: Ledger) -> None:
    """BATCH_MAX + 1 events raise and change nothing; an empty batch is a no-op."""
    before = _state(books)
    with pytest.raises(BatchTooLargeError, match="at most 8189"):
        books.create_transfers([gbp(i) for i in range(1, BATCH_MAX + 2)])
    assert _state(books) == before
    assert books.lookup_transfers([1]) == []
    assert books.create_transfers([]) == []


ACCOUNT_CASES = [
    ("ok", [Account(10, "CNY", 1)], [A.OK]),
    (
        "linked_event_failed",
        [Account(10, "CNY", 1, flags=AF.LINKED), Account(11, "CNY", 0)],
        [A.LINKED_EVENT_FAILED, A.CODE_MUST_NOT_BE_ZERO],
    ),
    (
        "linked_event_chain_open",
        [Account(10, "CNY", 1, flags=AF.LINKED)],
        [A.LINKED_EVENT_CHAIN_OPEN],
    ),
    ("id_must_not_be_zero", [Account(0, "CNY", 1)], [A.ID_MUST_NOT_BE_ZERO]),
    ("id_must_not_be_int_max", [Account(ID_MAX, "CNY", 1)], [A.ID_MUST_NOT_BE_INT_MAX]),
    ("id_out_of_range", [Account(ID_MAX + 1, "CNY", 1)], [A.ID_OUT_OF_RANGE]),
    ("timestamp_must_be_zero", [Account(10, "CNY", 1, timestamp=5)], [A.TIMESTAMP_MUST_BE_ZERO]),
    ("balances_must_be_zero", [Account(10, "CNY", 1, credits_posted=5)], [A.BALANCES_MUST_BE_ZERO]),
    (
        "flags_are_mutually_exclusive",
        [
            Account(
                10,
                "CNY",
                1,
                flags=AF.DEBITS_MUST_NOT_EXCEED_CREDITS | AF.CREDITS_MUST_NOT_EXCEED_DEBITS,
            )
        ],
        [A.FLAGS_ARE_MUTUALLY_EXCLUSIVE],
    ),
    ("reserved_flag", [Account(10, "CNY", 1, flags=AF(0) | 128)], [A.RESERVED_FLAG]),
    ("ledger_must_be_a_currency", [Account(10, "RMB", 1)], [A.LEDGER_MUST_BE_A_CURRENCY]),
    ("code_must_not_be_zero", [Account(10, "CNY", 0)], [A.CODE_MUST_NOT_BE_ZERO]),
    ("code_out_of_range", [Account(10, "CNY", 65_536)], [A.CODE_OUT_OF_RANGE]),
    (
        "user_data_out_of_range",
        [Account(10, "CNY", 1, user_data_128=2**128)],
        [A.USER_DATA_OUT_OF_RANGE],
    ),
    (
        "exists_with_different_fields",
        [Account(CLIENT, "GBP", 201)],
        [A.EXISTS_WITH_DIFFERENT_FIELDS],
    ),
    ("exists", [replace(ACCOUNTS[0])], [A.EXISTS]),
]


@pytest.mark.parametrize(
    ("name", "batch", "expected"), ACCOUNT_CASES, ids=[c[0] for c in ACCOUNT_CASES]
)
def test_account_result_codes(
    name: str, batch: list[Account], expected: list[CreateAccountResult], books: Ledger
) -> None:
    """Each account code, and a refused account is not created."""
    assert books.create_accounts(batch) == expected
    if all(r not in (A.OK, A.EXISTS, A.EXISTS_WITH_DIFFERENT_FIELDS) for r in expected):
        ids = [a.id for a in batch if 0 < a.id < ID_MAX]
        assert books.lookup_accounts(ids) == []


def test_every_account_code_has_a_case() -> None:
    """A new account result code without a case here fails the suite."""
    covered = {code for _, _, codes in ACCOUNT_CASES for code in codes}
    assert set(CreateAccountResult) - covered == set()


def test_account_transfers_page_newest_first(books: Ledger) -> None:
    """An account's transfers, both sides, newest first, in pages that join up."""
    assert books.create_transfers([gbp(i, amount=1_00) for i in range(1, 8)]) == [T.OK] * 7
    assert books.create_transfers([gbp(20, dr=BANK, cr=CLIENT, amount=5)]) == [T.OK]
    first = books.get_account_transfers(CLIENT, limit=3)
    assert [t.id for t in first.transfers] == [20, 7, 6]
    second = books.get_account_transfers(CLIENT, limit=3, before=first.next_before)
    assert [t.id for t in second.transfers] == [5, 4, 3]
    rest = books.get_account_transfers(CLIENT, limit=10, before=second.next_before)
    assert [t.id for t in rest.transfers] == [2, 1, 1000]
    assert rest.next_before is None
    since = books.get_account_transfers(CLIENT, since=books.lookup_transfers([5])[0].timestamp)
    assert [t.id for t in since.transfers] == [20, 7, 6]
    assert books.get_account_transfers(777).transfers == []


def test_balance_as_of_a_past_moment(engine: object, clock: LedgerClock) -> None:
    """A history account answers what it held after each transfer; others answer None."""
    ledger = Ledger(engine, clock=clock)  # type: ignore[arg-type]
    ledger.create_accounts([Account(1, "HKD", 1, flags=AF.HISTORY), Account(2, "HKD", 1)])
    ledger.create_transfers([Transfer(10, 2, 1, 500, "HKD", 1)])
    ledger.create_transfers([Transfer(11, 2, 1, 700, "HKD", 1)])
    ledger.create_transfers([Transfer(12, 1, 2, 100, "HKD", 1, flags=TF.PENDING)])
    t10, t11, t12 = (t.timestamp for t in ledger.lookup_transfers([10, 11, 12]))
    created = ledger.lookup_accounts([1])[0].timestamp
    assert ledger.get_account_balance(1, created).credits_posted == 0  # type: ignore[union-attr]
    assert ledger.get_account_balance(1, t10).credits_posted == 500  # type: ignore[union-attr]
    assert ledger.get_account_balance(1, t11 - 1).credits_posted == 500  # type: ignore[union-attr]
    at_t12 = ledger.get_account_balance(1, t12)
    assert at_t12 is not None
    assert (at_t12.credits_posted, at_t12.debits_pending) == (1200, 100)
    assert ledger.get_account_balance(1, created - 1) is None
    assert ledger.get_account_balance(2, t12) is None
    ledger.close()
