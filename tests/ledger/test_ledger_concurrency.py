"""Several processes write to the same accounts at once: nothing is lost, doubled or overdrawn.

Each worker process (multiprocessing, "spawn") opens its own `Ledger(make_engine(url))`,
waits at a barrier for the others, then submits a seeded mix of single transfers,
batches of 50 and 100, linked chains, holds and their settlements between a dozen accounts on
two currencies, half of them guarded, with amounts large enough for the guards to bite.
Every worker also submits the same "contested" transfers (same ids, same fields) and
tries to settle the same holds, each in its own order, so that they really race for them.

Each worker reports every transfer it sent with the answer it got. Afterwards:

* per currency, debits equal credits (posted and pending), and no guarded account has
  more debits than credits;
* every transfer reported `ok` is stored, exactly once, as sent; none that no worker got
  `ok` for is stored; a contested transfer is `ok` for one worker and `exists` for the
  rest, a contested hold is settled by exactly one worker; linked chains are all or none;
* each account's four balances moved by exactly what its accepted transfers add up to
  (no lost update), and `check_ledger` holds.
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from corridor.ledger import (
    Account,
    AccountFlags,
    CreateTransferResult,
    Ledger,
    Transfer,
    TransferFlags,
)
from corridor.ledger.invariants import check_ledger
from corridor.store import make_engine, upgrade

OK = CreateTransferResult.OK.value
EXISTS = CreateTransferResult.EXISTS.value
GUARD = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
SOURCES = {"GBP": 90, "HKD": 91}  # unguarded; they fund the clients and open the contested holds
CLIENTS = {i: "GBP" if i <= 8 else "HKD" for i in range(1, 13)}  # odd ones guarded
FUNDING = 20_000
CONTESTED = [Transfer(700_000 + k, SOURCES["GBP"], 1 + k % 8, 100 + k, "GBP", 7) for k in range(40)]
HOLDS = [
    Transfer(800_000 + k, SOURCES["HKD"], 9 + k % 4, 1_000, "HKD", 8, flags=TransferFlags.PENDING)
    for k in range(24)
]
SETTLE = TransferFlags.POST_PENDING_TRANSFER | TransferFlags.VOID_PENDING_TRANSFER


@dataclass(frozen=True)
class Sent:
    """One transfer a worker sent, and the answer it got."""

    transfer: Transfer
    result: str
    chain: int  # the linked chain it belonged to (0: none)


@dataclass(frozen=True)
class Report:
    """What a worker did, and when it was writing."""

    sent: list[Sent]
    started: float
    finished: float


def _pair(rng: random.Random) -> tuple[int, int, str]:
    """Two different clients, usually of one currency; sometimes not (always refused)."""
    if rng.random() < 0.05:
        return rng.choice(range(1, 9)), rng.choice(range(9, 13)), "GBP"
    ledger = "GBP" if rng.random() < 0.6 else "HKD"
    dr, cr = rng.sample([i for i, cur in CLIENTS.items() if cur == ledger], 2)
    return dr, cr, ledger


def race_worker(url: str, number: int, operations: int, barrier: Any) -> Report:
    """One writer: its own connection, a seeded mix of work, every answer reported."""
    rng = random.Random(number)
    next_id = (number + 1) * 10**8
    chain_number = 0
    own_holds: list[Transfer] = []

    def new_id() -> int:
        nonlocal next_id
        next_id += 1
        return next_id

    def plain(flags: TransferFlags = TransferFlags.NONE) -> Transfer:
        dr, cr, ledger = _pair(rng)
        return Transfer(new_id(), dr, cr, rng.randrange(1, 6_000), ledger, 1, flags=flags)

    def chain(length: int) -> list[tuple[Transfer, int]]:
        nonlocal chain_number
        chain_number += 1
        links = [plain(TransferFlags.LINKED) for _ in range(length - 1)] + [plain()]
        return [(t, chain_number) for t in links]

    def settle(hold: Transfer) -> Transfer:
        way = rng.random()
        if way < 0.4:
            return Transfer(new_id(), pending_id=hold.id, flags=TransferFlags.POST_PENDING_TRANSFER)
        if way < 0.7:
            return Transfer(
                new_id(),
                pending_id=hold.id,
                amount=rng.randrange(1, hold.amount + 1),
                flags=TransferFlags.POST_PENDING_TRANSFER,
            )
        return Transfer(new_id(), pending_id=hold.id, flags=TransferFlags.VOID_PENDING_TRANSFER)

    def batch_of(kind: object) -> list[tuple[Transfer, int]]:
        if isinstance(kind, Transfer):
            if kind.flags & TransferFlags.PENDING:  # a contested hold: try to settle it
                return [(settle(kind), 0)]
            return [(kind, 0)]  # a contested transfer
        draw = rng.random()
        if draw < 0.45:
            return [(plain(), 0)]
        if draw < 0.62:  # a batch of 50 or 100, with a few linked chains in it
            size = rng.choice([50, 100])  # below and above the ledger's small-batch path
            batch: list[tuple[Transfer, int]] = []
            while len(batch) < size:
                if rng.random() < 0.1 and len(batch) < size - 3:
                    batch += chain(rng.randrange(2, 4))
                else:
                    batch.append((plain(), 0))
            return batch
        if draw < 0.72:
            return chain(rng.randrange(2, 5))
        if draw < 0.85:
            hold = plain(TransferFlags.PENDING)
            own_holds.append(hold)
            return [(hold, 0)]
        if own_holds:
            return [(settle(own_holds.pop(rng.randrange(len(own_holds)))), 0)]
        return [(plain(), 0)]

    # Every worker races for every contested transfer and hold, at its own moments.
    work: list[object] = [None] * operations + CONTESTED + HOLDS
    rng.shuffle(work)
    sent: list[Sent] = []
    engine = make_engine(url)
    with Ledger(engine) as ledger:
        ledger.lookup_accounts(list(CLIENTS))  # connected before the start
        barrier.wait(timeout=120)
        started = time.time()
        for kind in work:
            batch = batch_of(kind)
            results = ledger.create_transfers([t for t, _ in batch])
            sent += [Sent(t, r.value, c) for (t, c), r in zip(batch, results, strict=True)]
        finished = time.time()
    engine.dispose()
    return Report(sent, started, finished)


Balances = dict[int, list[int]]  # account id -> [dp, dpo, cp, cpo]


def _balances(ledger: Ledger) -> Balances:
    return {
        a.id: [a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted]
        for a in ledger.lookup_accounts([*CLIENTS, *SOURCES.values()])
    }


def _setup(engine: Engine) -> Balances:
    with Ledger(engine) as ledger:
        accounts = [Account(i, ledger_, 9) for ledger_, i in SOURCES.items()] + [
            Account(i, cur, 1, flags=GUARD if i % 2 else AccountFlags.NONE)
            for i, cur in CLIENTS.items()
        ]
        assert set(ledger.create_accounts(accounts)) == {"ok"}
        funding = [
            Transfer(600_000 + i, SOURCES[cur], i, FUNDING, cur, 1) for i, cur in CLIENTS.items()
        ]
        assert set(ledger.create_transfers(funding + HOLDS)) == {CreateTransferResult.OK}
        return _balances(ledger)


def _race(url: str, engine: Engine, workers: int, operations: int) -> None:
    before = _setup(engine)
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(workers)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(race_worker, url, n, operations, barrier) for n in range(workers)
            ]
            reports = [f.result(timeout=600) for f in futures]
    assert max(r.started for r in reports) < min(r.finished for r in reports), (
        "the workers did not overlap"
    )
    sent = [s for r in reports for s in r.sent]
    answers = Counter(s.result for s in sent)
    assert answers[OK] > 0.3 * len(sent), answers
    assert answers[CreateTransferResult.EXCEEDS_CREDITS.value] > 0, "the guards never bit"
    assert answers[CreateTransferResult.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER.value] > 0

    accepted = [s.transfer for s in sent if s.result == OK]
    accepted_ids = [t.id for t in accepted]
    assert len(accepted_ids) == len(set(accepted_ids)), "a transfer was accepted twice"

    # Contested transfers: one `ok`, and `exists` for every other worker.
    for t in CONTESTED:
        got = sorted(s.result for s in sent if s.transfer.id == t.id)
        assert got == [EXISTS] * (workers - 1) + [OK], f"contested transfer {t.id}: {got}"
    # Contested holds: exactly one worker settled each, the others were told it is done.
    settled_already = {
        CreateTransferResult.PENDING_TRANSFER_ALREADY_POSTED.value,
        CreateTransferResult.PENDING_TRANSFER_ALREADY_VOIDED.value,
    }
    for hold in HOLDS:
        got = [s.result for s in sent if s.transfer.pending_id == hold.id]
        assert len(got) == workers
        assert got.count(OK) == 1, f"hold {hold.id} settled {got.count(OK)} times: {got}"
        assert set(got) - {OK} <= settled_already, got
    # Linked chains: all or none.
    chains: dict[tuple[int, int], set[bool]] = defaultdict(set)
    for n, report in enumerate(reports):
        for s in report.sent:
            if s.chain:
                chains[n, s.chain].add(s.result == OK)
    assert all(len(outcomes) == 1 for outcomes in chains.values()), "a chain was split"
    assert any(outcomes == {False} for outcomes in chains.values()), "no chain ever failed"
    assert any(outcomes == {True} for outcomes in chains.values()), "no chain ever succeeded"

    # The balances moved by exactly what was accepted.
    holds = {t.id: t for t in HOLDS} | {
        t.id: t for t in accepted if t.flags & TransferFlags.PENDING
    }
    expected = {i: list(b) for i, b in before.items()}
    for t in accepted:
        if t.flags & SETTLE:
            hold = holds[t.pending_id]
            dr, cr = hold.debit_account_id, hold.credit_account_id
            expected[dr][0] -= hold.amount
            expected[cr][2] -= hold.amount
            if t.flags & TransferFlags.POST_PENDING_TRANSFER:
                expected[dr][1] += t.amount or hold.amount
                expected[cr][3] += t.amount or hold.amount
        else:
            posted = 0 if t.flags & TransferFlags.PENDING else 1
            expected[t.debit_account_id][posted] += t.amount
            expected[t.credit_account_id][2 + posted] += t.amount

    with Ledger(engine) as ledger:
        after = _balances(ledger)
        currency_of = CLIENTS | {i: cur for cur, i in SOURCES.items()}
        for currency in SOURCES:
            on_it = [b for i, b in after.items() if currency_of[i] == currency]
            assert sum(b[1] for b in on_it) == sum(b[3] for b in on_it), f"{currency}: posted"
            assert sum(b[0] for b in on_it) == sum(b[2] for b in on_it), f"{currency}: pending"
        for account in ledger.lookup_accounts(list(CLIENTS)):
            if account.flags & GUARD:
                assert account.debits_pending + account.debits_posted <= account.credits_posted, (
                    f"guarded account {account.id} overdrawn"
                )
        assert after == expected, "a lost or doubled update"

        stored = {t.id: t for t in ledger.lookup_transfers(accepted_ids)}
        assert stored.keys() == set(accepted_ids), "an accepted transfer is missing"
        for t in accepted:
            if not t.flags & SETTLE:
                assert (
                    stored[t.id].debit_account_id,
                    stored[t.id].credit_account_id,
                    stored[t.id].amount,
                ) == (t.debit_account_id, t.credit_account_id, t.amount)
        never_accepted = {s.transfer.id for s in sent} - set(accepted_ids)
        assert ledger.lookup_transfers(sorted(never_accepted)) == [], "a refused transfer stored"
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT COUNT(*) FROM transfers")).scalar_one()
    assert rows == len(CLIENTS) + len(HOLDS) + len(accepted), "a transfer stored twice or lost"
    broken = [r for r in check_ledger(engine) if not r.holds]
    assert not broken, broken


@pytest.mark.postgres
@pytest.mark.slow
def test_five_writers_race_on_postgres(postgres_url: str, reset: Callable[[Engine], None]) -> None:
    """Five processes on PostgreSQL, 300 operations each (plus the contested ones)."""
    engine = make_engine(postgres_url)
    try:
        reset(engine)
        _race(postgres_url, engine, workers=5, operations=300)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_writers_race_on_sqlite(tmp_path: Path) -> None:
    """Three processes on SQLite (BEGIN IMMEDIATE and a busy timeout serialise them)."""
    url = f"sqlite:///{tmp_path}/race.db"
    engine = make_engine(url)
    try:
        upgrade(engine)
        _race(url, engine, workers=3, operations=200)
    finally:
        engine.dispose()
