"""The ledger as callers use it: batches in, one result per event out, each batch atomic."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Engine

from corridor.ledger.engine import Snapshot, apply_accounts, apply_transfers, expire_pendings
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
from corridor.ledger.repository import LedgerRepository
from corridor.money import is_currency

PAGE_MAX = 1000


class BatchTooLargeError(ValueError):
    """A batch carries at most BATCH_MAX events, so that one commit stays short."""


def _now() -> int:
    return time.time_ns()


def open_repository(engine: Engine) -> tuple[LedgerRepository, Any]:
    """A repository on a fresh DBAPI connection of `engine`, and that connection's owner."""
    owner = engine.raw_connection()
    connection = owner.driver_connection
    if engine.dialect.name == "sqlite":
        from corridor.ledger.sqlite import SqliteRepository

        return SqliteRepository(connection), owner  # type: ignore[arg-type]
    from corridor.ledger.postgres import PostgresRepository

    return PostgresRepository(connection), owner  # type: ignore[arg-type]


class Ledger:
    """A multi-currency double-entry ledger with TigerBeetle's semantics (docs/ledger.md).

    Business rejections come back as result codes, never as exceptions; a batch commits
    as a whole or not at all, and a committed batch is durable.
    """

    def __init__(self, engine: Engine, *, clock: Any = _now) -> None:
        self.repo, self._owner = open_repository(engine)
        self.clock = clock

    def close(self) -> None:
        """Give the connection back."""
        self._owner.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _next_timestamp_base(self, last: int) -> tuple[int, int]:
        # Timestamps are wall-clock nanoseconds where possible and strictly increasing
        # always, so they order every event and double as the store's keys.
        now = self.clock()
        return now, max(last, now - 1)

    def create_accounts(self, batch: Sequence[Account]) -> list[CreateAccountResult]:
        """Create accounts; one result per account (ok, exists, or why it was refused)."""
        _check_size(batch)
        if not batch:
            return []
        repo = self.repo
        with repo.transaction():
            _, base = self._next_timestamp_base(repo.last_timestamp())
            ids = [a.id for a in batch if 0 < a.id < ID_MAX]
            stored = repo.accounts_by_id(ids)
            results, created = apply_accounts(
                batch, stored, last_timestamp=base, is_currency=is_currency
            )
            if created:
                repo.insert_accounts(created)
                repo.set_last_timestamp(created[-1].timestamp)
        return results

    def create_transfers(self, batch: Sequence[Transfer]) -> list[CreateTransferResult]:
        """Apply transfers in order; one result per transfer, the batch atomic and durable."""
        _check_size(batch)
        if not batch:
            return []
        repo = self.repo
        with repo.transaction():
            now, base = self._next_timestamp_base(repo.last_timestamp())
            event_ids = {t.id for t in batch if 0 < t.id < ID_MAX}
            pending_ids = {t.pending_id for t in batch if 0 < t.pending_id < ID_MAX}
            pendings = repo.pendings_by_id(pending_ids) if pending_ids else {}
            account_ids = {t.debit_account_id for t in batch if 0 < t.debit_account_id <= ID_MAX}
            account_ids.update(t.credit_account_id for t in batch if 0 < t.credit_account_id <= ID_MAX)
            for record in pendings.values():
                account_ids.add(record.transfer.debit_account_id)
                account_ids.add(record.transfer.credit_account_id)
            snapshot = Snapshot(
                accounts=repo.accounts_by_id(account_ids, lock=True),
                transfers=repo.transfers_by_id(event_ids | pending_ids),
                pendings=pendings,
            )
            results, effects = apply_transfers(
                batch, snapshot, now=now, last_timestamp=base, is_currency=is_currency
            )
            if effects.transfers:
                repo.insert_transfers(effects.transfers, snapshot.accounts)
                repo.update_balances(effects.accounts.values())
                if effects.new_pendings:
                    repo.insert_pendings(effects.new_pendings)
                if effects.settled_pendings:
                    repo.update_pendings(effects.settled_pendings.values())
                if effects.history:
                    repo.insert_history(effects.history)
                repo.set_last_timestamp(effects.transfers[-1].timestamp)
        return results

    def expire_pending_transfers(self, limit: int = BATCH_MAX) -> int:
        """Void holds whose timeout has passed (the sweep); returns how many lapsed."""
        repo = self.repo
        with repo.transaction():
            now, base = self._next_timestamp_base(repo.last_timestamp())
            records = repo.lapsed_pendings(now, limit)
            if not records:
                return 0
            ids = {r.transfer.debit_account_id for r in records}
            ids.update(r.transfer.credit_account_id for r in records)
            accounts = repo.accounts_by_id(ids, lock=True)
            effects = expire_pendings(records, accounts, last_timestamp=base)
            repo.update_balances(effects.accounts.values())
            repo.update_pendings(effects.settled_pendings.values())
            if effects.history:
                repo.insert_history(effects.history)
            repo.set_last_timestamp(base + len(records))
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
        self, account_id: int, *, after: int = 0, limit: int = 100
    ) -> TransferPage:
        """One page of an account's transfers, oldest first, after timestamp `after`."""
        limit = max(1, min(limit, PAGE_MAX))
        with self.repo.read():
            rows = self.repo.account_transfers(account_id, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return TransferPage(rows, rows[-1].timestamp if more else None)

    def get_account_balance(self, account_id: int, as_of: int) -> AccountBalance | None:
        """A `history` account's balances as of `as_of` (ledger nanoseconds).

        None when the account does not exist, did not exist yet at that moment, or does
        not keep history.
        """
        with self.repo.read():
            found = self.repo.accounts_by_id([account_id])
            account = found.get(account_id)
            if account is None or account.timestamp > as_of or not account.flags & AccountFlags.HISTORY:
                return None
            kept = self.repo.balance_as_of(account_id, as_of)
        return kept or AccountBalance(account.timestamp, 0, 0, 0, 0)


def _check_size(batch: Sequence[object]) -> None:
    if len(batch) > BATCH_MAX:
        raise BatchTooLargeError(f"a batch holds at most {BATCH_MAX} events, not {len(batch)}")
