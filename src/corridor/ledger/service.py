"""The ledger as callers use it: batches in, one result per event out, each batch atomic."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.engine import Engine

from corridor.ledger.engine import (
    Effects,
    Snapshot,
    apply_accounts,
    apply_transfers,
    expire_pendings,
)
from corridor.ledger.model import (
    BATCH_MAX,
    ID_MAX,
    Account,
    AccountBalance,
    AccountFlags,
    CreateAccountResult,
    CreateTransferResult,
    Transfer,
    TransferPage,
)
from corridor.ledger.postgres import PostgresRepository
from corridor.ledger.repository import (
    ClockMovedError,
    LedgerRepository,
    StoredTransferIdError,
)
from corridor.ledger.sqlite import SqliteRepository
from corridor.money import is_currency

PAGE_MAX = 1000
_SMALL_BATCH = 64  # up to this many events, a batch is written in as few round trips as can be
_CACHE_MAX = 1_000_000  # accounts kept in memory between batches


class _CarefulRetryNeededError(Exception):
    """The optimistic attempt cannot stand: it met a stored id, or refused an event on
    accounts it had not read under the lock. The batch is decided again, carefully."""


class BatchTooLargeError(ValueError):
    """A batch carries at most BATCH_MAX events, so that one commit stays short."""


def _now() -> int:
    return time.time_ns()


def open_repository(engine: Engine) -> tuple[LedgerRepository, Any]:
    """A repository on a fresh DBAPI connection of `engine`, and that connection's owner."""
    owner = engine.raw_connection()
    connection = owner.driver_connection
    if engine.dialect.name == "sqlite":
        return SqliteRepository(connection), owner  # type: ignore[arg-type]
    return PostgresRepository(connection), owner  # type: ignore[arg-type]


class _Clock:
    """The ledger's clock inside one write transaction.

    Timestamps are wall-clock nanoseconds where possible and strictly increasing always,
    so they order every event and double as the store's keys: a batch hands out
    `base + 1, base + 2, …` and, at the end, moves the stored clock past them on the
    condition that it still reads `read` — the writer's proof that nobody else wrote
    in between (which matters when `read` came from memory rather than a locked read).
    """

    __slots__ = ("base", "last", "now", "read", "repo", "trusted", "written")

    def __init__(self, repo: LedgerRepository, now: int, read: int, *, trusted: bool) -> None:
        self.repo = repo
        self.now = now
        self.read = read
        self.trusted = trusted
        self.last = read
        self.base = max(read, now - 1)
        self.written = False

    def write(self, effects: Effects, timestamp: int) -> None:
        """Write a batch's effects and move the clock past `timestamp`, the last handed out."""
        self.repo.write_effects(effects, self.read, timestamp)
        self.last = timestamp
        self.written = True


class Ledger:
    """A multi-currency double-entry ledger with TigerBeetle's semantics (docs/ledger.md).

    Business rejections come back as result codes, never as exceptions; a batch commits
    as a whole or not at all, and a committed batch is durable.

    The ledger keeps the accounts it has seen in memory between batches. That copy is
    trusted only while the ledger's clock still reads what this instance last wrote:
    any other writer advances the clock, and the copy is dropped.

    A Ledger holds one database connection: use one per thread or process (any number
    of them may write to the same database at once).
    """

    def __init__(self, engine: Engine, *, clock: Any = _now) -> None:
        self.repo, self._owner = open_repository(engine)
        self.clock = clock
        self._accounts: dict[int, Account] = {}
        self._accounts_as_of = -1

    def close(self) -> None:
        """Give the connection back, as the pool lent it."""
        self.repo.release()
        self._owner.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self, size: int = BATCH_MAX, *, trusting: bool = False) -> Iterator[_Clock]:
        """A write transaction under the ledger's write lock; keeps the account cache true.

        `trusting` (for small batches where round trips cost) skips the locked read of the
        clock and takes the clock this ledger last wrote instead; the conditional advance
        at the end then fails with ClockMovedError if anyone else wrote meanwhile.
        """
        repo = self.repo
        trusting = (
            trusting
            and size <= _SMALL_BATCH
            and repo.round_trips_cost
            and self._accounts_as_of >= 0
        )
        try:
            with _collector_paused(), repo.transaction(small=trusting):
                read = self._accounts_as_of if trusting else repo.last_timestamp()
                if read != self._accounts_as_of or len(self._accounts) > _CACHE_MAX:
                    self._accounts = {}
                clock = _Clock(repo, self.clock(), read, trusted=trusting)
                yield clock
                if trusting and not clock.written:  # prove the cache was current
                    repo.advance_clock(read, read)
                self._accounts_as_of = clock.last
        except BaseException:
            # The batch's in-memory changes to cached accounts were not committed.
            self._accounts = {}
            self._accounts_as_of = -1
            raise

    def _load_accounts(self, ids: set[int]) -> dict[int, Account]:
        """The cached accounts, completed with any of `ids` that are stored but not cached."""
        cache = self._accounts
        missing = [i for i in ids if i not in cache and 0 < i <= ID_MAX]
        if missing:
            cache.update(self.repo.accounts_by_id(missing))
        return cache

    def create_accounts(self, batch: Sequence[Account]) -> list[CreateAccountResult]:
        """Create accounts; one result per account (ok, exists, or why it was refused)."""
        _check_size(batch)
        if not batch:
            return []
        with self._write() as clock:
            ids = {a.id for a in batch if 0 < a.id < ID_MAX}
            stored = self._load_accounts(ids)
            results, created = apply_accounts(
                batch, stored, last_timestamp=clock.base, is_currency=is_currency
            )
            if created:
                self.repo.insert_accounts(created)
                clock.write(Effects(), created[-1].timestamp)
                for account in created:
                    stored[account.id] = account
        return results

    def create_transfers(self, batch: Sequence[Transfer]) -> list[CreateTransferResult]:
        """Apply transfers in order; one result per transfer, the batch atomic and durable."""
        _check_size(batch)
        if not batch:
            return []
        try:
            return self._create_transfers(batch, optimistic=True)
        except (_CarefulRetryNeededError, StoredTransferIdError, ClockMovedError):
            return self._create_transfers(batch, optimistic=False)

    def _create_transfers(
        self, batch: Sequence[Transfer], *, optimistic: bool
    ) -> list[CreateTransferResult]:
        """One attempt at a batch.

        Most batches carry only new ids, so the optimistic attempt does not look them up
        first: the unique constraint on transfer ids answers for the applied ones, and
        a look-up of the few rejected ones (whose answer might have been `exists`)
        answers for the rest. If either finds a stored id, the attempt rolls back and
        the careful one, which looks every id up first, decides the batch. A small
        optimistic batch also trusts the clock this ledger last wrote (see `_write`), and
        any rejection in it is re-decided carefully, since the cache might have been stale.
        """
        repo = self.repo
        with self._write(len(batch), trusting=optimistic) as clock:
            pending_ids = {t.pending_id for t in batch if t.pending_id}
            pending_ids = {i for i in pending_ids if 0 < i < ID_MAX}
            pendings = repo.pendings_by_id(pending_ids) if pending_ids else {}
            account_ids = {t.debit_account_id for t in batch}
            account_ids.update([t.credit_account_id for t in batch])
            for record in pendings.values():
                account_ids.add(record.transfer.debit_account_id)
                account_ids.add(record.transfer.credit_account_id)
            stored_ids = pending_ids - pendings.keys()
            if not optimistic:
                stored_ids |= repo.stored_transfer_ids({t.id for t in batch if 0 < t.id < ID_MAX})
            snapshot = Snapshot(
                accounts=self._load_accounts(account_ids),
                transfers=repo.transfers_by_id(stored_ids) if stored_ids else {},
                pendings=pendings,
            )
            results, effects = apply_transfers(
                batch, snapshot, now=clock.now, last_timestamp=clock.base, is_currency=is_currency
            )
            all_ok = results.count(CreateTransferResult.OK) == len(results)
            if clock.trusted and not all_ok:
                raise _CarefulRetryNeededError
            if optimistic and not all_ok:
                rejected = {
                    t.id
                    for t, r in zip(batch, results, strict=True)
                    if r is not CreateTransferResult.OK and 0 < t.id < ID_MAX
                }
                if rejected and repo.stored_transfer_ids(rejected - snapshot.transfers.keys()):
                    raise _CarefulRetryNeededError
            if effects.transfers:
                clock.write(effects, effects.transfers[-1][0])
        return results

    def expire_pending_transfers(self, limit: int = BATCH_MAX) -> int:
        """Void holds whose timeout has passed (the sweep); returns how many lapsed."""
        repo = self.repo
        with self._write() as clock:
            records = repo.lapsed_pendings(clock.now, limit)
            if not records:
                return 0
            ids = {r.transfer.debit_account_id for r in records}
            ids.update(r.transfer.credit_account_id for r in records)
            effects = expire_pendings(records, self._load_accounts(ids), last_timestamp=clock.base)
            clock.write(effects, clock.base + len(records))
        return len(records)

    def lookup_accounts(self, ids: Sequence[int]) -> list[Account]:
        """The accounts among `ids` that exist, in the order asked."""
        with self.repo.read():
            found = self.repo.accounts_by_id([i for i in ids if 0 < i <= ID_MAX])
        return [found[i] for i in ids if i in found]

    def lookup_transfers(self, ids: Sequence[int]) -> list[Transfer]:
        """The transfers among `ids` that exist, in the order asked."""
        with self.repo.read():
            found = self.repo.transfers_by_id([i for i in ids if 0 < i <= ID_MAX])
        return [found[i] for i in ids if i in found]

    def get_account_transfers(
        self,
        account_id: int,
        *,
        before: int | None = None,
        since: int = 0,
        limit: int = 100,
    ) -> TransferPage:
        """One page of an account's transfers, newest first.

        `before` (a transfer's timestamp, e.g. the previous page's `next_before`) and
        `since` (exclusive) bound the page in time; `limit` is capped at PAGE_MAX.
        """
        limit = max(1, min(limit, PAGE_MAX))
        with self.repo.read():
            found = self.repo.accounts_by_id([account_id]) if 0 < account_id <= ID_MAX else {}
            account = found.get(account_id)
            if account is None:
                return TransferPage([], None)
            rows = self.repo.account_transfers(account, before, since, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return TransferPage(rows, rows[-1].timestamp if more else None)

    def get_account_balance(self, account_id: int, as_of: int) -> AccountBalance | None:
        """A `history` account's balances as of `as_of` (ledger nanoseconds).

        None when the account does not exist, did not exist yet at that moment, or does
        not keep history.
        """
        with self.repo.read():
            found = self.repo.accounts_by_id([account_id]) if 0 < account_id <= ID_MAX else {}
            account = found.get(account_id)
            if (
                account is None
                or account.timestamp > as_of
                or not account.flags & AccountFlags.HISTORY
            ):
                return None
            kept = self.repo.balance_as_of(account_id, as_of)
        return kept or AccountBalance(account.timestamp, 0, 0, 0, 0)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for one batch.

    A batch allocates tens of thousands of small acyclic objects, which reference counting
    frees; left running, the collector rescans every cached account on the way and
    nearly doubles the cost of the rules.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_size(batch: Sequence[object]) -> None:
    if len(batch) > BATCH_MAX:
        raise BatchTooLargeError(f"a batch holds at most {BATCH_MAX} events, not {len(batch)}")
