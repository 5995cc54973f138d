"""Two engines at once spend one client's FX quota: together they never pass it.

Each of two processes submits four purchases of CNY 60,000 (about USD 8,400 each) for
the same mainland individual, all at the same moment: eight would be about USD 67,000,
over the USD 50,000 quota. The limit is taken by a guarded UPDATE in the transaction
that records each payment, so however the two interleave, no more than five purchases
are accepted, the usage recorded is exactly what the accepted ones took, and the books
balance.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy.engine import Engine

from corridor.demo import network
from corridor.ledger import Ledger
from corridor.ledger.invariants import check_ledger
from corridor.payments.invariants import check_payments
from corridor.payments.usage import limit_usage

WORKER = Path(__file__).with_name("quota_worker.py")


def test_two_engines_never_spend_more_than_the_quota(database_url: str, engine: Engine) -> None:
    """Eight purchases race for a quota that holds about five and a half of them."""
    with Ledger(engine) as ledger:
        ledger.create_accounts(network.ledger_accounts())
        ledger.create_transfers(network.opening_balances())
    start_at = time.time() + 3
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), database_url, str(n), str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(2)
    ]
    outcomes = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        outcomes += json.loads(out)
    accepted = [uetr for uetr, status in outcomes if status in ("settled", "reserved")]
    refused = [uetr for uetr, status in outcomes if status == "rejected"]
    assert len(accepted) + len(refused) == 8
    assert len(accepted) == 5  # 5 × ~8,400 fits in 50,000; a sixth would not
    with engine.connect() as connection:
        (usage,) = limit_usage(connection)
    assert usage.used_minor <= 5_000_000  # USD 50,000.00
    assert all(r.holds for r in check_payments(engine))
    assert all(r.holds for r in check_ledger(engine))
