"""A deterministic plan of batches, and a worker that applies it (killed by the crash test).

Run as `python kill_plan.py DATABASE_URL`: applies every batch in order and prints
`committed N` after each batch returns, so the test knows how far it got.
"""

from __future__ import annotations

import random
import sys

from corridor.ledger import Account, AccountFlags, Ledger, Transfer, TransferFlags
from corridor.store import make_engine

ACCOUNTS = 30
BATCHES = 30
SOURCE = 1  # an unguarded account that funds the rest


def accounts() -> list[Account]:
    """A source, then clients; every third client guarded."""
    return [Account(SOURCE, "GBP", 1)] + [
        Account(
            i,
            "GBP",
            2,
            flags=AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS if i % 3 == 0 else AccountFlags.NONE,
        )
        for i in range(2, ACCOUNTS + 1)
    ]


def funding() -> list[Transfer]:
    """Enough for every guarded client never to run dry during the plan."""
    return [Transfer(10**6 + i, SOURCE, i, 10**12, "GBP", 1) for i in range(2, ACCOUNTS + 1)]


def plan() -> list[list[Transfer]]:
    """BATCHES batches of plain transfers, linked chains, holds and their posts or voids.

    Every event succeeds when the plan runs in order, so a batch is either wholly
    stored or not at all; a hold is settled two batches after it was opened.
    """
    rng = random.Random(20261125)
    batches: list[list[Transfer]] = []
    holds: list[list[int]] = []
    next_id = 10**9
    for b in range(BATCHES):
        batch: list[Transfer] = []
        opened: list[int] = []
        for _ in range(rng.randrange(300, 1500)):
            next_id += 1
            dr, cr = rng.sample(range(2, ACCOUNTS + 1), 2)
            kind = rng.random()
            amount = rng.randrange(1, 1000)
            if kind < 0.1:  # a hold, settled two batches later
                opened.append(next_id)
                batch.append(
                    Transfer(next_id, dr, cr, amount, "GBP", 3, flags=TransferFlags.PENDING)
                )
            elif kind < 0.25:  # a linked pair: a payment and its fee
                batch.append(
                    Transfer(next_id, dr, cr, amount, "GBP", 2, flags=TransferFlags.LINKED)
                )
                next_id += 1
                batch.append(Transfer(next_id, cr, SOURCE, rng.randrange(1, 50), "GBP", 2))
            else:
                batch.append(Transfer(next_id, dr, cr, amount, "GBP", 1))
        if b >= 2:
            for pending in holds[b - 2]:
                next_id += 1
                flags = (
                    TransferFlags.POST_PENDING_TRANSFER
                    if pending % 3
                    else TransferFlags.VOID_PENDING_TRANSFER
                )
                batch.append(Transfer(next_id, pending_id=pending, flags=flags))
        holds.append(opened)
        batches.append(batch)
    return batches


def main(url: str) -> None:
    """Apply the plan from the start (batches already stored answer `exists`)."""
    with Ledger(make_engine(url)) as ledger:
        for i, batch in enumerate(plan()):
            ledger.create_transfers(batch)
            print(f"committed {i}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
