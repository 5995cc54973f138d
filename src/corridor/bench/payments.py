"""The payments benchmark: payments end to end through the engine.

A fresh database of the chosen store gets the demo network (banks, correspondent
accounts, clients, opening balances) and the demo watch list; then `payments` payments of
the demo's mix go one by one through `PaymentEngine.submit`: validate, screen, price (FX
quote and fees), reserve (the linked chain of pending transfers) and settle (posted). The
time of each submission gives the single-payment percentiles; payments per second is the
count over the whole run. There is no batched path yet: the figure is the one-by-one rate.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.resources import as_file, files
from typing import Any

from corridor.bench.ledger import bench_database
from corridor.compliance.lists import ListFormat, load_list
from corridor.demo import network
from corridor.demo.traffic import instruction_of
from corridor.ledger import Ledger
from corridor.payments.engine import PaymentEngine
from corridor.store import Backend, make_engine, upgrade

Progress = Callable[[str, int, int], None]


def run(
    backend: Backend,
    *,
    payments: int = 2_000,
    postgres_url: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Measure `payments` submissions end to end; returns the figures."""
    report = progress or (lambda _stage, _done, _total: None)
    with bench_database(backend, postgres_url) as url:
        engine = make_engine(url)
        upgrade(engine)
        with as_file(files("corridor.demo").joinpath("watchlist.csv")) as watchlist:
            load_list(engine, ListFormat.INTERNAL_CSV, watchlist)
        with Ledger(engine) as ledger:
            ledger.create_accounts(network.ledger_accounts())
            ledger.create_transfers(network.opening_balances())
            # Enough CNY for the day: the bench measures settling, not the queue.
            ledger.create_transfers([network.liquidity(0, network.ALBION, "CNY", 500_000_000)])
            engine_under_test = PaymentEngine(engine, ledger, network.demo_corridor(engine))
            rng = random.Random("corridor-bench-payments")  # noqa: S311 - traffic, not a secret
            today = datetime.now(UTC).date()
            instructions = [instruction_of(rng, 1, n, today) for n in range(payments)]
            timings: list[float] = []
            statuses: Counter[str] = Counter()
            started = time.perf_counter()
            for n, payment in enumerate(instructions):
                begun = time.perf_counter()
                record = engine_under_test.submit(payment).record
                timings.append(time.perf_counter() - begun)
                statuses[record.status.value] += 1
                if n % 100 == 0:
                    report("payments", n, payments)
            elapsed = time.perf_counter() - started
        engine.dispose()
    cuts = statistics.quantiles(timings, n=100) if len(timings) > 1 else timings * 99
    return {
        "area": "payments",
        "backend": backend.value,
        "payments": payments,
        "payments_per_s": round(payments / elapsed, 1),
        "single_p50_ms": round(statistics.median(timings) * 1000, 2),
        "single_p99_ms": round(cuts[98] * 1000, 2),
        "batched": False,
        "statuses": dict(sorted(statuses.items())),
    }
