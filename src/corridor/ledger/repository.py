"""All of the ledger's SQL: what a batch loads, what it writes, and the read-side queries.

`LedgerRepository` holds the SQL both stores share; `SqliteRepository` and
`PostgresRepository` (in their own modules) supply how ids are encoded, how rows are
locked and how a batch's rows are written fastest through each driver.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from corridor.ledger.engine import Applied, Effects, PendingRecord
from corridor.ledger.model import (
    Account,
    AccountBalance,
    AccountFlags,
    PendingStatus,
    Transfer,
    TransferFlags,
)

_U64_SIGN = 2**63
_U64 = 2**64

ACCOUNT_COLUMNS = (
    "timestamp, id, ledger, code, flags, user_data_128, user_data_64, user_data_32,"
    " debits_pending, debits_posted, credits_pending, credits_posted, last_transfer"
)
TRANSFER_COLUMNS = (
    "timestamp, id, debit_account, credit_account, amount, pending_id, ledger, code, flags,"
    " timeout, user_data_128, user_data_64, user_data_32, debit_prev, credit_prev"
)
# Flag values seen in rows map to enum members without paying for enum construction.
_ACCOUNT_FLAGS = {int(f): f for f in (AccountFlags(v) for v in range(16))}
_TRANSFER_FLAGS = {int(f): f for f in (TransferFlags(v) for v in range(16))}
# A transfer as the API sees it: account keys translated back to the accounts' public ids.
_TRANSFER_SELECT = (
    "SELECT t.timestamp, t.id, d.id, c.id, t.amount, t.pending_id, t.ledger, t.code, t.flags,"
    " t.timeout, t.user_data_128, t.user_data_64, t.user_data_32"
    " FROM transfers t JOIN accounts d ON d.timestamp = t.debit_account"
    " JOIN accounts c ON c.timestamp = t.credit_account"
)


def to_signed64(value: int) -> int:
    """Store an unsigned 64-bit user datum in a signed BIGINT column (two's complement)."""
    return value - _U64 if value >= _U64_SIGN else value


def from_signed64(value: int) -> int:
    """The inverse of `to_signed64`."""
    return value + _U64 if value < 0 else value


class StoredTransferIdError(Exception):
    """A transfer id of the batch was already stored (found by the unique constraint)."""


class ClockMovedError(Exception):
    """Another writer changed the ledger since this writer last read its clock."""


class LedgerRepository(ABC):
    """The SQL of one ledger connection. Every method runs inside the caller's transaction."""

    bind_mark = "?"
    round_trips_cost = False
    """Whether each statement costs a network round trip (worth avoiding for small batches)."""

    # -- the driver-specific parts ------------------------------------------------------

    def release(self) -> None:  # noqa: B027 - most drivers have nothing to undo
        """Undo what this repository changed on its connection, before the connection goes
        back to the pool for other units of work."""

    @abstractmethod
    def encode_id(self, value: int) -> Any:
        """A 128-bit id as the driver binds it."""

    @abstractmethod
    def decode_id(self, value: Any) -> int:
        """A 128-bit id as the driver returns it."""

    @abstractmethod
    def transaction(self, *, small: bool = False) -> AbstractContextManager[None]:
        """One atomic, durable unit of work; `last_timestamp` inside it takes the ledger's
        write lock. `small`: the body's only write is one `write_effects` of a few rows,
        guarded by the clock, so a store may send it as one self-committing statement.
        Raises StoredTransferIdError when a transfer id turns out to be stored already,
        ClockMovedError when a guarded write finds the clock moved."""

    @abstractmethod
    def read(self) -> AbstractContextManager[None]:
        """A consistent read-only view."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement and return its rows."""

    @abstractmethod
    def write(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement whose rows, if any, are not needed."""

    @abstractmethod
    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for every row."""

    @abstractmethod
    def select_in(self, sql: str, values: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """Run `sql` whose `{in}` marks where the set of `values` goes."""

    @abstractmethod
    def insert_transfer_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Write a batch's transfer rows (TRANSFER_COLUMNS order). An id stored already
        surfaces as StoredTransferIdError, at the latest when the transaction ends."""

    @abstractmethod
    def update_balance_rows(self, rows: list[tuple[int, int, int, int, int, int]]) -> None:
        """Write (key, debits_pending, debits_posted, credits_pending, credits_posted,
        last_transfer) rows."""

    @abstractmethod
    def lock_clause(self) -> str:
        """What a SELECT appends to lock the rows it reads until the transaction ends."""

    # -- the ledger's clock -------------------------------------------------------------

    def last_timestamp(self) -> int:
        """The newest timestamp handed out (locked for the transaction on PostgreSQL)."""
        return int(
            self.execute(
                f"SELECT last_timestamp FROM ledger_clock WHERE id = 1{self.lock_clause()}"
            )[0][0]
        )

    @abstractmethod
    def advance_clock(self, expected: int, value: int) -> None:
        """Set the clock to `value` if it still reads `expected`, else raise ClockMovedError
        (at the latest when the transaction ends)."""

    # -- loading --------------------------------------------------------------------------

    def _account(self, row: Sequence[Any]) -> Account:
        return Account(
            timestamp=row[0],
            id=self.decode_id(row[1]),
            ledger=row[2],
            code=row[3],
            flags=_ACCOUNT_FLAGS.get(row[4]) or AccountFlags(row[4]),
            user_data_128=self.decode_id(row[5]) if row[5] is not None else 0,
            user_data_64=from_signed64(row[6]),
            user_data_32=row[7],
            debits_pending=row[8],
            debits_posted=row[9],
            credits_pending=row[10],
            credits_posted=row[11],
            last_transfer=row[12],
        )

    def _transfer(self, row: Sequence[Any]) -> Transfer:
        decode = self.decode_id
        return Transfer(
            timestamp=row[0],
            id=decode(row[1]),
            debit_account_id=decode(row[2]),
            credit_account_id=decode(row[3]),
            amount=row[4],
            pending_id=decode(row[5]) if row[5] is not None else 0,
            ledger=row[6],
            code=row[7],
            flags=_TRANSFER_FLAGS.get(row[8]) or TransferFlags(row[8]),
            timeout=row[9],
            user_data_128=decode(row[10]) if row[10] is not None else 0,
            user_data_64=from_signed64(row[11]),
            user_data_32=row[12],
        )

    def accounts_by_id(self, ids: Iterable[int]) -> dict[int, Account]:
        """The stored accounts among `ids`, by id."""
        encoded = [self.encode_id(i) for i in ids]
        sql = f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id {{in}}"
        accounts = (self._account(row) for row in self.select_in(sql, encoded))
        return {a.id: a for a in accounts}

    def stored_transfer_ids(self, ids: Iterable[int]) -> set[int]:
        """Which of `ids` are already stored (a covering look-up in the unique index)."""
        encoded = [self.encode_id(i) for i in ids]
        return {
            self.decode_id(row[0])
            for row in self.select_in("SELECT id FROM transfers WHERE id {in}", encoded)
        }

    def transfers_by_id(self, ids: Iterable[int]) -> dict[int, Transfer]:
        """The stored transfers among `ids`, by id."""
        encoded = [self.encode_id(i) for i in ids]
        rows = self.select_in(f"{_TRANSFER_SELECT} WHERE t.id {{in}}", encoded)
        transfers = (self._transfer(row) for row in rows)
        return {t.id: t for t in transfers}

    def pendings_by_id(self, ids: Iterable[int]) -> dict[int, PendingRecord]:
        """The stored holds among transfer `ids`, by id, locked until commit on PostgreSQL."""
        encoded = [self.encode_id(i) for i in ids]
        sql = (
            f"SELECT p.status, p.expires_at, {_TRANSFER_SELECT[7:]}"
            " JOIN pending_transfers p ON p.timestamp = t.timestamp WHERE t.id {in}"
        )
        records = {}
        for row in self.select_in(sql, encoded):
            t = self._transfer(row[2:])
            records[t.id] = PendingRecord(t, t.timestamp, PendingStatus(row[0]), row[1])
        return records

    def lapsed_pendings(self, now: int, limit: int) -> list[PendingRecord]:
        """Open holds whose timeout has passed at `now`, oldest first."""
        p = self.bind_mark
        sql = (
            f"SELECT p.status, p.expires_at, {_TRANSFER_SELECT[7:]}"
            " JOIN pending_transfers p ON p.timestamp = t.timestamp"
            f" WHERE p.status = 'pending' AND p.expires_at > 0 AND p.expires_at <= {p}"
            f" ORDER BY p.expires_at LIMIT {p}"
        )
        records = []
        for row in self.execute(sql, (now, limit)):
            t = self._transfer(row[2:])
            records.append(PendingRecord(t, t.timestamp, PendingStatus(row[0]), row[1]))
        return records

    # -- writing --------------------------------------------------------------------------

    def insert_accounts(self, accounts: Sequence[Account]) -> None:
        """Insert newly created accounts."""
        encode = self.encode_id
        marks = ", ".join([self.bind_mark] * 13)
        self.execute_many(
            f"INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES ({marks})",
            [
                (
                    a.timestamp,
                    encode(a.id),
                    a.ledger,
                    a.code,
                    int(a.flags),
                    encode(a.user_data_128) if a.user_data_128 else None,
                    to_signed64(a.user_data_64),
                    a.user_data_32,
                    0,
                    0,
                    0,
                    0,
                    0,
                )
                for a in accounts
            ],
        )

    def transfer_rows(self, applied: Sequence[Applied]) -> list[tuple[Any, ...]]:
        """A batch's applied transfers as rows of TRANSFER_COLUMNS."""
        encode = self.encode_id
        return [
            (
                ts,
                encode(t.id),
                dr,
                cr,
                t.amount,
                encode(t.pending_id) if t.pending_id else None,
                t.ledger,
                t.code,
                int(t.flags),
                t.timeout,
                encode(t.user_data_128) if t.user_data_128 else None,
                to_signed64(t.user_data_64) if t.user_data_64 else 0,
                t.user_data_32,
                dr_prev,
                cr_prev,
            )
            for ts, t, dr, cr, dr_prev, cr_prev in applied
        ]

    def insert_transfers(self, applied: Sequence[Applied]) -> None:
        """Write a batch's applied transfers (a store may specialise the common shapes)."""
        self.insert_transfer_rows(self.transfer_rows(applied))

    @staticmethod
    def balance_rows(accounts: Iterable[Account]) -> list[tuple[int, int, int, int, int, int]]:
        """(key, debits_pending, debits_posted, credits_pending, credits_posted, last_transfer)."""
        return [
            (
                a.timestamp,
                a.debits_pending,
                a.debits_posted,
                a.credits_pending,
                a.credits_posted,
                a.last_transfer,
            )
            for a in accounts
        ]

    @staticmethod
    def pending_rows(
        effects: Effects,
    ) -> tuple[list[tuple[int, str, int]], list[tuple[str, int]]]:
        """Holds to open as (key, status, expires_at) and holds to settle as (status, key).

        A hold opened and settled in the same batch is opened with its final status.
        """
        settled = effects.settled_pendings
        opened = {r.timestamp for r in effects.new_pendings}
        new_rows = [
            (r.timestamp, settled.get(r.transfer.id, r).status.value, r.expires_at)
            for r in effects.new_pendings
        ]
        settled_rows = [
            (r.status.value, r.timestamp) for r in settled.values() if r.timestamp not in opened
        ]
        return new_rows, settled_rows

    @staticmethod
    def history_rows(history: Sequence[tuple[Account, AccountBalance]]) -> list[tuple[int, ...]]:
        """(account key, timestamp, debits_pending, debits_posted, credits_pending,
        credits_posted)."""
        return [
            (
                a.timestamp,
                b.timestamp,
                b.debits_pending,
                b.debits_posted,
                b.credits_pending,
                b.credits_posted,
            )
            for a, b in history
        ]

    def write_effects(self, effects: Effects, expected: int, value: int) -> None:
        """Write a batch's effects and move the clock from `expected` to `value`."""
        if effects.transfers:
            self.insert_transfers(effects.transfers)
        balances = self.balance_rows(effects.accounts.values())
        if balances:
            self.update_balance_rows(balances)
        new_pendings, settled = self.pending_rows(effects)
        p = self.bind_mark
        if new_pendings:
            self.execute_many(
                "INSERT INTO pending_transfers (timestamp, status, expires_at)"
                f" VALUES ({p}, {p}, {p})",
                new_pendings,
            )
        if settled:
            self.execute_many(
                f"UPDATE pending_transfers SET status = {p} WHERE timestamp = {p}", settled
            )
        history = self.history_rows(effects.history)
        if history:
            self.execute_many(
                "INSERT INTO account_balances (account, timestamp, debits_pending, debits_posted,"
                f" credits_pending, credits_posted) VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
                history,
            )
        self.advance_clock(expected, value)

    # -- reading ---------------------------------------------------------------------------

    def account_transfers(
        self, account: Account, before: int | None, since: int, limit: int
    ) -> list[Transfer]:
        """Up to `limit` of an account's transfers, newest first, older than `before` and
        newer than `since`, found by walking the account's chain of transfers."""
        p = self.bind_mark
        if before is None:
            start = account.last_transfer
        else:
            rows = self.execute(
                f"SELECT CASE WHEN debit_account = {p} THEN debit_prev ELSE credit_prev END"
                f" FROM transfers WHERE timestamp = {p}"
                f" AND (debit_account = {p} OR credit_account = {p})",
                (account.timestamp, before, account.timestamp, account.timestamp),
            )
            start = rows[0][0] if rows else 0
        if start <= since:
            return []
        sql = (
            "WITH RECURSIVE walk(ts, n) AS ("
            f" SELECT CAST({p} AS BIGINT), 1"
            " UNION ALL"
            f" SELECT CASE WHEN t.debit_account = {p} THEN t.debit_prev ELSE t.credit_prev END,"
            "  walk.n + 1 FROM walk JOIN transfers t ON t.timestamp = walk.ts"
            f"  WHERE walk.n < {p} AND walk.ts > {p})"
            f" {_TRANSFER_SELECT} JOIN walk ON walk.ts = t.timestamp"
            f" WHERE t.timestamp > {p} ORDER BY t.timestamp DESC"
        )
        rows = self.execute(sql, (start, account.timestamp, limit, since, since))
        return [self._transfer(row) for row in rows]

    def balance_as_of(self, account_id: int, timestamp: int) -> AccountBalance | None:
        """A `history` account's balances just after the last change at or before `timestamp`."""
        p = self.bind_mark
        rows = self.execute(
            "SELECT b.timestamp, b.debits_pending, b.debits_posted, b.credits_pending,"
            " b.credits_posted FROM account_balances b JOIN accounts a ON a.timestamp = b.account"
            f" WHERE a.id = {p} AND b.timestamp <= {p} ORDER BY b.timestamp DESC LIMIT 1",
            (self.encode_id(account_id), timestamp),
        )
        return AccountBalance(*rows[0]) if rows else None
