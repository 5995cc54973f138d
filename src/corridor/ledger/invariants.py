"""The ledger's invariants, verified from the stored rows (what `corridor check` runs).

Each invariant is re-derived from the journal rather than trusted from the balances, so
a balance that drifted from its transfers, a half-written batch or a hand-edited row is
found and named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from corridor.ledger.model import AccountFlags, TransferFlags

_PENDING = int(TransferFlags.PENDING)
_POST = int(TransferFlags.POST_PENDING_TRANSFER)
_VOID = int(TransferFlags.VOID_PENDING_TRANSFER)
_DR_GUARD = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
_CR_GUARD = int(AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
_HISTORY = int(AccountFlags.HISTORY)
_SHOWN = 5  # how many offenders each failed invariant names


@dataclass(frozen=True, slots=True)
class InvariantResult:
    """One invariant and what, if anything, breaks it."""

    name: str
    description: str
    problems: tuple[str, ...]

    @property
    def holds(self) -> bool:
        """True when nothing breaks the invariant."""
        return not self.problems


def _rows(connection: Connection, sql: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in connection.execute(sa.text(sql))]


def _limit(problems: list[str]) -> tuple[str, ...]:
    if len(problems) > _SHOWN:
        return (*problems[:_SHOWN], f"… and {len(problems) - _SHOWN} more")
    return tuple(problems)


def _hex(value: object) -> str:
    """An id as it is stored (bytes on SQLite, uuid text on PostgreSQL, or an int where
    the connection was taught to load uuids as ints), shown as hex."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, int):
        return f"{value:032x}"
    return str(value).replace("-", "")


def debits_equal_credits(connection: Connection) -> list[str]:
    """Per currency, total debits equal total credits, posted and pending alike."""
    rows = _rows(
        connection,
        """
        SELECT ledger, SUM(debits_posted), SUM(credits_posted),
               SUM(debits_pending), SUM(credits_pending)
        FROM accounts GROUP BY ledger ORDER BY ledger""",
    )
    return [
        f"{ledger}: debits posted {dpo} vs credits posted {cpo},"
        f" debits pending {dp} vs credits pending {cp}"
        for ledger, dpo, cpo, dp, cp in rows
        if dpo != cpo or dp != cp
    ]


def balances_match_the_journal(connection: Connection) -> list[str]:
    """Every account's four balances equal the sums of the transfers that touched it."""
    journal: dict[object, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    # Posted: plain transfers and posts. Pending: holds still open.
    for side, index in (("debit_account", 1), ("credit_account", 3)):
        for key, total in _rows(
            connection,
            f"""
                SELECT {side}, SUM(amount) FROM transfers
                WHERE (flags & {_PENDING | _VOID}) = 0 GROUP BY {side}""",
        ):
            journal[key][index] += int(total)  # type: ignore[call-overload]
        for key, total in _rows(
            connection,
            f"""
                SELECT t.{side}, SUM(t.amount) FROM transfers t
                JOIN pending_transfers p ON p.timestamp = t.timestamp
                WHERE p.status = 'pending' GROUP BY t.{side}""",
        ):
            journal[key][index - 1] += int(total)  # type: ignore[call-overload]
    problems = []
    for key, account_id, dp, dpo, cp, cpo in _rows(
        connection,
        """
            SELECT timestamp, id, debits_pending, debits_posted, credits_pending, credits_posted
            FROM accounts ORDER BY timestamp""",
    ):
        expected = journal.pop(key, [0, 0, 0, 0])
        if [dp, dpo, cp, cpo] != expected:
            problems.append(
                f"account {_hex(account_id)}: stored (dp, dpo, cp, cpo) {(dp, dpo, cp, cpo)}"
                f" but its transfers sum to {tuple(expected)}"
            )
    problems.extend(f"transfers name account key {key}, which does not exist" for key in journal)
    return problems


def accounts_keep_their_flags(connection: Connection) -> list[str]:
    """No balance is negative and no account breaks its own balance guard."""
    rows = _rows(
        connection,
        f"""
        SELECT id, flags, debits_pending, debits_posted, credits_pending, credits_posted
        FROM accounts
        WHERE debits_pending < 0 OR debits_posted < 0 OR credits_pending < 0 OR credits_posted < 0
           OR ((flags & {_DR_GUARD}) <> 0 AND debits_pending + debits_posted > credits_posted)
           OR ((flags & {_CR_GUARD}) <> 0 AND credits_pending + credits_posted > debits_posted)""",
    )
    return [
        f"account {_hex(i)} (flags {f}): dp {dp}, dpo {dpo}, cp {cp}, cpo {cpo}"
        for i, f, dp, dpo, cp, cpo in rows
    ]


def transfer_ids_are_unique(connection: Connection) -> list[str]:
    """No transfer id (and no account id) was applied twice."""
    problems = [
        f"transfer id {_hex(i)} stored {n} times"
        for i, n in _rows(
            connection, "SELECT id, COUNT(*) FROM transfers GROUP BY id HAVING COUNT(*) > 1"
        )
    ]
    problems += [
        f"account id {_hex(i)} stored {n} times"
        for i, n in _rows(
            connection, "SELECT id, COUNT(*) FROM accounts GROUP BY id HAVING COUNT(*) > 1"
        )
    ]
    return problems


def one_currency_per_transfer(connection: Connection) -> list[str]:
    """Both accounts of every transfer are on the transfer's ledger (currency)."""
    rows = _rows(
        connection,
        """
        SELECT t.id, t.ledger, d.ledger, c.ledger FROM transfers t
        LEFT JOIN accounts d ON d.timestamp = t.debit_account
        LEFT JOIN accounts c ON c.timestamp = t.credit_account
        WHERE d.ledger IS NULL OR c.ledger IS NULL
           OR d.ledger <> t.ledger OR c.ledger <> t.ledger""",
    )
    return [
        f"transfer {_hex(i)} on {t}: debit account on {d}, credit account on {c}"
        for i, t, d, c in rows
    ]


def holds_are_accounted_for(connection: Connection) -> list[str]:
    """Every pending transfer is posted, voided, expired or still open — exactly one of them.

    A posted hold has exactly one post, a voided one exactly one void, an open or expired
    one neither; every post or void names a hold; no hold has been posted for more than it held.
    """
    problems = []
    holds = {
        _hex(i): (status, int(amount))  # type: ignore[call-overload]
        for i, status, amount in _rows(
            connection,
            f"""
            SELECT t.id, p.status, t.amount FROM transfers t
            LEFT JOIN pending_transfers p ON p.timestamp = t.timestamp
            WHERE (t.flags & {_PENDING}) <> 0""",
        )
    }
    for hold, (status, _amount) in holds.items():
        if status is None:
            problems.append(f"pending transfer {hold} has no hold record")
    orphans = _rows(
        connection,
        f"""
        SELECT t.id FROM pending_transfers p JOIN transfers t ON t.timestamp = p.timestamp
        WHERE (t.flags & {_PENDING}) = 0""",
    )
    problems += [f"transfer {_hex(i)} has a hold record but is not pending" for (i,) in orphans]
    settlements: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for pending_id, flags, amount in _rows(
        connection,
        f"""
            SELECT pending_id, flags, amount FROM transfers WHERE (flags & {_POST | _VOID}) <> 0""",
    ):
        kind = "posted" if int(flags) & _POST else "voided"  # type: ignore[call-overload]
        settlements[_hex(pending_id)].append((kind, int(amount)))  # type: ignore[call-overload]
    for hold, done in settlements.items():
        if hold not in holds:
            problems.append(f"a post or void names {hold}, which is not a pending transfer")
            continue
        status, amount = holds[hold]
        if len(done) > 1:
            problems.append(f"hold {hold} was settled {len(done)} times")
        elif done[0][0] != status:
            problems.append(f"hold {hold} is {status} but was {done[0][0]}")
        elif done[0][1] > amount:
            problems.append(f"hold {hold} of {amount} was posted for {done[0][1]}")
    for hold, (status, _amount) in holds.items():
        if status in ("posted", "voided") and hold not in settlements:
            problems.append(f"hold {hold} is {status} but no transfer did that")
    return problems


def history_matches_balances(connection: Connection) -> list[str]:
    """A `history` account's newest balance snapshot equals its balances now."""
    rows = _rows(
        connection,
        f"""
        SELECT a.id, a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted,
               b.debits_pending, b.debits_posted, b.credits_pending, b.credits_posted
        FROM accounts a JOIN account_balances b ON b.account = a.timestamp
        WHERE (a.flags & {_HISTORY}) <> 0 AND b.timestamp =
              (SELECT MAX(timestamp) FROM account_balances WHERE account = a.timestamp)""",
    )
    return [
        f"account {_hex(r[0])}: balances {r[1:5]} but newest snapshot {r[5:9]}"
        for r in rows
        if r[1:5] != r[5:9]
    ]


def account_chains_are_whole(connection: Connection) -> list[str]:
    """Each account's transfers form one unbroken chain, newest first, back to its first."""
    last: dict[int, int] = {}
    problems = []
    rows = connection.execute(
        sa.text(
            "SELECT timestamp, debit_account, debit_prev, credit_account, credit_prev"
            " FROM transfers ORDER BY timestamp"
        )
    )
    for ts, debit, debit_prev, credit, credit_prev in rows:
        for key, prev in ((debit, debit_prev), (credit, credit_prev)):
            if prev != last.get(key, 0):
                problems.append(
                    f"transfer at {ts} points back to {prev} on account key {key},"
                    f" whose previous transfer is {last.get(key, 0)}"
                )
            last[key] = ts
    for key, account_id, head in _rows(
        connection, "SELECT timestamp, id, last_transfer FROM accounts"
    ):
        if head != last.get(key, 0):  # type: ignore[call-overload]
            problems.append(
                f"account {_hex(account_id)} names {head} as its newest transfer,"
                f" but that is {last.get(key, 0)}"  # type: ignore[call-overload]
            )
    return problems


def clock_is_ahead(connection: Connection) -> list[str]:
    """The ledger's clock is at or past every timestamp it has handed out."""
    (clock,) = _rows(connection, "SELECT last_timestamp FROM ledger_clock WHERE id = 1")[0]
    newest = max(
        int(value or 0)  # type: ignore[call-overload]
        for (value,) in (
            _rows(connection, "SELECT MAX(timestamp) FROM transfers")[0],
            _rows(connection, "SELECT MAX(timestamp) FROM accounts")[0],
        )
    )
    return [] if int(clock) >= newest else [f"clock {clock} is behind timestamp {newest}"]  # type: ignore[call-overload]


INVARIANTS: tuple[Callable[[Connection], list[str]], ...] = (
    debits_equal_credits,
    balances_match_the_journal,
    accounts_keep_their_flags,
    transfer_ids_are_unique,
    one_currency_per_transfer,
    holds_are_accounted_for,
    history_matches_balances,
    account_chains_are_whole,
    clock_is_ahead,
)


def check_in_one_read(
    engine: Engine, invariants: Sequence[Callable[[Connection], list[str]]]
) -> list[InvariantResult]:
    """Run `invariants` (each a function of a connection, returning what breaks it, and
    described by its docstring's first line) in one consistent read; one result each."""
    results = []
    with engine.connect() as connection:
        # One snapshot for all the queries, so a batch committing meanwhile is seen
        # wholly or not at all.
        if engine.dialect.name == "postgresql":
            connection.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
        else:
            connection.exec_driver_sql("BEGIN")
        for invariant in invariants:
            doc = (invariant.__doc__ or "").strip().splitlines()[0]
            results.append(InvariantResult(invariant.__name__, doc, _limit(invariant(connection))))
    return results


def check_ledger(engine: Engine) -> list[InvariantResult]:
    """Verify every ledger invariant in one consistent read; one result per invariant."""
    return check_in_one_read(engine, INVARIANTS)
