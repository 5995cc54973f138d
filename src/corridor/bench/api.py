"""The API benchmark: payment creations over HTTP against a local server on SQLite.

A fresh store gets the demo network's reference data, ledger, opening balances (with
enough liquidity for the run) and watch list, one operator per debtor bank with an API
key. The app runs under uvicorn in this process; the load comes from a second process
(`corridor.bench.api_load`) with `concurrency` connections, each sending its payments
one after another. Concurrent creations meet at the payment desk, which takes them into
the engine in batches (`submit_batch`): validated, screened, priced, reserved and
settled, each request answered with its own payment. The payments' clock is a
simulated business day (as in `corridor bench payments`), so they settle the day they
are received.
"""

from __future__ import annotations

import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import uvicorn

from corridor.api.app import create_app
from corridor.api.services import Operations
from corridor.auth.keys import Scope, create_key
from corridor.auth.users import Role, add_user
from corridor.bench.payments import BUSINESS_DAY, _Clock
from corridor.compliance.lists import ListFormat, load_list
from corridor.demo import network
from corridor.demo.traffic import instruction_of
from corridor.ledger import Ledger
from corridor.payments.payment import Payment
from corridor.reference_data.demo import seed_demo_reference_data
from corridor.store import make_engine, upgrade

Progress = Callable[[str, int, int], None]
STEP = timedelta(milliseconds=50)


class _MovingClock(_Clock):
    """The simulated day, moving on a little at each look (as a real clock would)."""

    def __call__(self) -> Any:
        self.now += STEP
        return self.now


def body_of(payment: Payment) -> dict[str, Any]:
    """The `POST /api/payments` body of an instruction."""
    return {
        "end_to_end_id": payment.end_to_end_id,
        "debtor": {
            "name": payment.debtor.name,
            "account": payment.debtor.account,
            "country": payment.debtor.country,
            "individual": payment.debtor.individual,
        },
        "creditor": {
            "name": payment.creditor.name,
            "account": payment.creditor.account,
            "country": payment.creditor.country,
            "individual": payment.creditor.individual,
        },
        "creditor_agent": payment.creditor_agent,
        "amount": str(payment.instructed_amount.amount),
        "currency": payment.instructed_amount.currency.code,
        "settlement_currency": payment.settlement_currency,
        "charge_bearer": payment.charge_bearer.value,
        "requested_execution_date": payment.requested_execution_date.isoformat(),
        "purpose_code": payment.purpose_code,
        "remittance": payment.remittance,
    }


def run(
    *, requests: int = 5_000, concurrency: int = 32, progress: Progress | None = None
) -> dict[str, Any]:
    """Measure `requests` creations from `concurrency` connections; the figures."""
    report = progress or (lambda _stage, _done, _total: None)
    with tempfile.TemporaryDirectory(prefix="corridor-bench-api-") as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        report("setting up the corridor", 0, 1)
        seed_demo_reference_data(engine)
        with as_file(files("corridor.demo").joinpath("watchlist.csv")) as watchlist:
            load_list(engine, ListFormat.INTERNAL_CSV, watchlist)
        with Ledger(engine) as ledger:
            ledger.create_accounts(network.ledger_accounts())
            ledger.create_transfers(network.opening_balances())
            ledger.create_transfers(
                [
                    network.liquidity(0, bic, ccy, 10_000_000_000)
                    for bic, (_name, currencies) in network.BANKS.items()
                    for ccy in currencies
                ]
            )
        # One bank's operator sends them all: its clients' payments of the demo's mix.
        operator = add_user(engine, "bench@albion", role=Role.OPERATOR, institution=network.ALBION)
        _key, secret = create_key(engine, operator, "bench", frozenset({Scope.PAYMENTS}))
        rng = random.Random("corridor-bench-api")  # noqa: S311 - traffic, not a secret
        today = BUSINESS_DAY.date()
        bodies: list[dict[str, Any]] = []
        n = 0
        while len(bodies) < requests:
            payment = instruction_of(rng, 1, n, today)
            n += 1
            if payment.debtor_agent == network.ALBION:
                bodies.append(body_of(payment))
        bodies_file = Path(folder) / "bodies.jsonl"
        bodies_file.write_text("\n".join(json.dumps(b) for b in bodies) + "\n", encoding="utf-8")
        report("setting up the corridor", 1, 1)
        ops = Operations(engine, clock=_MovingClock(BUSINESS_DAY))
        app = create_app(engine, ops=ops, console=False, settle_heap=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        report(f"{requests:,} creations over HTTP", 0, requests)
        load = subprocess.run(  # noqa: S603 - our own module, our own arguments
            [
                sys.executable,
                "-m",
                "corridor.bench.api_load",
                f"http://127.0.0.1:{port}",
                secret,
                str(concurrency),
                str(bodies_file),
            ],
            capture_output=True,
            check=True,
            text=True,
        )
        report(f"{requests:,} creations over HTTP", requests, requests)
        server.should_exit = True
        thread.join(30)
        outcome = json.loads(load.stdout)
        statuses: Counter[str] = Counter()
        with engine.connect() as connection:
            from corridor.payments import repository  # noqa: PLC0415 - only for the count

            statuses.update(repository.counts_by_status(connection))
        batches, batched = ops.desk.batches, ops.desk.batched
        engine.dispose()
    latencies = sorted(outcome["latencies"])
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "area": "api",
        "backend": "sqlite",
        "requests": len(latencies),
        "concurrency": concurrency,
        "requests_per_s": round(len(latencies) / outcome["wall_s"], 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p90_ms": round(cuts[89] * 1000, 2),
        "p99_ms": round(cuts[98] * 1000, 2),
        "http_statuses": {str(k): v for k, v in sorted(outcome["statuses"].items())},
        "payment_statuses": dict(sorted(statuses.items())),
        "mean_batch": round(batched / batches, 1) if batches else None,
        "load_from": "a second process",
    }
