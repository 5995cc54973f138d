"""SIGKILL a writer mid-plan, again and again: every batch is whole, durable and applied once.

`crash_worker.py` applies a seeded plan of 40 batches (plain payments, holds and their
settlements, linked chains, guarded accounts that run dry, events refused whatever the
balances) and prints each batch's index once it committed. The test kills it with
SIGKILL at seeded random moments, sixteen times, restarting it from the first batch each
time. The plan is also run once, uninterrupted, on a fresh SQLite file: that reference
says what every event answers.

* After every kill (a restart would complete a half-applied batch and hide it): every
  invariant of `check_ledger` holds; every batch is stored wholly or not at all (its
  accepted events all, its refused none); the stored batches are a prefix of the plan
  that never shrinks; and every batch the worker reported committed is among them.
* After the last kill, `corridor check` (the real command, in its own process) exits 0.
* Replaying the whole plan then answers `exists` for what was stored and what the
  reference answered for the rest, and ends with the reference's transfers and balances.
"""

from __future__ import annotations

import dataclasses
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from corridor.ledger import CreateTransferResult, Ledger, Transfer
from corridor.ledger.invariants import check_ledger
from corridor.store import make_engine, upgrade

sys.path.insert(0, str(Path(__file__).parent))
import crash_worker

WORKER = Path(__file__).with_name("crash_worker.py")
SEED = 20240917
KILLS = 16
LAST_TARGET = 28  # the last kill comes before this batch index, so some batches never commit
OK = CreateTransferResult.OK
EXISTS = CreateTransferResult.EXISTS

Balances = dict[int, tuple[int, int, int, int]]


@dataclass(frozen=True)
class Reference:
    """What the plan does when nothing interrupts it."""

    plan: list[list[Transfer]]
    results: list[list[CreateTransferResult]]
    transfers: dict[int, Transfer]  # every accepted transfer as stored, timestamp zeroed
    balances: Balances


def _setup(ledger: Ledger) -> None:
    assert set(ledger.create_accounts(crash_worker.accounts())) == {"ok"}
    assert set(ledger.create_transfers(crash_worker.funding())) == {OK}


def _balances(ledger: Ledger) -> Balances:
    ids = [a.id for a in crash_worker.accounts()]
    return {
        a.id: (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        for a in ledger.lookup_accounts(ids)
    }


def _stored(ledger: Ledger, ids: list[int]) -> dict[int, Transfer]:
    return {t.id: dataclasses.replace(t, timestamp=0) for t in ledger.lookup_transfers(ids)}


def _accepted(batch: list[Transfer], results: list[CreateTransferResult]) -> list[int]:
    return [t.id for t, r in zip(batch, results, strict=True) if r is OK]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The plan run once, start to end, on a fresh SQLite file."""
    plan = crash_worker.plan(SEED)
    assert len(plan) == 40
    assert all(50 <= len(batch) <= 500 for batch in plan)
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('reference')}/reference.db")
    upgrade(engine)
    with Ledger(engine) as ledger:
        _setup(ledger)
        results = [ledger.create_transfers(batch) for batch in plan]
        transfers: dict[int, Transfer] = {}
        for batch, answers in zip(plan, results, strict=True):
            transfers.update(_stored(ledger, _accepted(batch, answers)))
        balances = _balances(ledger)
    assert all(result.holds for result in check_ledger(engine))
    engine.dispose()
    # The plan must be worth crashing: most events succeed, every kind of refusal occurs,
    # and the guarded drains run dry part-way through.
    answers = [r for batch in results for r in batch]
    assert answers.count(OK) > 0.8 * len(answers)
    for refusal in (
        CreateTransferResult.EXCEEDS_CREDITS,
        CreateTransferResult.LINKED_EVENT_FAILED,
        CreateTransferResult.ACCOUNTS_MUST_HAVE_THE_SAME_LEDGER,
        CreateTransferResult.PENDING_TRANSFER_ALREADY_POSTED,
        CreateTransferResult.PENDING_TRANSFER_ALREADY_VOIDED,
        CreateTransferResult.PENDING_TRANSFER_NOT_FOUND,
    ):
        assert refusal in answers, f"the plan never provokes {refusal}"
    assert CreateTransferResult.EXCEEDS_CREDITS not in results[0]
    return Reference(plan, results, transfers, balances)


@dataclass
class Run:
    """One run of the worker, killed or not."""

    acknowledged: list[int]  # batch indexes the worker printed, i.e. that had committed
    killed: bool  # whether SIGKILL found it still running


def _run_and_kill(url: str, target: int, delay: float) -> Run:
    """Start the worker; once it reports batch `target` committed (or at once, for -1),
    wait `delay` seconds, then SIGKILL it."""
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), url, str(SEED)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    assert worker.stderr is not None
    acknowledged: list[int] = []
    while target >= 0 and (not acknowledged or acknowledged[-1] < target):
        line = worker.stdout.readline()
        if not line:
            break
        acknowledged.append(int(line))
    time.sleep(delay)
    worker.kill()  # SIGKILL
    returncode = worker.wait(timeout=60)
    acknowledged += [int(line) for line in worker.stdout.read().split()]
    errors = worker.stderr.read()
    worker.stdout.close()
    worker.stderr.close()
    assert returncode in (0, -9), f"the worker failed on its own (exit {returncode}):\n{errors}"
    return Run(acknowledged, killed=returncode == -9)


def _corridor_check(url: str) -> subprocess.CompletedProcess[str]:
    corridor = shutil.which("corridor")
    assert corridor, "the `corridor` console script is not installed"
    return subprocess.run(
        [corridor, "check"],
        env={**os.environ, "CORRIDOR_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _stored_batches(engine: Engine, reference: Reference, acknowledged: set[int]) -> int:
    """How many batches are stored, after checking that each is whole, that they are a
    prefix of the plan, that every acknowledged one is among them and that the books hold."""
    broken = [r for r in check_ledger(engine) if not r.holds]
    assert not broken, broken
    with Ledger(engine) as ledger:
        assert len(ledger.lookup_accounts([a.id for a in crash_worker.accounts()])) == 30, (
            "the accounts are gone: was the database reset under the test?"
        )
        committed = []
        for index, (batch, answers) in enumerate(
            zip(reference.plan, reference.results, strict=True)
        ):
            accepted = _accepted(batch, answers)
            refused = [t.id for t, r in zip(batch, answers, strict=True) if r is not OK]
            found = len(ledger.lookup_transfers(accepted))
            assert found in (0, len(accepted)), (
                f"batch {index} is half applied: {found} of its {len(accepted)} transfers stored"
            )
            assert ledger.lookup_transfers(refused) == [], f"batch {index}: a refused event stored"
            committed.append(found == len(accepted))
    stored = committed.count(True)
    assert committed == [True] * stored + [False] * (len(committed) - stored), (
        f"the stored batches are not a prefix of the plan: {committed}"
    )
    if acknowledged:
        assert max(acknowledged) < stored, (
            f"batch {max(acknowledged)} was reported committed but only {stored} are stored"
        )
    return stored


@pytest.mark.slow
def test_sigkill_mid_plan_leaves_whole_durable_batches(
    database_url: str, engine: Engine, reference: Reference
) -> None:
    """SIGKILLed again and again: no half batch, nothing acknowledged lost, check passes,
    and a replay of the plan completes it as if nothing had happened."""
    plan = reference.plan
    with Ledger(engine) as ledger:
        _setup(ledger)

    rng = random.Random(f"{SEED}-{engine.dialect.name}")
    # The first kill lands at a random moment after the start (often before or during the
    # first batches); the others a few milliseconds after a given batch committed, so most
    # land inside the next batch. Each restart applies the plan from its first batch.
    targets = sorted(rng.sample(range(LAST_TARGET), KILLS - 1))
    moments = [(-1, rng.uniform(0.02, 0.25))] + [(t, rng.uniform(0, 0.006)) for t in targets]
    acknowledged: set[int] = set()
    stored = 0
    for target, delay in moments:
        run = _run_and_kill(database_url, target, delay)
        assert run.killed, "the worker finished before it could be killed"
        acknowledged.update(run.acknowledged)
        # (b) after every kill, since the next run would complete a half-applied batch.
        now_stored = _stored_batches(engine, reference, acknowledged)
        assert now_stored >= stored, f"{stored} batches were stored, now only {now_stored}"
        stored = now_stored
    assert acknowledged, "the worker never committed a batch"
    assert stored < len(plan), "every batch committed: the kills interrupted nothing"
    committed = [index < stored for index in range(len(plan))]

    # (a) The books are consistent, by the command line too.
    check = _corridor_check(database_url)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "invariants hold" in check.stdout

    # (c) Replaying the plan applies exactly what was missing, as the reference did.
    with Ledger(engine) as ledger:
        for index, (batch, answers) in enumerate(zip(plan, reference.results, strict=True)):
            expected = [EXISTS if r is OK and committed[index] else r for r in answers]
            assert ledger.create_transfers(batch) == expected, f"replay of batch {index}"
        assert _balances(ledger) == reference.balances
        for batch, answers in zip(plan, reference.results, strict=True):
            accepted = _accepted(batch, answers)
            assert _stored(ledger, accepted) == {i: reference.transfers[i] for i in accepted}
    broken = [r for r in check_ledger(engine) if not r.holds]
    assert not broken, broken
