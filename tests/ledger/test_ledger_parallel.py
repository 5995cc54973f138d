"""Several processes transfer between the same accounts at once: nothing is lost.

Each worker reports what it sent and what each transfer got. Afterwards money is
conserved, no guarded account is overdrawn, every accepted transfer is stored once and
no refused one at all, and each account's balance is exactly the sum of the accepted
transfers that touched it (no lost update).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from corridor.ledger import Account, AccountFlags, Ledger, Transfer
from corridor.ledger.invariants import check_ledger

WORKER = Path(__file__).with_name("parallel_worker.py")
ACCOUNTS = range(1, 13)
FUNDING = 20_000


def _race(engine: Engine, url: str, workers: int, operations: int) -> None:
    guarded = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    with Ledger(engine) as ledger:
        ledger.create_accounts(
            [Account(99, "GBP", 9)]
            + [
                Account(i, "GBP", 1, flags=guarded if i % 2 else AccountFlags.NONE)
                for i in ACCOUNTS
            ]
        )
        ledger.create_transfers([Transfer(10 + i, 99, i, FUNDING, "GBP", 1) for i in ACCOUNTS])
    start_at = time.time() + 3  # every worker imported and connected by then
    processes = [
        subprocess.Popen(
            [sys.executable, str(WORKER), url, str(n), str(operations), str(start_at)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    sent = []
    for process in processes:
        out, _ = process.communicate(timeout=600)
        assert process.returncode == 0
        sent += json.loads(out)

    accepted = [s for s in sent if s[4] == "ok"]
    refused = [s for s in sent if s[4] != "ok"]
    assert accepted, "nothing was accepted"
    assert any(s[4] == "exceeds_credits" for s in refused), "the guards were never tested"
    net: dict[int, int] = defaultdict(int)
    for _, dr, cr, amount, _ in accepted:
        net[dr] -= amount
        net[cr] += amount
    with Ledger(engine) as ledger:
        accounts = ledger.lookup_accounts([*ACCOUNTS, 99])
        assert sum(a.debits_posted for a in accounts) == sum(a.credits_posted for a in accounts)
        for a in accounts:
            if a.flags & AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS:
                assert a.debits_posted <= a.credits_posted, f"account {a.id} overdrawn"
            if a.id != 99:
                assert a.credits_posted - a.debits_posted == FUNDING + net[a.id], (
                    f"account {a.id}: a lost or doubled update"
                )
        stored = ledger.lookup_transfers([s[0] for s in accepted])
        assert len(stored) == len(accepted)
        assert ledger.lookup_transfers([s[0] for s in refused]) == []
    assert all(result.holds for result in check_ledger(engine))


@pytest.mark.slow
def test_writers_race_on_shared_accounts(backend: str, database_url: str, engine: Engine) -> None:
    """Four processes on PostgreSQL (three on SQLite, which serialises its writers)."""
    if backend == "postgres":
        _race(engine, database_url, workers=4, operations=250)
    else:
        _race(engine, database_url, workers=3, operations=150)
