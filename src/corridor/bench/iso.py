"""The ISO 20022 benchmark: parse and validate a large generated pain.001, import a
smaller one end to end through the payments engine, generate pacs.008s, and measure peak
memory for two file sizes (each in a fresh process, so one's peak does not hide in the
other's).

The file is a corporate's supplier run: one debtor account per PmtInf of 1,000 credit
transfers, the demo's parties and amounts. Validation streams it (schema part by part,
then the business rules), spooling each transaction's outcome; the end-to-end import adds
the engine's batched path (`submit_batch`, a batch per 500 transactions).
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from corridor.bench.ledger import bench_database
from corridor.demo import network
from corridor.demo.traffic import instruction_of
from corridor.iso20022.catalogue import PAIN_001_03
from corridor.iso20022.export import payment_documents
from corridor.iso20022.importer import import_pain001
from corridor.iso20022.initiation import write_pain001
from corridor.iso20022.validation import validate_pain001
from corridor.ledger import Ledger, Transfer
from corridor.payments.accounts import TransferCode, client_account, ledger_id, reserve_account
from corridor.payments.engine import PaymentEngine
from corridor.payments.payment import Payment
from corridor.store import Backend, make_engine, upgrade

Progress = Callable[[str, int, int], None]
RUN = 1000
"""Credit transfers per PmtInf, unless told otherwise."""


def supplier_runs(count: int, seed: str = "corridor-bench-iso", run: int = RUN) -> list[Payment]:
    """`count` payments of the demo mix, grouped in runs of `run` from one debtor account."""
    rng = random.Random(seed)  # noqa: S311 - traffic, not a secret
    today = datetime.now(UTC).date()
    payments = []
    lead: Payment | None = None
    for n in range(count):
        payment = instruction_of(rng, 1, n, today)
        while n % run == 0 and payment.debtor.individual:  # a supplier run is a company's
            payment = instruction_of(rng, 1, n, today)
        if n % run == 0:
            lead = payment
        assert lead is not None
        payments.append(
            replace(
                payment,
                debtor=lead.debtor,
                debtor_agent=lead.debtor_agent,
                instructed_amount=type(payment.instructed_amount).of(
                    payment.instructed_amount.amount, lead.instructed_amount.currency
                ),
                creditor=lead.creditor
                if lead.settlement_currency != payment.settlement_currency
                else payment.creditor,
                creditor_agent=lead.creditor_agent,
                settlement_currency=lead.settlement_currency,
                end_to_end_id=f"B{n:08d}",
            )
        )
    return payments


def _funding(payments: list[Payment]) -> list[Transfer]:
    """A deposit into each paying account of as much as all its payments and more."""
    due: dict[tuple[str, str, str], int] = {}
    for payment in payments:
        key = (
            payment.debtor_agent,
            payment.instructed_amount.currency.code,
            payment.debtor.account,
        )
        due[key] = due.get(key, 0) + payment.instructed_amount.to_minor_units()
    return [
        Transfer(
            ledger_id("bench-iso-deposit", bic, ccy, account),
            reserve_account(ccy),
            client_account(bic, ccy, account),
            2 * units,
            ccy,
            int(TransferCode.FUNDING),
        )
        for (bic, ccy, account), units in due.items()
    ]


def _write(payments: list[Payment], folder: Path, name: str) -> Path:
    return write_pain001(
        payments,
        folder / name,
        msg_id=f"BENCH-{name}",
        initiating_party="Harrow Tea Importers Ltd",
        created=datetime.now(UTC),
        message=PAIN_001_03,
    )


def _validate_rate(path: Path, count: int) -> float:
    spooled = 0

    def spool(_outcome: object) -> None:
        nonlocal spooled
        spooled += 1

    started = time.perf_counter()
    report = validate_pain001(path, on_transaction=spool)
    elapsed = time.perf_counter() - started
    if report.valid_transactions != count:
        raise RuntimeError(f"bench file not valid: {report.findings[:3]}")
    return count / elapsed


def peak_rss_child(path: Path) -> float:
    """Validate `path` in a fresh process; its peak resident memory in MB."""
    code = (
        "import json, resource, sys; from corridor.iso20022 import validate_pain001;"
        "validate_pain001(sys.argv[1], on_transaction=lambda o: None);"
        "print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    return round(int(done.stdout.strip()) / 1024, 1)


def run(
    backend: Backend,
    *,
    transactions: int = 100_000,
    import_transactions: int = 1_000,
    run_size: int = RUN,
    postgres_url: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Measure; returns the figures. The imported file pays in runs of `run_size` from
    one account each (a larger run is a bigger bulk file from one payer)."""
    report = progress or (lambda _stage, _done, _total: None)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        report("write pain.001", 0, 3)
        large = supplier_runs(transactions)
        started = time.perf_counter()
        big = _write(large, work, "large.xml")
        write_per_s = transactions / (time.perf_counter() - started)
        small_count = max(1, transactions // 10)
        small = _write(large[:small_count], work, "small.xml")
        sizes = {
            str(small_count): round(small.stat().st_size / 1e6, 1),
            str(transactions): round(big.stat().st_size / 1e6, 1),
        }
        del large
        report("write pain.001", 3, 3)
        report("validate", 0, 1)
        validate_per_s = _validate_rate(big, transactions)
        report("validate", 1, 1)
        report("peak memory", 0, 2)
        rss_small = peak_rss_child(small)
        rss_large = peak_rss_child(big)
        report("peak memory", 2, 2)
        with bench_database(backend, postgres_url) as url:
            engine = make_engine(url)
            upgrade(engine)
            with Ledger(engine) as ledger:
                ledger.create_accounts(network.ledger_accounts())
                ledger.create_transfers(network.opening_balances())
                # Enough of every currency, for the banks and for a supplier run's payer:
                # the bench measures importing, not the queue or a client's overdraft.
                ledger.create_transfers(
                    [
                        network.liquidity(0, bic, ccy, 10_000_000_000)
                        for bic, (_name, currencies) in network.BANKS.items()
                        for ccy in currencies
                    ]
                )
                to_import = supplier_runs(
                    import_transactions, seed="corridor-bench-iso-import", run=run_size
                )
                ledger.create_transfers(_funding(to_import))
                payments = PaymentEngine(engine, ledger, network.demo_corridor())
                imported = _write(to_import, work, "import.xml")
                report("import end to end", 0, 1)
                started = time.perf_counter()
                result = import_pain001(imported, payments)
                import_per_s = import_transactions / (time.perf_counter() - started)
                report("import end to end", 1, 1)
                records = [payments.get(u) for u in _uetrs(engine)]
                report("export pacs.008", 0, 1)
                started = time.perf_counter()
                messages = sum(
                    len(payment_documents(r, "pacs.008", datetime.now(UTC))) for r in records
                )
                export_seconds = time.perf_counter() - started
                report("export pacs.008", 1, 1)
            engine.dispose()
    return {
        "area": "iso",
        "backend": backend.value,
        "transactions": transactions,
        "validate_per_s": round(validate_per_s, 1),
        "write_pain001_per_s": round(write_per_s, 1),
        "import_transactions": import_transactions,
        "import_run_size": run_size,
        "import_per_s": round(import_per_s, 1),
        "import_statuses": dict(sorted(result.statuses.items())),
        "engine_batched": True,
        "export_messages": messages,
        "export_per_s": round(messages / export_seconds, 1) if export_seconds else None,
        "peak_rss_mb": max(rss_small, rss_large),
        "peak_rss_mb_by_transactions": {str(small_count): rss_small, str(transactions): rss_large},
        "file_mb_by_transactions": sizes,
        "bench_process_peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        ),
    }


def _uetrs(engine: Any) -> list[str]:
    with engine.connect() as connection:
        return [str(u) for u in connection.execute(sa.text("SELECT uetr FROM payments")).scalars()]
