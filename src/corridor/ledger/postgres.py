"""The ledger on PostgreSQL through psycopg 3.

Large batches: COPY for the transfer rows and one UPDATE for all touched accounts, in a
transaction that first locks the ledger's clock row. That row is the ledger's write lock:
batches apply one after another (as in TigerBeetle), see each other's results whole, and
never deadlock.

Small batches (one transfer per commit is the common case of an API call) are written as
one statement in autocommit mode: a single round trip and a single commit. The statement
moves the clock on only if it still reads what this ledger last wrote, which proves that
the accounts the batch was decided on were current; otherwise it writes nothing and the
batch is decided again the careful way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.adapt import Loader

from corridor.ledger.engine import Effects
from corridor.ledger.repository import (
    TRANSFER_COLUMNS,
    ClockMovedError,
    LedgerRepository,
    StoredTransferIdError,
)

# Column types for the VALUES lists of the single statement (bound parameters come untyped).
_TRANSFER_TYPES = (
    "bigint",
    "uuid",
    "bigint",
    "bigint",
    "bigint",
    "uuid",
    "varchar",
    "integer",
    "integer",
    "bigint",
    "uuid",
    "bigint",
    "bigint",
    "bigint",
    "bigint",
)


class _UuidAsInt(Loader):
    """Load uuid columns straight into the 128-bit ints the ledger speaks."""

    def load(self, data: Any) -> int:
        return int(bytes(data).replace(b"-", b""), 16)


def prepare_connection(connection: psycopg.Connection[Any]) -> None:
    """Teach a connection to return uuids as ints."""
    connection.adapters.register_loader("uuid", _UuidAsInt)


def _values(rows: Sequence[Sequence[Any]], types: Sequence[str]) -> str:
    row = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    return ", ".join([row] * len(rows))


class PostgresRepository(LedgerRepository):
    """Ledger SQL over a psycopg 3 connection."""

    bind_mark = "%s"
    round_trips_cost = True

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        prepare_connection(connection)
        connection.autocommit = False
        self.connection = connection
        self._single_statement = False

    def encode_id(self, value: int) -> str:
        return f"{value:032x}"

    def decode_id(self, value: Any) -> int:
        return int(value)

    @contextmanager
    def transaction(self, *, small: bool = False) -> Iterator[None]:
        connection = self.connection
        self._single_statement = small
        connection.autocommit = small
        try:
            yield
            if not small:
                connection.commit()
        except psycopg.errors.UniqueViolation as exc:
            connection.rollback()
            if exc.diag.constraint_name == "transfers_id_unique":
                raise StoredTransferIdError(str(exc)) from exc
            raise
        except psycopg.errors.SerializationFailure as exc:
            connection.rollback()
            raise ClockMovedError(str(exc)) from exc
        except BaseException:
            connection.rollback()
            raise
        finally:
            self._single_statement = False
            connection.autocommit = False

    @contextmanager
    def read(self) -> Iterator[None]:
        try:
            yield
        finally:
            self.connection.rollback()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql, params).fetchall()

    def write(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.connection.execute(sql, params)

    def advance_clock(self, expected: int, value: int) -> None:
        self.write("SELECT corridor_advance_clock(%s, %s)", (expected, value))

    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            self.connection.cursor().executemany(sql, rows)

    def select_in(self, sql: str, values: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        if not values:
            return iter(())
        sql = sql.replace("{in}", "= ANY(%s::uuid[])")
        literal = "{" + ",".join(values) + "}"  # hex ids: cheaper than psycopg's list dumper
        return iter(self.connection.execute(sql, (literal,)).fetchall())

    def insert_transfer_rows(self, rows: list[tuple[Any, ...]]) -> None:
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f"COPY transfers ({TRANSFER_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def update_balance_rows(self, rows: list[tuple[int, int, int, int, int, int]]) -> None:
        if not rows:
            return
        # Each column goes as one array literal built here: psycopg's own list dumper
        # costs about a microsecond an element, which at 8,000 accounts a batch was most
        # of the UPDATE's time.
        columns = ["{" + ",".join(map(str, column)) + "}" for column in zip(*rows, strict=True)]
        self.write(
            "UPDATE accounts AS a SET debits_pending = v.dp, debits_posted = v.dpo,"
            " credits_pending = v.cp, credits_posted = v.cpo, last_transfer = v.last"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[],"
            " %s::bigint[]) AS v(key, dp, dpo, cp, cpo, last) WHERE a.timestamp = v.key",
            columns,
        )

    def write_effects(self, effects: Effects, expected: int, value: int) -> None:
        if not self._single_statement:
            super().write_effects(effects, expected, value)
            return
        # One statement: every part writes only if the clock moved from `expected`.
        parts = [
            "clock AS (UPDATE ledger_clock SET last_timestamp = %s"
            " WHERE id = 1 AND last_timestamp = %s RETURNING 1)"
        ]
        params: list[Any] = [value, expected]
        guard = "WHERE EXISTS (SELECT 1 FROM clock)"
        rows = self.transfer_rows(effects.transfers)
        if rows:
            parts.append(
                f"transfers_written AS (INSERT INTO transfers ({TRANSFER_COLUMNS})"
                f" SELECT * FROM (VALUES {_values(rows, _TRANSFER_TYPES)}) AS v {guard})"
            )
            params += [value for row in rows for value in row]
        balances = self.balance_rows(effects.accounts.values())
        if balances:
            parts.append(
                "accounts_written AS (UPDATE accounts AS a SET debits_pending = v.dp,"
                " debits_posted = v.dpo, credits_pending = v.cp, credits_posted = v.cpo,"
                f" last_transfer = v.last FROM (VALUES {_values(balances, ['bigint'] * 6)})"
                " AS v(key, dp, dpo, cp, cpo, last)"
                " WHERE a.timestamp = v.key AND EXISTS (SELECT 1 FROM clock))"
            )
            params += [value for row in balances for value in row]
        new_pendings, settled = self.pending_rows(effects)
        if new_pendings:
            parts.append(
                "holds_opened AS (INSERT INTO pending_transfers (timestamp, status, expires_at)"
                f" SELECT * FROM (VALUES {_values(new_pendings, ['bigint', 'varchar', 'bigint'])})"
                f" AS v {guard})"
            )
            params += [value for row in new_pendings for value in row]
        if settled:
            parts.append(
                "holds_settled AS (UPDATE pending_transfers AS p SET status = v.status"
                f" FROM (VALUES {_values(settled, ['varchar', 'bigint'])}) AS v(status, key)"
                " WHERE p.timestamp = v.key AND EXISTS (SELECT 1 FROM clock))"
            )
            params += [value for row in settled for value in row]
        history = self.history_rows(effects.history)
        if history:
            parts.append(
                "history_kept AS (INSERT INTO account_balances (account, timestamp,"
                " debits_pending, debits_posted, credits_pending, credits_posted)"
                f" SELECT * FROM (VALUES {_values(history, ['bigint'] * 6)}) AS v {guard})"
            )
            params += [value for row in history for value in row]
        sql = "WITH " + ", ".join(parts) + " SELECT COUNT(*) FROM clock"
        (moved,) = self.connection.execute(sql, params).fetchone() or (0,)
        if not moved:
            raise ClockMovedError(f"the ledger's clock no longer reads {expected}")

    def lock_clause(self) -> str:
        return " FOR UPDATE"
