"""A seeded plan of transfer batches, and a writer that applies it (SIGKILLed by the crash test).

`python crash_worker.py DATABASE_URL SEED` regenerates the plan of SEED, applies every
batch in order from the first (batches already stored answer `exists`) and prints each
batch's index, flushed, once `create_transfers` has returned for it, i.e. after its commit.

The plan mixes what succeeds with what is refused, and is built so that every event's
answer is the same whenever a batch is applied again after later batches committed
(which is what a restarted writer, and the test's replay, do):

* clients (2..21 on GBP, 28..30 on HKD) are funded far beyond what the plan moves, so
  a transfer between clients always succeeds, guarded or not;
* drains (22..26) are guarded and funded a little, then only ever debited: they run dry
  during the plan, and a debit refused once (`exceeds_credits`) is refused ever after;
* cross-currency transfers, posts of holds that do not exist and second settlements of
  a hold are refused whatever the balances;
* holds are settled (posted whole, posted in part, or voided) two batches after they
  were opened, and some linked chains fail as a whole (`linked_event_failed`).
"""

from __future__ import annotations

import random
import sys

from corridor.ledger import Account, AccountFlags, Ledger, Transfer, TransferFlags
from corridor.store import make_engine

BATCHES = 40
SOURCE = 1  # GBP, unguarded: funds the GBP accounts and collects fees
CLIENTS = list(range(2, 22))  # GBP; every third one guarded
DRAINS = list(range(22, 27))  # GBP, guarded, funded with DRAIN_FUNDING, only debited
HKD_SOURCE = 27
HKD_CLIENTS = [28, 29, 30]  # guarded
MISSING = 999  # no such account
CLIENT_FUNDING = 10**12
DRAIN_FUNDING = 100_000
GUARD = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS


def accounts() -> list[Account]:
    """The 30 accounts the plan moves money between."""
    made = [Account(SOURCE, "GBP", 1)]
    made += [
        Account(i, "GBP", 2, flags=GUARD if i % 3 == 0 else AccountFlags.NONE) for i in CLIENTS
    ]
    made += [Account(i, "GBP", 3, flags=GUARD) for i in DRAINS]
    made += [Account(HKD_SOURCE, "HKD", 1)]
    made += [Account(i, "HKD", 2, flags=GUARD) for i in HKD_CLIENTS]
    return made


def funding() -> list[Transfer]:
    """Every guarded account is funded before the plan runs."""
    return (
        [Transfer(10**6 + i, SOURCE, i, CLIENT_FUNDING, "GBP", 1) for i in CLIENTS]
        + [Transfer(10**6 + i, SOURCE, i, DRAIN_FUNDING, "GBP", 1) for i in DRAINS]
        + [Transfer(10**6 + i, HKD_SOURCE, i, CLIENT_FUNDING, "HKD", 1) for i in HKD_CLIENTS]
    )


def plan(seed: int) -> list[list[Transfer]]:
    """BATCHES batches of 50 to 500 transfers each, the same for the same seed."""
    rng = random.Random(seed)
    next_id = 10**9
    opened: list[list[Transfer]] = []  # holds opened, by batch
    settled: list[int] = []  # holds settled in an earlier batch
    batches: list[list[Transfer]] = []

    def new_id() -> int:
        nonlocal next_id
        next_id += 1
        return next_id

    def between_clients(flags: TransferFlags = TransferFlags.NONE) -> Transfer:
        if rng.random() < 0.15:
            dr, cr = rng.sample(HKD_CLIENTS, 2)
            return Transfer(new_id(), dr, cr, rng.randrange(1, 5_000), "HKD", 1, flags=flags)
        dr, cr = rng.sample(CLIENTS, 2)
        return Transfer(new_id(), dr, cr, rng.randrange(1, 5_000), "GBP", 1, flags=flags)

    def from_drain(flags: TransferFlags = TransferFlags.NONE) -> Transfer:
        drain = rng.choice(DRAINS)
        amount = rng.randrange(500, 4_000)
        return Transfer(new_id(), drain, rng.choice(CLIENTS), amount, "GBP", 4, flags=flags)

    for b in range(BATCHES):
        batch: list[Transfer] = []
        holds: list[Transfer] = []
        size = rng.randrange(50, 420)
        while len(batch) < size:
            kind = rng.random()
            if kind < 0.52:  # a plain payment between clients
                batch.append(between_clients())
            elif kind < 0.62:  # a hold, settled two batches later
                hold = between_clients(TransferFlags.PENDING)
                holds.append(hold)
                batch.append(hold)
            elif kind < 0.70:  # a linked chain of 2 to 4 payments that all succeed
                length = rng.randrange(2, 5)
                batch += [between_clients(TransferFlags.LINKED) for _ in range(length - 1)]
                batch.append(between_clients())
            elif kind < 0.725:  # a debit of a drain: ok until it runs dry
                batch.append(from_drain())
            elif kind < 0.74:  # a payment and a drain's debit, linked: both or neither
                batch += [between_clients(TransferFlags.LINKED), from_drain()]
            elif kind < 0.77:  # across currencies: always refused
                dr, cr = rng.choice(CLIENTS), rng.choice(HKD_CLIENTS)
                batch.append(Transfer(new_id(), dr, cr, 100, "GBP", 1))
            elif kind < 0.80:  # a chain with a payment to no account: fails as a whole
                batch += [
                    between_clients(TransferFlags.LINKED),
                    Transfer(new_id(), rng.choice(CLIENTS), MISSING, 10, "GBP", 1),
                ]
            elif kind < 0.83 and settled:  # a second settlement of a hold: refused
                pending_id = rng.choice(settled)
                flags = rng.choice(
                    [TransferFlags.POST_PENDING_TRANSFER, TransferFlags.VOID_PENDING_TRANSFER]
                )
                batch.append(Transfer(new_id(), pending_id=pending_id, flags=flags))
            elif kind < 0.84:  # a post of a hold that was never opened
                batch.append(
                    Transfer(
                        new_id(),
                        pending_id=5 * 10**8 + rng.randrange(10**6),
                        flags=TransferFlags.POST_PENDING_TRANSFER,
                    )
                )
            else:  # a fee to the source
                batch.append(Transfer(new_id(), rng.choice(CLIENTS), SOURCE, 7, "GBP", 5))
        if b >= 2:
            for hold in opened[b - 2]:
                way = rng.random()
                if way < 0.4:
                    post = Transfer(
                        new_id(), pending_id=hold.id, flags=TransferFlags.POST_PENDING_TRANSFER
                    )
                elif way < 0.7:
                    post = Transfer(
                        new_id(),
                        pending_id=hold.id,
                        amount=rng.randrange(1, hold.amount + 1),
                        flags=TransferFlags.POST_PENDING_TRANSFER,
                    )
                else:
                    post = Transfer(
                        new_id(), pending_id=hold.id, flags=TransferFlags.VOID_PENDING_TRANSFER
                    )
                batch.append(post)
                settled.append(hold.id)
        opened.append(holds)
        batches.append(batch)
    return batches


def main(url: str, seed: int) -> None:
    """Apply the plan from its first batch; print each batch's index once it committed."""
    batches = plan(seed)
    engine = make_engine(url)
    with Ledger(engine) as ledger:
        for index, batch in enumerate(batches):
            ledger.create_transfers(batch)
            print(index, flush=True)
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
