"""What clients used of their limits, in the store: one row per client, kind of limit and
period (`client_limit_usage`, migration 0005), taken by a guarded UPDATE in the
transaction that records a payment and given back when it stops counting.

All SQL of the limits' usage is here; services never commit (every function takes the
connection of the caller's unit of work).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from corridor.money import Money
from corridor.payments.repository import COUNTING, payments_table

_metadata = sa.MetaData()
usage_table = sa.Table(
    "client_limit_usage",
    _metadata,
    sa.Column("client_id", sa.String(35), primary_key=True),
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("period", sa.String(10), primary_key=True),
    sa.Column("currency", sa.String(3)),
    sa.Column("used_minor", sa.BigInteger),
    sa.Column("limit_minor", sa.BigInteger),
)


@dataclass(frozen=True, slots=True)
class LimitUsage:
    """A client's use of one limit in one period, in minor units of `currency`."""

    client_id: str
    kind: str
    period: str
    currency: str
    used_minor: int


UsageKey = tuple[str, str, str]
"""(client id, kind of limit, period): one row of `client_limit_usage`."""


def lock_usage(connection: Connection, wanted: dict[UsageKey, tuple[str, int]]) -> set[UsageKey]:
    """Make sure each usage row `wanted` exists ((client, kind, period) → (currency,
    limit)) and lock them all, in key order, for this transaction: two writers whose
    batches name the same clients in another order wait for each other instead of
    deadlocking, and what a row reads stays true until commit. Returns the rows created
    now (their client's use so far is worth adopting from payments stored before limits
    were kept: `adopt_legacy_quota`)."""
    created: set[UsageKey] = set()
    for key in sorted(wanted):
        client_id, kind, period = key
        currency, limit_minor = wanted[key]
        row = {
            "client_id": client_id,
            "kind": kind,
            "period": period,
            "currency": currency,
            "used_minor": 0,
            "limit_minor": limit_minor,
        }
        insert = (
            postgresql.insert(usage_table)
            if connection.dialect.name == "postgresql"
            else sqlite.insert(usage_table)
        )
        if connection.execute(insert.values(**row).on_conflict_do_nothing()).rowcount == 1:
            created.add(key)
    if connection.dialect.name == "postgresql" and wanted:
        columns = usage_table.c
        for key in sorted(wanted):
            connection.execute(
                sa.select(columns.used_minor)
                .where(
                    columns.client_id == key[0], columns.kind == key[1], columns.period == key[2]
                )
                .with_for_update()
            )
    return created


def take_limit(
    connection: Connection, key: UsageKey, amount_minor: int, limit_minor: int
) -> int | None:
    """Take `amount_minor` of a limit (its row locked by `lock_usage`), if it stays within
    `limit_minor`: a guarded UPDATE. Returns None when taken, else what was already used
    (the caller explains the breach)."""
    columns = usage_table.c
    where = sa.and_(columns.client_id == key[0], columns.kind == key[1], columns.period == key[2])
    taken = connection.execute(
        usage_table.update()
        .where(where, columns.used_minor + amount_minor <= limit_minor)
        .values(used_minor=columns.used_minor + amount_minor, limit_minor=limit_minor)
    ).rowcount
    if taken == 1:
        return None
    return int(connection.execute(sa.select(columns.used_minor).where(where)).scalar_one())


def give_back_limit(connection: Connection, key: UsageKey, amount_minor: int) -> None:
    """Give back what a payment took of a limit (it no longer counts)."""
    columns = usage_table.c
    connection.execute(
        usage_table.update()
        .where(columns.client_id == key[0], columns.kind == key[1], columns.period == key[2])
        .values(used_minor=columns.used_minor - amount_minor)
    )


def adopt_legacy_quota(
    connection: Connection,
    key: UsageKey,
    accounts: Sequence[str],
    since: datetime,
    until: datetime,
    entry: dict[str, Any],
) -> int:
    """Count against a new usage row the client's counting mainland FX purchases received
    in [since, until) that were stored before limits were kept with payments (their
    settlement has no "limits"): each gets its limit entry (`entry` with its own amount),
    so a later return gives it back. Returns the minor units adopted."""
    columns = payments_table.c
    query = sa.select(columns.uetr, columns.usd_equivalent, columns.settlement).where(
        columns.debtor_account.in_(list(accounts)),
        columns.mainland_fx.is_(True),
        columns.status.in_([s.value for s in COUNTING]),
        columns.usd_equivalent.is_not(None),
        columns.received_at >= since.isoformat(),
        columns.received_at < until.isoformat(),
    )
    adopted = 0
    for row in connection.execute(query).all():
        settlement = json.loads(row.settlement)
        if "limits" in settlement:
            continue
        minor = Money.of(row.usd_equivalent, "USD").to_minor_units()
        settlement["limits"] = [{**entry, "amount_minor": minor}]
        connection.execute(
            payments_table.update()
            .where(columns.uetr == row.uetr)
            .values(settlement=json.dumps(settlement, ensure_ascii=False))
        )
        adopted += minor
    if adopted:
        usage = usage_table.c
        connection.execute(
            usage_table.update()
            .where(usage.client_id == key[0], usage.kind == key[1], usage.period == key[2])
            .values(used_minor=usage.used_minor + adopted)
        )
    return adopted


def limit_usage(connection: Connection) -> list[LimitUsage]:
    """Every client's use of every limit, as recorded."""
    columns = usage_table.c
    query = sa.select(usage_table).order_by(columns.client_id, columns.kind, columns.period)
    return [
        LimitUsage(r.client_id, r.kind, r.period, r.currency, int(r.used_minor))
        for r in connection.execute(query)
    ]


def counting_settlements(connection: Connection) -> list[tuple[str, dict[str, Any]]]:
    """(UETR, settlement) of every payment that counts: what the limits' recorded use
    must add up to."""
    columns = payments_table.c
    query = sa.select(columns.uetr, columns.settlement).where(
        columns.status.in_([s.value for s in COUNTING])
    )
    return [(str(r.uetr), json.loads(r.settlement)) for r in connection.execute(query)]
