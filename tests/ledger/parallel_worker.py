"""One of several writers racing on the same accounts (run by the concurrency test).

`python parallel_worker.py DATABASE_URL WORKER_NUMBER OPERATIONS START_AT` waits until the
wall-clock time START_AT (so that all writers really overlap), then submits a seeded mix
of single transfers, batches and linked chains, and prints one JSON list of
[id, debit, credit, amount, result] for every transfer it sent.
"""

from __future__ import annotations

import json
import random
import sys
import time

from corridor.ledger import Ledger, Transfer, TransferFlags
from corridor.store import make_engine

ACCOUNTS = list(range(1, 13))  # 1..12; odd ones are guarded


def main(url: str, worker: int, operations: int, start_at: float) -> None:
    """Race the other workers; report what was sent and what each transfer got."""
    rng = random.Random(worker)
    sent: list[list[object]] = []
    next_id = (worker + 1) * 10**9
    with Ledger(make_engine(url)) as ledger:
        ledger.lookup_accounts(ACCOUNTS)  # connect before the start
        time.sleep(max(0.0, start_at - time.time()))
        for _ in range(operations):
            batch: list[Transfer] = []
            # Single transfers, small batches and batches past the small-batch path.
            size = rng.choice([1, 1, 1, rng.randrange(2, 50), rng.randrange(65, 120)])
            while len(batch) < size:
                next_id += 1
                dr, cr = rng.sample(ACCOUNTS, 2)
                linked = rng.random() < 0.2 and len(batch) < size - 1
                batch.append(
                    Transfer(
                        next_id,
                        dr,
                        cr,
                        rng.randrange(1, 4000),
                        "GBP",
                        1,
                        flags=TransferFlags.LINKED if linked else TransferFlags.NONE,
                    )
                )
            for t, result in zip(batch, ledger.create_transfers(batch), strict=True):
                sent.append([t.id, t.debit_account_id, t.credit_account_id, t.amount, result.value])
    print(json.dumps(sent))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
