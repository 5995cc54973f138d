"""The ledger benchmark: batched and single-transfer rates beside the stack's raw floor.

Everything runs in one process, on one fresh database, in one go, so the ratios between
the figures hold even on a noisy shared machine.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy.engine import Engine

from corridor.ledger import (
    BATCH_MAX,
    Account,
    AccountFlags,
    CreateTransferResult,
    Ledger,
    Transfer,
)
from corridor.store import Backend, backend_of, make_engine, upgrade

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DATABASE = "corridor_bench"
Progress = Callable[[str, int, int], None]


class TimeOrderedIds:
    """128-bit ids that grow with time, as TigerBeetle advises (UUIDv7-like)."""

    def __init__(self) -> None:
        self.high = time.time_ns() // 1_000_000 << 80
        self.counter = 0

    def __call__(self) -> int:
        self.counter += 1
        return self.high | self.counter


@contextmanager
def bench_database(backend: Backend, postgres_url: str | None) -> Iterator[str]:
    """A fresh, empty database of the chosen store, dropped afterwards."""
    if backend is Backend.SQLITE:
        with tempfile.TemporaryDirectory(prefix="corridor-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    configured = os.environ.get("CORRIDOR_DATABASE_URL", "")
    on_configured_server = configured if configured.startswith("postgres") else None
    admin = (
        postgres_url
        or os.environ.get("CORRIDOR_BENCH_POSTGRES_URL")
        or on_configured_server
        or DEFAULT_POSTGRES
    )
    admin = admin.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    try:
        yield f"{admin.rsplit('/', 1)[0]}/{BENCH_DATABASE}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


def _make_transfers(ids: TimeOrderedIds, accounts: list[int], count: int) -> list[Transfer]:
    """Deterministic traffic between client accounts (all funded, half of them guarded)."""
    n = len(accounts)
    return [
        Transfer(ids(), accounts[(i * 7) % n], accounts[(i * 13 + 1) % n], 1 + i % 97, "GBP", 1)
        for i in range(count)
        if (i * 7) % n != (i * 13 + 1) % n
    ]


def _setup(ledger: Ledger, ids: TimeOrderedIds, n_accounts: int) -> list[int]:
    bank = ids()
    clients = [ids() for _ in range(n_accounts)]
    guarded = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    accounts = [Account(bank, "GBP", 10)] + [
        Account(c, "GBP", 20, flags=guarded if i % 2 else AccountFlags.NONE)
        for i, c in enumerate(clients)
    ]
    for start in range(0, len(accounts), BATCH_MAX):
        ledger.create_accounts(accounts[start : start + BATCH_MAX])
    funding = [Transfer(ids(), bank, c, 10**12, "GBP", 1) for c in clients]
    for start in range(0, len(funding), BATCH_MAX):
        ledger.create_transfers(funding[start : start + BATCH_MAX])
    return clients


def _raw_floor(engine: Engine, n_accounts: int, transfers: list[Transfer], batch: int) -> float:
    """Plain INSERT + 2 balance UPDATEs per transfer through the same driver: no checks."""
    owner = engine.raw_connection()
    conn: Any = owner.driver_connection
    sqlite = engine.dialect.name == "sqlite"
    rows = [
        (i + 1, i % n_accounts, (i + 1) % n_accounts, t.amount) for i, t in enumerate(transfers)
    ]
    try:
        if sqlite:
            conn.isolation_level = None
        ddl = (
            "CREATE TABLE raw_accounts (id INTEGER PRIMARY KEY, balance BIGINT NOT NULL)",
            "CREATE TABLE raw_transfers"
            " (id INTEGER PRIMARY KEY, dr BIGINT, cr BIGINT, amount BIGINT)",
        )
        for statement in ddl:
            conn.execute(statement)
        p = "?" if sqlite else "%s"
        if sqlite:
            conn.executemany(
                f"INSERT INTO raw_accounts VALUES ({p}, 0)", [(i,) for i in range(n_accounts)]
            )
        else:
            conn.execute(
                "INSERT INTO raw_accounts SELECT g, 0 FROM generate_series(0, %s) g", (n_accounts,)
            )
            conn.commit()
        started = time.perf_counter()
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            if sqlite:
                conn.execute("BEGIN")
                conn.executemany("INSERT INTO raw_transfers VALUES (?, ?, ?, ?)", chunk)
                conn.executemany(
                    "UPDATE raw_accounts SET balance = balance - ? WHERE id = ?",
                    [(a, d) for _, d, _, a in chunk],
                )
                conn.executemany(
                    "UPDATE raw_accounts SET balance = balance + ? WHERE id = ?",
                    [(a, c) for _, _, c, a in chunk],
                )
                conn.execute("COMMIT")
            else:
                with conn.cursor() as cursor, cursor.copy("COPY raw_transfers FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
                keys = [d for _, d, _, _ in chunk] + [c for _, _, c, _ in chunk]
                deltas = [-a for *_, a in chunk] + [a for *_, a in chunk]
                conn.execute(
                    "UPDATE raw_accounts r SET balance = r.balance + v.delta FROM"
                    " (SELECT k, SUM(d) AS delta FROM unnest(%s::bigint[], %s::bigint[]) AS u(k, d)"
                    " GROUP BY k) v WHERE r.id = v.k",
                    # as array literals, the way the ledger passes its own arrays
                    tuple("{" + ",".join(map(str, column)) + "}" for column in (keys, deltas)),
                )
                conn.commit()
        return len(rows) / (time.perf_counter() - started)
    finally:
        owner.close()


def run(
    backend: Backend = Backend.SQLITE,
    transfers: int = 200_000,
    accounts: int = 10_000,
    batch_size: int = BATCH_MAX,
    single: int = 2_000,
    postgres_url: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Measure the ledger on a fresh database; returns the figures `corridor bench` prints."""
    report = progress or (lambda _stage, _done, _total: None)
    with bench_database(backend, postgres_url) as url:
        engine = make_engine(url)
        upgrade(engine)
        ids = TimeOrderedIds()
        with Ledger(engine) as ledger:
            clients = _setup(ledger, ids, accounts)
            traffic = _make_transfers(ids, clients, transfers)
            latencies = []
            started = time.perf_counter()
            for start in range(0, len(traffic), batch_size):
                t0 = time.perf_counter()
                results = ledger.create_transfers(traffic[start : start + batch_size])
                latencies.append(time.perf_counter() - t0)
                if any(r is not CreateTransferResult.OK for r in results):
                    raise RuntimeError(f"benchmark traffic was refused: {set(results)}")
                report("batched", min(start + batch_size, len(traffic)), len(traffic))
            batched_s = time.perf_counter() - started
            singles = _make_transfers(ids, clients, single)
            started = time.perf_counter()
            for i, transfer in enumerate(singles):
                ledger.create_transfers([transfer])
                if i % 100 == 0:
                    report("one per commit", i, len(singles))
            single_s = time.perf_counter() - started
        report("raw floor", 0, 1)
        floor = _raw_floor(engine, accounts, traffic, batch_size)
        engine.dispose()
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return {
        "area": "ledger",
        "backend": backend.value,
        "transfers": len(traffic),
        "accounts": accounts + 1,
        "batch_size": batch_size,
        "transfers_per_s": round(len(traffic) / batched_s),
        "single_transfers": len(singles),
        "single_per_s": round(len(singles) / single_s),
        "raw_floor_per_s": round(floor),
        "ratio_to_raw_floor": round(len(traffic) / batched_s / floor, 3),
        "p50_batch_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_batch_ms": round(p99 * 1000, 2),
    }


def backend_for(name: str | None) -> Backend:
    """The store to measure: as asked, else the configured database's, else SQLite."""
    if name:
        return Backend(name)
    configured = os.environ.get("CORRIDOR_DATABASE_URL")
    return backend_of(configured) if configured else Backend.SQLITE
