"""Kill a writer with SIGKILL at random moments: the books stay consistent, batches whole.

A child process applies a fixed plan of batches; the test kills it several times at
random points, restarting it in between. Afterwards `corridor check` passes, every batch
is stored wholly or not at all, and replaying the plan applies what was missing exactly
once, ending with the balances of a run that was never interrupted.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from corridor.ledger import CreateTransferResult, Ledger
from corridor.ledger.invariants import check_ledger
from corridor.store import make_engine, upgrade

sys.path.insert(0, str(Path(__file__).parent))
import kill_plan

WORKER = Path(__file__).with_name("kill_plan.py")
KILLS = 5


def _balances(ledger: Ledger) -> list[tuple[int, int, int, int]]:
    ids = [a.id for a in kill_plan.accounts()]
    return [
        (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        for a in ledger.lookup_accounts(ids)
    ]


def _uninterrupted(tmp_path: Path) -> list[tuple[int, int, int, int]]:
    engine = make_engine(f"sqlite:///{tmp_path}/reference.db")
    upgrade(engine)
    with Ledger(engine) as ledger:
        ledger.create_accounts(kill_plan.accounts())
        ledger.create_transfers(kill_plan.funding())
        for batch in kill_plan.plan():
            results = ledger.create_transfers(batch)
            assert set(results) == {CreateTransferResult.OK}, "the plan must run clean"
        balances = _balances(ledger)
    engine.dispose()
    return balances


def _kill_at_random(url: str, rng: random.Random) -> int:
    """Start the worker, let it commit a few batches, SIGKILL it; returns lines seen."""
    worker = subprocess.Popen(
        [sys.executable, str(WORKER), url],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert worker.stdout is not None
    seen = 0
    for _ in range(rng.randrange(1, 6)):
        if not worker.stdout.readline():
            break
        seen += 1
    time.sleep(rng.uniform(0, 0.03))  # land somewhere inside the next batch
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    worker.stdout.close()
    return seen


@pytest.mark.slow
def test_sigkill_leaves_whole_batches_and_consistent_books(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    """Killed five times mid-plan: check passes, no half batch, the replay completes it."""
    with Ledger(engine) as ledger:
        ledger.create_accounts(kill_plan.accounts())
        ledger.create_transfers(kill_plan.funding())
    rng = random.Random(database_url)
    lines = [_kill_at_random(database_url, rng) for _ in range(KILLS)]
    assert sum(lines) > 0, "the worker never got going"

    corridor = shutil.which("corridor")
    assert corridor
    check = subprocess.run(
        [corridor, "check"],
        env={**os.environ, "CORRIDOR_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert all(result.holds for result in check_ledger(engine))

    plan = kill_plan.plan()
    with Ledger(engine) as ledger:
        stored = []
        for batch in plan:
            found = len(ledger.lookup_transfers([t.id for t in batch]))
            assert found in (0, len(batch)), f"a batch is half applied: {found}/{len(batch)}"
            stored.append(found == len(batch))
        assert any(stored), "no batch committed before the kills"
        assert not all(stored), "every batch committed: the kills proved nothing"
        for batch, was_stored in zip(plan, stored, strict=True):
            expected = CreateTransferResult.EXISTS if was_stored else CreateTransferResult.OK
            assert set(ledger.create_transfers(batch)) == {expected}
        assert _balances(ledger) == _uninterrupted(tmp_path)
    assert all(result.holds for result in check_ledger(engine))
