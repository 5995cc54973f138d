"""Payments in the store: the instruction, where it stands, and its tracker events.

All SQL of the payments package is here. Services never commit: every function takes the
connection of the unit of work its caller owns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from corridor.money import Money
from corridor.payments.lifecycle import Lifecycle, PaymentStatus, TrackerEvent
from corridor.payments.payment import (
    Payment,
    mainland_fx_purchase,
    payment_from_dict,
    payment_to_dict,
)

_metadata = sa.MetaData()
payments_table = sa.Table(
    "payments",
    _metadata,
    sa.Column("uetr", sa.String(36), primary_key=True),
    sa.Column("debtor_agent", sa.String(11)),
    sa.Column("end_to_end_id", sa.String(35)),
    sa.Column("debtor_account", sa.String(34)),
    sa.Column("instructed", sa.String(40)),
    sa.Column("currency", sa.String(3)),
    sa.Column("usd_equivalent", sa.String(40)),
    sa.Column("mainland_fx", sa.Boolean),
    sa.Column("idempotency_key", sa.String(255)),
    sa.Column("status", sa.String(16)),
    sa.Column("priority", sa.Integer),
    sa.Column("received_at", sa.String(32)),
    sa.Column("updated_at", sa.String(32)),
    sa.Column("instruction", sa.Text),
    sa.Column("settlement", sa.Text),
)
events_table = sa.Table(
    "payment_events",
    _metadata,
    sa.Column("uetr", sa.String(36), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("status", sa.String(16)),
    sa.Column("at", sa.String(32)),
    sa.Column("actor", sa.String(64)),
    sa.Column("iso_status", sa.String(4)),
    sa.Column("reason", sa.String(4)),
    sa.Column("detail", sa.Text),
    sa.Column("hop", sa.Integer),
)


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """A stored payment: the instruction, its lifecycle, and what settling it decided."""

    payment: Payment
    lifecycle: Lifecycle
    settlement: dict[str, Any]
    idempotency_key: str | None = None
    priority: int = 0

    @property
    def status(self) -> PaymentStatus:
        """Where the payment stands."""
        return self.lifecycle.status


def find_existing(
    connection: Connection, payment: Payment, idempotency_key: str | None
) -> str | None:
    """The UETR of a payment already received for this instruction: the same idempotency
    key, or the same sending bank and end-to-end id."""
    same = sa.and_(
        payments_table.c.debtor_agent == payment.debtor_agent,
        payments_table.c.end_to_end_id == payment.end_to_end_id,
    )
    condition = (
        same
        if idempotency_key is None
        else sa.or_(same, payments_table.c.idempotency_key == idempotency_key)
    )
    row = connection.execute(sa.select(payments_table.c.uetr).where(condition)).first()
    return None if row is None else str(row.uetr)


def insert(connection: Connection, record: PaymentRecord) -> None:
    """Store a new payment with its events so far."""
    first = record.lifecycle.events[0].at.isoformat()
    connection.execute(
        payments_table.insert(),
        [
            {
                "uetr": record.payment.uetr,
                "debtor_agent": record.payment.debtor_agent,
                "end_to_end_id": record.payment.end_to_end_id,
                "debtor_account": record.payment.debtor.account,
                "instructed": str(record.payment.instructed_amount.amount),
                "currency": record.payment.instructed_amount.currency.code,
                "usd_equivalent": record.settlement.get("usd_equivalent"),
                "mainland_fx": mainland_fx_purchase(record.payment),
                "idempotency_key": record.idempotency_key,
                "status": record.status.value,
                "priority": record.priority,
                "received_at": first,
                "updated_at": record.lifecycle.events[-1].at.isoformat(),
                "instruction": json.dumps(payment_to_dict(record.payment), ensure_ascii=False),
                "settlement": json.dumps(record.settlement, ensure_ascii=False),
            }
        ],
    )
    _insert_events(connection, record.payment.uetr, record.lifecycle.events, 0)


def update(connection: Connection, before: PaymentRecord, after: PaymentRecord) -> None:
    """Store what changed from `before` to `after`: status, settlement, new events.

    Guarded by the status `before` had, so two writers cannot both move one payment on:
    the second one's update matches no row and raises StalePaymentError.
    """
    changed = connection.execute(
        payments_table.update()
        .where(payments_table.c.uetr == after.payment.uetr)
        .where(payments_table.c.status == before.status.value)
        .values(
            status=after.status.value,
            updated_at=after.lifecycle.events[-1].at.isoformat(),
            settlement=json.dumps(after.settlement, ensure_ascii=False),
            usd_equivalent=after.settlement.get("usd_equivalent"),
        )
    ).rowcount
    if changed != 1:
        raise StalePaymentError(
            f"payment {after.payment.uetr} is no longer {before.status}: look again and retry"
        )
    new = after.lifecycle.events[len(before.lifecycle.events) :]
    _insert_events(connection, after.payment.uetr, new, len(before.lifecycle.events))


class StalePaymentError(RuntimeError):
    """A payment changes from the state it was read in, or not at all."""


def _insert_events(
    connection: Connection, uetr: str, events: tuple[TrackerEvent, ...], first_seq: int
) -> None:
    if not events:
        return
    connection.execute(
        events_table.insert(),
        [
            {
                "uetr": uetr,
                "seq": first_seq + i,
                "status": e.status.value,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "iso_status": e.iso_status,
                "reason": e.reason,
                "detail": e.detail,
                "hop": e.hop,
            }
            for i, e in enumerate(events)
        ],
    )


def load(connection: Connection, uetr: str) -> PaymentRecord | None:
    """The stored payment with this UETR, or None."""
    row = connection.execute(sa.select(payments_table).where(payments_table.c.uetr == uetr)).first()
    if row is None:
        return None
    rows = connection.execute(
        sa.select(events_table).where(events_table.c.uetr == uetr).order_by(events_table.c.seq)
    ).all()
    events = tuple(
        TrackerEvent(
            PaymentStatus(r.status),
            datetime.fromisoformat(r.at),
            r.actor,
            r.iso_status,
            r.reason,
            r.detail,
            r.hop,
        )
        for r in rows
    )
    return PaymentRecord(
        payment_from_dict(json.loads(row.instruction)),
        Lifecycle(events),
        json.loads(row.settlement),
        row.idempotency_key,
        int(row.priority),
    )


def in_status(connection: Connection, status: PaymentStatus, limit: int = 10_000) -> list[str]:
    """UETRs of the payments in `status`, first received first."""
    query = (
        sa.select(payments_table.c.uetr)
        .where(payments_table.c.status == status.value)
        .order_by(payments_table.c.received_at, payments_table.c.uetr)
        .limit(limit)
    )
    return [str(uetr) for uetr in connection.execute(query).scalars()]


def queued(connection: Connection, limit: int = 1000) -> list[str]:
    """UETRs of the payments waiting for liquidity: higher priority first, then first in."""
    query = (
        sa.select(payments_table.c.uetr)
        .where(payments_table.c.status == PaymentStatus.QUEUED.value)
        .order_by(payments_table.c.priority.desc(), payments_table.c.received_at)
        .limit(limit)
    )
    return [str(uetr) for uetr in connection.execute(query).scalars()]


COUNTING = (PaymentStatus.RESERVED, PaymentStatus.SETTLED, PaymentStatus.QUEUED)
"""Payments that count against a client's quota: on their way or settled (a returned,
cancelled or rejected one gave its amount back, or never took it)."""


@dataclass(frozen=True, slots=True)
class CountingPayment:
    """What a quota or a monitoring rule reads of an earlier payment."""

    uetr: str
    received_at: datetime
    instructed: Money
    usd_equivalent: Money
    mainland_fx: bool


def counting_since(
    connection: Connection, debtor_account: str, since: datetime
) -> list[CountingPayment]:
    """The debtor account's payments that count (COUNTING) received since `since`, with
    a USD equivalent: what its quota and the monitoring rules sum."""
    columns = payments_table.c
    query = (
        sa.select(
            columns.uetr,
            columns.received_at,
            columns.instructed,
            columns.currency,
            columns.usd_equivalent,
            columns.mainland_fx,
        )
        .where(columns.debtor_account == debtor_account)
        .where(columns.received_at >= since.isoformat())
        .where(columns.status.in_([s.value for s in COUNTING]))
        .where(columns.usd_equivalent.is_not(None))
    )
    return [
        CountingPayment(
            str(row.uetr),
            datetime.fromisoformat(row.received_at),
            Money.of(row.instructed, row.currency),
            Money.of(row.usd_equivalent, "USD"),
            bool(row.mainland_fx),
        )
        for row in connection.execute(query)
    ]


def counts_by_status(connection: Connection) -> dict[str, int]:
    """How many payments stand in each status."""
    query = sa.select(payments_table.c.status, sa.func.count()).group_by(payments_table.c.status)
    return {str(status): int(n) for status, n in connection.execute(query).all()}
