"""ISO 20022 messages in the store: imported files, their transactions' statuses, and
what the statements and reconciliation read of payments.

All SQL of the package is here. Functions take the connection of the unit of work their
caller owns; none commits on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from corridor.payments import repository as payments_store

_metadata = sa.MetaData()
messages_table = sa.Table(
    "iso_messages",
    _metadata,
    sa.Column("message_ref", sa.String(36), primary_key=True),
    sa.Column("message_type", sa.String(20)),
    sa.Column("variant", sa.String(80)),
    sa.Column("msg_id", sa.String(35)),
    sa.Column("initiating_party", sa.String(160)),
    sa.Column("checksum", sa.String(64)),
    sa.Column("file_name", sa.Text),
    sa.Column("status", sa.String(16)),
    sa.Column("transactions", sa.Integer),
    sa.Column("accepted", sa.Integer),
    sa.Column("rejected", sa.Integer),
    sa.Column("ctrl_sum", sa.String(40)),
    sa.Column("status_report_id", sa.String(35)),
    sa.Column("received_at", sa.String(32)),
    sa.Column("updated_at", sa.String(32)),
)
transactions_table = sa.Table(
    "iso_transactions",
    _metadata,
    sa.Column("message_ref", sa.String(36), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("pmt_inf_id", sa.String(35)),
    sa.Column("instruction_id", sa.String(35)),
    sa.Column("end_to_end_id", sa.String(35)),
    sa.Column("uetr", sa.String(36)),
    sa.Column("amount", sa.String(40)),
    sa.Column("currency", sa.String(3)),
    sa.Column("status", sa.String(4)),
    sa.Column("reason", sa.String(4)),
    sa.Column("detail", sa.Text),
)


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """An imported file as the store keeps it."""

    message_ref: str
    message_type: str
    msg_id: str
    initiating_party: str
    checksum: str
    status: str
    transactions: int
    accepted: int
    rejected: int


@dataclass(frozen=True, slots=True)
class StoredTransaction:
    """One transaction of an imported file and the status it was given."""

    seq: int
    pmt_inf_id: str
    instruction_id: str
    end_to_end_id: str
    uetr: str | None
    amount: str
    currency: str
    status: str
    reason: str
    detail: str


def find_imported(
    connection: Connection, initiating_party: str, msg_id: str
) -> StoredMessage | None:
    """The file of this MsgId from this initiating party that was imported (or is being
    imported), if any; rejected files do not count."""
    row = connection.execute(
        sa.select(messages_table)
        .where(messages_table.c.initiating_party == initiating_party)
        .where(messages_table.c.msg_id == msg_id)
        .where(messages_table.c.status != "rejected")
    ).first()
    return None if row is None else _message(row)


def insert_message(
    connection: Connection,
    *,
    message_ref: str,
    message_type: str,
    variant: str,
    msg_id: str,
    initiating_party: str,
    checksum: str,
    file_name: str,
    status: str,
    transactions: int,
    ctrl_sum: str,
    at: datetime,
) -> None:
    """Record a file (the unique index refuses a second import of its MsgId)."""
    connection.execute(
        messages_table.insert(),
        [
            {
                "message_ref": message_ref,
                "message_type": message_type,
                "variant": variant,
                "msg_id": msg_id[:35],
                "initiating_party": initiating_party[:160],
                "checksum": checksum,
                "file_name": file_name,
                "status": status,
                "transactions": transactions,
                "accepted": 0,
                "rejected": 0,
                "ctrl_sum": ctrl_sum[:40],
                "status_report_id": "",
                "received_at": at.isoformat(),
                "updated_at": at.isoformat(),
            }
        ],
    )


def finish_message(
    connection: Connection,
    message_ref: str,
    *,
    status: str,
    accepted: int,
    rejected: int,
    status_report_id: str,
    at: datetime,
) -> None:
    """Record how a file's import ended."""
    connection.execute(
        messages_table.update()
        .where(messages_table.c.message_ref == message_ref)
        .values(
            status=status,
            accepted=accepted,
            rejected=rejected,
            status_report_id=status_report_id,
            updated_at=at.isoformat(),
        )
    )


def insert_transactions(
    connection: Connection, message_ref: str, rows: Sequence[StoredTransaction]
) -> None:
    """Record the statuses of a batch of a file's transactions."""
    if not rows:
        return
    connection.execute(
        transactions_table.insert(),
        [
            {
                "message_ref": message_ref,
                "seq": r.seq,
                "pmt_inf_id": r.pmt_inf_id[:35],
                "instruction_id": r.instruction_id[:35],
                "end_to_end_id": r.end_to_end_id[:35],
                "uetr": r.uetr,
                "amount": r.amount[:40],
                "currency": r.currency[:3],
                "status": r.status,
                "reason": r.reason,
                "detail": r.detail,
            }
            for r in rows
        ],
    )


def recorded_sequences(connection: Connection, message_ref: str) -> set[int]:
    """The transactions of a file whose status is recorded already (an import resumed)."""
    query = sa.select(transactions_table.c.seq).where(
        transactions_table.c.message_ref == message_ref
    )
    return {int(seq) for seq in connection.execute(query).scalars()}


def transactions_of(connection: Connection, message_ref: str) -> Iterable[StoredTransaction]:
    """A file's transactions in file order."""
    query = (
        sa.select(transactions_table)
        .where(transactions_table.c.message_ref == message_ref)
        .order_by(transactions_table.c.seq)
    )
    for row in connection.execute(query):
        yield StoredTransaction(
            int(row.seq),
            row.pmt_inf_id,
            row.instruction_id,
            row.end_to_end_id,
            row.uetr,
            row.amount,
            row.currency,
            row.status,
            row.reason,
            row.detail,
        )


def _message(row: sa.Row[object]) -> StoredMessage:
    return StoredMessage(
        str(row.message_ref),
        str(row.message_type),
        str(row.msg_id),
        str(row.initiating_party),
        str(row.checksum),
        str(row.status),
        int(row.transactions),
        int(row.accepted),
        int(row.rejected),
    )


def payments_updated_between(connection: Connection, since: datetime, until: datetime) -> list[str]:
    """UETRs of payments received before `until` and last changed at or after `since`:
    every payment that may have booked something in that window."""
    table = payments_store.payments_table
    query = (
        sa.select(table.c.uetr)
        .where(table.c.received_at < until.isoformat())
        .where(table.c.updated_at >= since.isoformat())
        .order_by(table.c.received_at, table.c.uetr)
    )
    return [str(u) for u in connection.execute(query).scalars()]


def payments_received_between(
    connection: Connection, since: datetime, until: datetime
) -> list[str]:
    """UETRs of payments received at or after `since` and before `until` (UTC stamps),
    first received first."""
    table = payments_store.payments_table
    query = (
        sa.select(table.c.uetr)
        .where(table.c.received_at >= since.isoformat(), table.c.received_at < until.isoformat())
        .order_by(table.c.received_at, table.c.uetr)
    )
    return [str(u) for u in connection.execute(query).scalars()]


def payments_by_end_to_end(connection: Connection, end_to_end_id: str) -> list[str]:
    """UETRs of the payments carrying this end-to-end id (any sending bank)."""
    table = payments_store.payments_table
    query = sa.select(table.c.uetr).where(table.c.end_to_end_id == end_to_end_id)
    return [str(u) for u in connection.execute(query).scalars()]
