"""The audit log: append-only, each entry chained to the one before by SHA-256.

An entry records who (`actor`, with their institution), what (`action` on `target`),
when, and the state before and after, plus the SHA-256 of the previous entry. Its own
SHA-256 is taken over all of that in a canonical JSON form, so editing any field of any
entry, or removing one from the middle, breaks the chain at that entry: `verify_chain`
names the first broken link. The store refuses UPDATEs of the table (a trigger); an
administrator who bypasses the trigger still cannot hide an edit from the chain.
Removing the newest entries leaves a shorter chain that holds: `corridor check` prints
the head's hash so an auditor can note it and compare later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from corridor.ledger.invariants import InvariantResult

GENESIS = "0" * 64
"""The previous hash of the first entry."""
_metadata = sa.MetaData()
audit_table = sa.Table(
    "audit_log",
    _metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(32)),
    sa.Column("institution", sa.String(11)),
    sa.Column("actor", sa.String(64)),
    sa.Column("action", sa.String(64)),
    sa.Column("target", sa.String(200)),
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text),
    sa.Column("prev_sha256", sa.String(64)),
    sa.Column("sha256", sa.String(64)),
)
_RETRIES = 5
_FIELDS = frozenset({"institution", "actor", "action", "target", "before", "after"})
"""What a caller says of an entry (`append`'s keywords)."""
T = TypeVar("T")
_CHAIN_LOCK = 0x436F7272_41756469  # PostgreSQL advisory lock key for the chain's head


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded action."""

    seq: int
    at: str
    institution: str
    actor: str
    action: str
    target: str
    before: Any
    after: Any
    prev_sha256: str
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready data."""
        return {
            "seq": self.seq,
            "at": self.at,
            "institution": self.institution,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "before": self.before,
            "after": self.after,
            "prev_sha256": self.prev_sha256,
            "sha256": self.sha256,
        }


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False)


def entry_hash(
    seq: int,
    at: str,
    institution: str,
    actor: str,
    action: str,
    target: str,
    before: str | None,
    after: str | None,
    prev_sha256: str,
) -> str:
    """The SHA-256 of an entry: over its fields as stored, in a fixed canonical form."""
    canonical = json.dumps(
        [seq, at, institution, actor, action, target, before, after, prev_sha256],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    connection: Connection,
    *,
    institution: str,
    actor: str,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Add an entry at the end of the chain, in the caller's unit of work (so the entry
    and the change it records commit together or not at all)."""
    fields = {"institution": institution, "actor": actor, "action": action, "target": target}
    return append_all(connection, [{**fields, "before": before, "after": after}])[0]


def append_all(connection: Connection, entries: list[dict[str, Any]]) -> list[AuditEntry]:
    """Add `entries` (each `append`'s fields), in order, at the end of the chain in the
    caller's unit of work: the head read once, every row written by one executemany (a
    payment batch audits each of its creations), all stamped with one time."""
    if not entries:
        return []
    _hold_head(connection)
    last = connection.execute(
        sa.select(audit_table.c.seq, audit_table.c.sha256)
        .order_by(audit_table.c.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (0, GENESIS) if last is None else (int(last.seq), str(last.sha256))
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    written: list[AuditEntry] = []
    rows: list[dict[str, Any]] = []
    for fields in entries:
        if unknown := fields.keys() - _FIELDS:
            raise TypeError(f"an audit entry has no field {sorted(unknown)[0]!r}")
        seq += 1
        institution, actor = fields["institution"], fields["actor"]
        action, target = fields["action"], fields["target"]
        before, after = fields.get("before"), fields.get("after")
        before_text, after_text = _dump(before), _dump(after)
        digest = entry_hash(
            seq, at, institution, actor, action, target, before_text, after_text, prev
        )
        rows.append(
            {
                "seq": seq,
                "at": at,
                "institution": institution,
                "actor": actor,
                "action": action,
                "target": target,
                "before": before_text,
                "after": after_text,
                "prev_sha256": prev,
                "sha256": digest,
            }
        )
        written.append(
            AuditEntry(seq, at, institution, actor, action, target, before, after, prev, digest)
        )
        prev = digest
    connection.execute(audit_table.insert(), rows)
    return written


def _hold_head(connection: Connection) -> None:
    """Hold the chain's head until the caller's unit of work ends, so that writers racing
    for it (threads, or several server processes) append one after another instead of
    reading the same head: PostgreSQL takes a transaction-scoped advisory lock; SQLite
    takes its write lock now, unless the unit of work has written (and so holds it)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK)))
        return
    driver = connection.connection.driver_connection
    if not getattr(driver, "in_transaction", True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def record(engine: Engine, **fields: Any) -> AuditEntry:
    """Append an entry (`append`'s fields) in a transaction of its own, for actions whose
    own unit of work is another package's, such as the payments engine's."""
    return _in_own_transaction(engine, lambda connection: append(connection, **fields))


def record_all(engine: Engine, entries: list[dict[str, Any]]) -> list[AuditEntry]:
    """Append `entries` (each `append`'s fields), in order, in one transaction of their own."""
    return _in_own_transaction(engine, lambda connection: append_all(connection, entries))


def _in_own_transaction(engine: Engine, write: Callable[[Connection], T]) -> T:
    """`write` in a transaction of its own, retried whole when another writer (a thread,
    or another server process) still took a place in the chain first, which the store's
    unique `seq` reports."""
    for attempt in range(_RETRIES):
        try:
            with engine.begin() as connection:
                return write(connection)
        except sa.exc.IntegrityError:
            if attempt == _RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _entry(row: sa.Row[Any]) -> AuditEntry:
    return AuditEntry(
        int(row.seq),
        row.at,
        row.institution,
        row.actor,
        row.action,
        row.target,
        None if row.before is None else json.loads(row.before),
        None if row.after is None else json.loads(row.after),
        row.prev_sha256,
        row.sha256,
    )


def entries(
    engine: Engine,
    *,
    institution: str | None = None,
    action: str | None = None,
    target: str | None = None,
    before_seq: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Entries newest first, optionally of one institution, action or target, before
    `before_seq` (for paging)."""
    query = sa.select(audit_table).order_by(audit_table.c.seq.desc()).limit(limit)
    if institution is not None:
        query = query.where(audit_table.c.institution == institution)
    if action is not None:
        query = query.where(audit_table.c.action == action)
    if target is not None:
        query = query.where(audit_table.c.target == target)
    if before_seq is not None:
        query = query.where(audit_table.c.seq < before_seq)
    with engine.connect() as connection:
        return [_entry(row) for row in connection.execute(query)]


def _walk(engine: Engine, page: int = 5000) -> Iterator[sa.Row[Any]]:
    after = 0
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(audit_table)
                .where(audit_table.c.seq > after)
                .order_by(audit_table.c.seq)
                .limit(page)
            ).all()
        if not rows:
            return
        yield from rows
        after = int(rows[-1].seq)


def first_broken_link(engine: Engine) -> tuple[int, str] | None:
    """(seq, what is wrong) of the first entry that breaks the chain, or None."""
    prev, expected_seq = GENESIS, 1
    for row in _walk(engine):
        seq = int(row.seq)
        if seq != expected_seq:
            return seq, f"entry {expected_seq} is missing (the next is {seq})"
        if row.prev_sha256 != prev:
            return seq, (
                f"entry {seq} names {row.prev_sha256[:12]}… as the previous entry's hash,"
                f" which is {prev[:12]}…"
            )
        digest = entry_hash(
            seq,
            row.at,
            row.institution,
            row.actor,
            row.action,
            row.target,
            row.before,
            row.after,
            row.prev_sha256,
        )
        if digest != row.sha256:
            return seq, f"entry {seq} was changed after it was written (its hash does not match)"
        prev, expected_seq = row.sha256, seq + 1
    return None


def head(engine: Engine) -> tuple[int, str]:
    """(seq, SHA-256) of the newest entry; (0, GENESIS) for an empty log."""
    with engine.connect() as connection:
        last = connection.execute(
            sa.select(audit_table.c.seq, audit_table.c.sha256)
            .order_by(audit_table.c.seq.desc())
            .limit(1)
        ).first()
    return (0, GENESIS) if last is None else (int(last.seq), str(last.sha256))


def check_audit(engine: Engine) -> list[InvariantResult]:
    """The audit chain as an invariant of the books, naming the first broken link."""
    broken = first_broken_link(engine)
    seq, digest = head(engine)
    description = f"The audit log's hash chain holds ({seq} entries, head {digest[:16]}…)."
    problems = () if broken is None else (f"first broken link: {broken[1]}",)
    return [InvariantResult("audit_chain", description, problems)]
