"""The ledger on PostgreSQL through psycopg 3: COPY for rows, one UPDATE per batch.

Every write transaction first locks the ledger's clock row, so batches apply one after
another (as in TigerBeetle) and never deadlock; the accounts a batch touches are locked
as well, so that no other writer of account rows can interleave.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.adapt import Loader

from corridor.ledger.repository import TRANSFER_COLUMNS, LedgerRepository


class _UuidAsInt(Loader):
    """Load uuid columns straight into the 128-bit ints the ledger speaks."""

    def load(self, data: Any) -> int:
        return int(bytes(data).replace(b"-", b""), 16)


def prepare_connection(connection: psycopg.Connection[Any]) -> None:
    """Teach a connection to return uuids as ints."""
    connection.adapters.register_loader("uuid", _UuidAsInt)


class PostgresRepository(LedgerRepository):
    """Ledger SQL over a psycopg 3 connection."""

    placeholder = "%s"

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        prepare_connection(connection)
        connection.autocommit = False
        self.connection = connection

    def encode_id(self, value: int) -> str:
        return f"{value:032x}"

    def decode_id(self, value: Any) -> int:
        return int(value)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.connection.rollback()
            raise
        self.connection.commit()

    @contextmanager
    def read(self) -> Iterator[None]:
        try:
            yield
        finally:
            self.connection.rollback()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.connection.execute(sql, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            with self.connection.cursor() as cursor:
                cursor.executemany(sql, rows)  # type: ignore[arg-type]

    def select_in(self, sql: str, values: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        if not values:
            return iter(())
        sql = sql.replace("{in}", "= ANY(%s::uuid[])")
        return iter(self.connection.execute(sql, (list(values),)).fetchall())  # type: ignore[arg-type]

    def insert_transfer_rows(self, rows: list[tuple[Any, ...]]) -> None:
        with self.connection.cursor() as cursor, cursor.copy(
            f"COPY transfers ({TRANSFER_COLUMNS}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)

    def update_balance_rows(self, rows: list[tuple[int, int, int, int, int]]) -> None:
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        self.connection.execute(
            "UPDATE accounts AS a SET debits_pending = v.dp, debits_posted = v.dpo,"
            " credits_pending = v.cp, credits_posted = v.cpo"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[])"
            " AS v(key, dp, dpo, cp, cpo) WHERE a.timestamp = v.key",
            [list(c) for c in columns],
        )

    def lock_clause(self) -> str:
        return " FOR UPDATE"
