"""Read-only queries for the operations centre, every one scoped to a tenant.

A payment belongs to the institutions that are its debtor's and its creditor's agents
(a client bound user: to the client whose account it debits or credits). The store keeps
the debtor agent and account in columns, the creditor's inside the instruction (JSON):
the SQL narrows by both, then `sees` decides on the parsed payment, so a row the SQL let
through by a near miss (another branch of the same BIC8) is never shown.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from corridor.payments import repository
from corridor.payments.payment import Payment
from corridor.payments.reference import bic11
from corridor.payments.repository import PaymentRecord

table = repository.payments_table
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class Tenant:
    """Whose view a query takes: an institution, optionally one of its clients' accounts."""

    institution: str
    accounts: frozenset[str] | None = None
    """A client-bound user's client's account identifiers (None: the whole institution)."""


def sees(tenant: Tenant, payment: Payment) -> bool:
    """Whether the payment is the tenant's business."""
    ours = tenant.institution
    debtor_side = bic11(payment.debtor_agent) == ours
    creditor_side = bic11(payment.creditor_agent) == ours
    if tenant.accounts is None:
        return debtor_side or creditor_side
    return (debtor_side and payment.debtor.account in tenant.accounts) or (
        creditor_side and payment.creditor.account in tenant.accounts
    )


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _scope(tenant: Tenant, direction: str | None) -> Any:
    bic8 = _like(tenant.institution[:8])
    sent: sa.ColumnElement[bool] = table.c.debtor_agent.like(f"{bic8}%", escape="\\")
    received: sa.ColumnElement[bool] = table.c.instruction.like(
        f'%"creditor_agent": "{bic8}%', escape="\\"
    )
    if tenant.accounts is not None:
        accounts = sorted(tenant.accounts)
        sent = sa.and_(sent, table.c.debtor_account.in_(accounts))
        received = sa.and_(
            received,
            sa.or_(
                *[
                    table.c.instruction.like(f'%"account": "{_like(a)}"%', escape="\\")
                    for a in accounts
                ]
            ),
        )
    if direction == "sent":
        return sent
    if direction == "received":
        return received
    return sa.or_(sent, received)


def day_bounds(day: date) -> tuple[str, str]:
    """The UTC stamps a day's receipts fall between (as the store writes them)."""
    start = datetime.combine(day, time(0)).isoformat() + "+00:00"
    end = datetime.combine(day + timedelta(days=1), time(0)).isoformat() + "+00:00"
    return start, end


def search(
    connection: Connection,
    tenant: Tenant,
    *,
    status: str | None = None,
    currency: str | None = None,
    end_to_end_id: str | None = None,
    account: str | None = None,
    direction: str | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[PaymentRecord], int | None]:
    """A page of the tenant's payments, newest first, and the offset of the next page."""
    limit = max(1, min(limit, MAX_PAGE))
    query = sa.select(table.c.uetr).where(_scope(tenant, direction))
    if status:
        query = query.where(table.c.status == status)
    if currency:
        query = query.where(table.c.currency == currency.upper())
    if end_to_end_id:
        query = query.where(table.c.end_to_end_id == end_to_end_id)
    if account:
        query = query.where(
            sa.or_(
                table.c.debtor_account == account,
                table.c.instruction.like(f'%"account": "{_like(account)}"%', escape="\\"),
            )
        )
    if received_from:
        query = query.where(table.c.received_at >= day_bounds(received_from)[0])
    if received_to:
        query = query.where(table.c.received_at < day_bounds(received_to)[1])
    query = (
        query.order_by(table.c.received_at.desc(), table.c.uetr)
        .offset(max(0, offset))
        .limit(limit + 1)
    )
    uetrs = [str(u) for u in connection.execute(query).scalars()]
    more = len(uetrs) > limit
    uetrs = uetrs[:limit]
    found = repository.load_many(connection, uetrs)
    records = [found[u] for u in uetrs if u in found and sees(tenant, found[u].payment)]
    return records, (offset + limit if more else None)


def visible(
    connection: Connection, tenant: Tenant, uetrs: Sequence[str]
) -> dict[str, PaymentRecord]:
    """Those of `uetrs` that are stored and the tenant's, by UETR."""
    found = repository.load_many(connection, list(uetrs))
    return {u: r for u, r in found.items() if sees(tenant, r.payment)}


@dataclass(frozen=True, slots=True)
class DayRow:
    """One payment of a day, as much as the dashboard needs."""

    status: str
    currency: str
    instructed_minor: int | None
    corridor: str


def day_rows(connection: Connection, tenant: Tenant, day: date) -> list[DayRow]:
    """The tenant's payments received on `day` (UTC), light: for counting and summing."""
    start, end = day_bounds(day)
    query = sa.select(
        table.c.status, table.c.currency, table.c.instructed_minor, table.c.instruction
    ).where(_scope(tenant, None), table.c.received_at >= start, table.c.received_at < end)
    rows = []
    for status, ccy, minor, instruction in connection.execute(query):
        data = json.loads(instruction)
        debtor, creditor = bic11(data["debtor_agent"]), bic11(data["creditor_agent"])
        if tenant.institution not in (debtor, creditor):
            continue
        rows.append(
            DayRow(
                str(status),
                str(ccy),
                None if minor is None else int(minor),
                f"{debtor[4:6]}→{creditor[4:6]}",
            )
        )
    return rows


def latest_day(connection: Connection, tenant: Tenant) -> date | None:
    """The day of the tenant's most recently received payment, if any."""
    stamp = connection.execute(
        sa.select(sa.func.max(table.c.received_at)).where(_scope(tenant, None))
    ).scalar()
    return None if stamp is None else datetime.fromisoformat(str(stamp)).date()
