"""The payments benchmark: payments end to end through the engine, in batches and one by one.

A fresh database of the chosen store gets the demo network (four banks, their
correspondent accounts, 200 clients, opening balances) and the demo watch list. Then the
demo's mix of payments goes through `PaymentEngine`: validate, screen, price (FX quote,
fees, limits), reserve (the linked chain of pending transfers) and settle (posted).

- Batched: `payments` instructions through `submit_batch`, `batch_size` at a time;
  payments per second is the count over the whole run.
- One by one: `single` more through `submit`, each timed, for the single-payment
  latency percentiles.

The payments' clock is a simulated business day (Tuesday 27 October 2026, from 02:00 UTC,
before the mainland's CNY cut-off at 17:00 Beijing time, so payments settle the day they
are received): it moves on 15 minutes a batch (less when there are more than 24 batches,
so the day stays before the cut-offs) and 2 seconds a single payment, so the monitoring
rules see the history of a business day, not 20,000 payments in ten seconds.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib.resources import as_file, files
from typing import Any

from corridor.bench.ledger import bench_database
from corridor.compliance.lists import ListFormat, load_list
from corridor.demo import network
from corridor.demo.traffic import instruction_of
from corridor.ledger import Ledger
from corridor.payments.engine import PaymentEngine
from corridor.runtime import settle_the_heap
from corridor.store import Backend, make_engine, upgrade

Progress = Callable[[str, int, int], None]
BUSINESS_DAY = datetime(2026, 10, 27, 2, 0, tzinfo=UTC)
BATCH_STEP = timedelta(minutes=15)
DAY = timedelta(hours=6)
"""How long the simulated day's batches may take (from 02:00 UTC: before every cut-off)."""
SINGLE_STEP = timedelta(seconds=2)


class _Clock:
    """The payments' simulated time."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def run(
    backend: Backend,
    *,
    payments: int = 20_000,
    batch_size: int = 1_000,
    single: int = 500,
    postgres_url: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Measure `payments` submissions in batches and `single` one by one; the figures."""
    report = progress or (lambda _stage, _done, _total: None)
    with bench_database(backend, postgres_url) as url:
        engine = make_engine(url)
        upgrade(engine)
        with as_file(files("corridor.demo").joinpath("watchlist.csv")) as watchlist:
            load_list(engine, ListFormat.INTERNAL_CSV, watchlist)
        with Ledger(engine) as ledger:
            ledger.create_accounts(network.ledger_accounts())
            ledger.create_transfers(network.opening_balances())
            # Enough of every currency for the day: the bench measures settling, not the queue.
            ledger.create_transfers(
                [
                    network.liquidity(0, bic, ccy, 10_000_000_000)
                    for bic, (_name, currencies) in network.BANKS.items()
                    for ccy in currencies
                ]
            )
            clock = _Clock(BUSINESS_DAY)
            corridor = network.demo_corridor(engine)
            under_test = PaymentEngine(engine, ledger, corridor, clock=clock)
            rng = random.Random("corridor-bench-payments")  # noqa: S311 - traffic, not a secret
            today = BUSINESS_DAY.date()
            instructions = [instruction_of(rng, 1, n, today) for n in range(payments + single)]
            statuses: Counter[str] = Counter()
            settle_the_heap()  # as a server does once started: see corridor.runtime
            step = min(BATCH_STEP, DAY / max(1, -(-payments // batch_size)))
            started = time.perf_counter()
            for start in range(0, payments, batch_size):
                batch = instructions[start : min(start + batch_size, payments)]
                for submission in under_test.submit_batch(batch):
                    statuses[submission.record.status.value] += 1
                clock.now += step
                report("payments in batches", start + len(batch), payments)
            batched_s = time.perf_counter() - started
            remembered = len(corridor.screening.remembered) if corridor.screening else 0
            timings: list[float] = []
            for n, payment in enumerate(instructions[payments:]):
                begun = time.perf_counter()
                record = under_test.submit(payment).record
                timings.append(time.perf_counter() - begun)
                statuses[record.status.value] += 1
                clock.now += SINGLE_STEP
                if n % 50 == 0 or n == single - 1:
                    report("payments one by one", n + 1, single)
        engine.dispose()
    cuts: list[float | None] = [None] * 99
    if timings:
        cuts = list(statistics.quantiles(timings, n=100) if len(timings) > 1 else timings * 99)
    return {
        "area": "payments",
        "backend": backend.value,
        "payments": payments,
        "batch_size": batch_size,
        "payments_per_s": round(payments / batched_s, 1),
        "single": single,
        "single_per_s": round(len(timings) / sum(timings), 1) if timings else None,
        "single_p50_ms": round(statistics.median(timings) * 1000, 2) if timings else None,
        "single_p99_ms": None if cuts[98] is None else round(cuts[98] * 1000, 2),
        "batched": True,
        "clients": sum(len(c) for c in network.CLIENTS.values()),
        "parties_screened_once": remembered,
        "statuses": dict(sorted(statuses.items())),
    }
