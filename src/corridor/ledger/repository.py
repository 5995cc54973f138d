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

from corridor.ledger.engine import PendingRecord
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
    " debits_pending, debits_posted, credits_pending, credits_posted"
)
TRANSFER_COLUMNS = (
    "timestamp, id, debit_account, credit_account, amount, pending_id, ledger, code, flags,"
    " timeout, user_data_128, user_data_64, user_data_32"
)
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


class LedgerRepository(ABC):
    """The SQL of one ledger connection. Every method runs inside the caller's transaction."""

    placeholder = "?"

    # -- the driver-specific parts ------------------------------------------------------

    @abstractmethod
    def encode_id(self, value: int) -> Any:
        """A 128-bit id as the driver binds it."""

    @abstractmethod
    def decode_id(self, value: Any) -> int:
        """A 128-bit id as the driver returns it."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """One atomic, durable unit of work that holds the ledger's write lock."""

    @abstractmethod
    def read(self) -> AbstractContextManager[None]:
        """A consistent read-only view."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement and return its rows."""

    @abstractmethod
    def execute_many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement for every row."""

    @abstractmethod
    def select_in(self, sql: str, values: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """Run `sql` whose `{in}` marks where the set of `values` goes."""

    @abstractmethod
    def insert_transfer_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Write a batch's transfer rows (TRANSFER_COLUMNS order)."""

    @abstractmethod
    def update_balance_rows(self, rows: list[tuple[int, int, int, int, int]]) -> None:
        """Write (key, debits_pending, debits_posted, credits_pending, credits_posted) rows."""

    @abstractmethod
    def lock_clause(self) -> str:
        """What a SELECT appends to lock the rows it reads until the transaction ends."""

    # -- the ledger's clock -------------------------------------------------------------

    def last_timestamp(self) -> int:
        """The newest timestamp handed out (locked for the transaction on PostgreSQL)."""
        return int(self.execute(f"SELECT last_timestamp FROM ledger_clock WHERE id = 1{self.lock_clause()}")[0][0])

    def set_last_timestamp(self, value: int) -> None:
        """Advance the clock past what this transaction handed out."""
        p = self.placeholder
        self.execute(f"UPDATE ledger_clock SET last_timestamp = {p} WHERE id = 1", (value,))

    # -- loading --------------------------------------------------------------------------

    def _account(self, row: Sequence[Any]) -> Account:
        return Account(
            timestamp=row[0], id=self.decode_id(row[1]), ledger=row[2], code=row[3],
            flags=AccountFlags(row[4]),
            user_data_128=self.decode_id(row[5]) if row[5] is not None else 0,
            user_data_64=from_signed64(row[6]), user_data_32=row[7],
            debits_pending=row[8], debits_posted=row[9],
            credits_pending=row[10], credits_posted=row[11],
        )

    def _transfer(self, row: Sequence[Any]) -> Transfer:
        decode = self.decode_id
        return Transfer(
            timestamp=row[0], id=decode(row[1]), debit_account_id=decode(row[2]),
            credit_account_id=decode(row[3]), amount=row[4],
            pending_id=decode(row[5]) if row[5] is not None else 0,
            ledger=row[6], code=row[7], flags=TransferFlags(row[8]), timeout=row[9],
            user_data_128=decode(row[10]) if row[10] is not None else 0,
            user_data_64=from_signed64(row[11]), user_data_32=row[12],
        )

    def accounts_by_id(self, ids: Iterable[int], *, lock: bool = False) -> dict[int, Account]:
        """The stored accounts among `ids`, by id; locked until commit when asked."""
        encoded = [self.encode_id(i) for i in ids]
        sql = f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id {{in}} ORDER BY id"
        if lock:
            sql += self.lock_clause()
        accounts = (self._account(row) for row in self.select_in(sql, encoded))
        return {a.id: a for a in accounts}

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
            records[t.id] = PendingRecord(t, PendingStatus(row[0]), row[1])
        return records

    def lapsed_pendings(self, now: int, limit: int) -> list[PendingRecord]:
        """Open holds whose timeout has passed at `now`, oldest first."""
        p = self.placeholder
        sql = (
            f"SELECT p.status, p.expires_at, {_TRANSFER_SELECT[7:]}"
            " JOIN pending_transfers p ON p.timestamp = t.timestamp"
            f" WHERE p.status = 'pending' AND p.expires_at > 0 AND p.expires_at <= {p}"
            f" ORDER BY p.expires_at LIMIT {p}"
        )
        return [
            PendingRecord(self._transfer(row[2:]), PendingStatus(row[0]), row[1])
            for row in self.execute(sql, (now, limit))
        ]

    # -- writing --------------------------------------------------------------------------

    def insert_accounts(self, accounts: Sequence[Account]) -> None:
        """Insert newly created accounts."""
        encode = self.encode_id
        marks = ", ".join([self.placeholder] * 12)
        self.execute_many(
            f"INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES ({marks})",
            [
                (a.timestamp, encode(a.id), a.ledger, a.code, int(a.flags),
                 encode(a.user_data_128) if a.user_data_128 else None,
                 to_signed64(a.user_data_64), a.user_data_32, 0, 0, 0, 0)
                for a in accounts
            ],
        )

    def insert_transfers(self, transfers: Sequence[Transfer], accounts: dict[int, Account]) -> None:
        """Insert applied transfers; `accounts` maps each account id to its stored key."""
        encode = self.encode_id
        rows = [
            (t.timestamp, encode(t.id), accounts[t.debit_account_id].timestamp,
             accounts[t.credit_account_id].timestamp, t.amount,
             encode(t.pending_id) if t.pending_id else None, t.ledger, t.code, int(t.flags),
             t.timeout, encode(t.user_data_128) if t.user_data_128 else None,
             to_signed64(t.user_data_64) if t.user_data_64 else 0, t.user_data_32)
            for t in transfers
        ]
        self.insert_transfer_rows(rows)

    def update_balances(self, accounts: Iterable[Account]) -> None:
        """Write each account's final balances once per batch."""
        self.update_balance_rows([
            (a.timestamp, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
            for a in accounts
        ])

    def insert_pendings(self, records: Sequence[PendingRecord]) -> None:
        """Open new holds."""
        p = self.placeholder
        self.execute_many(
            f"INSERT INTO pending_transfers (timestamp, status, expires_at) VALUES ({p}, {p}, {p})",
            [(r.transfer.timestamp, r.status.value, r.expires_at) for r in records],
        )

    def update_pendings(self, records: Iterable[PendingRecord]) -> None:
        """Record holds that were posted, voided or expired."""
        p = self.placeholder
        self.execute_many(
            f"UPDATE pending_transfers SET status = {p} WHERE timestamp = {p}",
            [(r.status.value, r.transfer.timestamp) for r in records],
        )

    def insert_history(self, history: Sequence[tuple[Account, AccountBalance]]) -> None:
        """Keep balance snapshots of `history` accounts."""
        p = self.placeholder
        self.execute_many(
            "INSERT INTO account_balances (account, timestamp, debits_pending, debits_posted,"
            f" credits_pending, credits_posted) VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
            [
                (a.timestamp, b.timestamp, b.debits_pending, b.debits_posted,
                 b.credits_pending, b.credits_posted)
                for a, b in history
            ],
        )

    # -- reading ---------------------------------------------------------------------------

    def account_transfers(self, account_id: int, after: int, limit: int) -> list[Transfer]:
        """An account's transfers (either side) with timestamps after `after`, oldest first."""
        p = self.placeholder
        key_rows = self.execute(f"SELECT timestamp FROM accounts WHERE id = {p}", (self.encode_id(account_id),))
        if not key_rows:
            return []
        key = key_rows[0][0]
        sql = (
            f"{_TRANSFER_SELECT} WHERE t.timestamp IN ("
            f" SELECT timestamp FROM (SELECT timestamp FROM transfers WHERE debit_account = {p}"
            f"  AND timestamp > {p} ORDER BY timestamp LIMIT {p}) dr"
            f" UNION ALL SELECT timestamp FROM (SELECT timestamp FROM transfers"
            f"  WHERE credit_account = {p} AND timestamp > {p} ORDER BY timestamp LIMIT {p}) cr)"
            f" ORDER BY t.timestamp LIMIT {p}"
        )
        rows = self.execute(sql, (key, after, limit, key, after, limit, limit))
        return [self._transfer(row) for row in rows]

    def balance_as_of(self, account_id: int, timestamp: int) -> AccountBalance | None:
        """A `history` account's balances just after the last change at or before `timestamp`."""
        p = self.placeholder
        rows = self.execute(
            "SELECT b.timestamp, b.debits_pending, b.debits_posted, b.credits_pending,"
            " b.credits_posted FROM account_balances b JOIN accounts a ON a.timestamp = b.account"
            f" WHERE a.id = {p} AND b.timestamp <= {p} ORDER BY b.timestamp DESC LIMIT 1",
            (self.encode_id(account_id), timestamp),
        )
        return AccountBalance(*rows[0]) if rows else None
