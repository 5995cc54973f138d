"""Payments in the store: the instruction, where it stands, and its tracker events.

All SQL of the payments package is here. Services never commit: every function takes the
connection of the unit of work its caller owns.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from corridor.compliance.aml_rules import Lookback
from corridor.money import Money, MoneyError
from corridor.payments.lifecycle import Lifecycle, PaymentStatus, TrackerEvent
from corridor.payments.payment import (
    NOT_PROVIDED,
    Payment,
    instruction_of,
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
    sa.Column("instructed_minor", sa.BigInteger),
    sa.Column("currency", sa.String(3)),
    sa.Column("usd_equivalent", sa.String(40)),
    sa.Column("mainland_fx", sa.Boolean),
    sa.Column("idempotency_key", sa.String(255)),
    sa.Column("status", sa.String(16)),
    sa.Column("priority", sa.Integer),
    sa.Column("received_at", sa.String(32)),
    sa.Column("updated_at", sa.String(32)),
    sa.Column("value_date", sa.String(10)),
    sa.Column("waiting_on", sa.String(32)),
    sa.Column("queue_place", sa.BigInteger),
    sa.Column("instruction", sa.Text),
    sa.Column("settlement", sa.Text),
)
quotes_table = sa.Table(
    "fx_quotes",
    _metadata,
    sa.Column("quote_id", sa.String(36), primary_key=True),
    sa.Column("institution", sa.String(11)),
    sa.Column("sell_currency", sa.String(3)),
    sa.Column("sell_minor", sa.BigInteger),
    sa.Column("buy_currency", sa.String(3)),
    sa.Column("bought_minor", sa.BigInteger),
    sa.Column("customer_rate", sa.String(40)),
    sa.Column("reference_rate", sa.String(40)),
    sa.Column("rate_date", sa.String(10)),
    sa.Column("spread_bps", sa.String(20)),
    sa.Column("rounding", sa.String(20)),
    sa.Column("quoted_at", sa.String(32)),
    sa.Column("expires_at", sa.String(32)),
    sa.Column("dealt_by", sa.String(36)),
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

    def moved(
        self, lifecycle: Lifecycle, settlement: dict[str, Any] | None = None
    ) -> PaymentRecord:
        """The same payment with a new lifecycle (and settlement, when given)."""
        return PaymentRecord(
            self.payment,
            lifecycle,
            self.settlement if settlement is None else settlement,
            self.idempotency_key,
            self.priority,
        )


# Statements the engine runs every batch, built once: building one (its clauses, its cache
# key) cost more than running it. What varies is bound at each execution.
_BY_INSTRUCTION = sa.select(
    payments_table.c.uetr, payments_table.c.debtor_agent, payments_table.c.end_to_end_id
).where(
    payments_table.c.debtor_agent.in_(sa.bindparam("agents", expanding=True)),
    payments_table.c.end_to_end_id.in_(sa.bindparam("ids", expanding=True)),
    # A rejected instruction never happened: the same one sent again is a new payment.
    # Both conditions of the partial unique index `payments_instruction` are spelled out,
    # so the store can use it (without the second, SQLite scanned every payment).
    payments_table.c.status != PaymentStatus.REJECTED.value,
    payments_table.c.end_to_end_id != NOT_PROVIDED,
)
_BY_KEY = sa.select(payments_table.c.uetr, payments_table.c.idempotency_key).where(
    payments_table.c.idempotency_key.in_(sa.bindparam("keys", expanding=True))
)
_STORED = sa.select(payments_table.c.uetr).where(
    payments_table.c.uetr.in_(sa.bindparam("uetrs", expanding=True))
)


def existing_for(
    connection: Connection,
    payments: Sequence[Payment],
    idempotency_keys: Sequence[str | None],
) -> dict[int, str]:
    """For each instruction already received (same idempotency key, or the same sending
    bank and end-to-end id as a payment not rejected), its position in `payments` → the
    stored payment's UETR. An instruction the batch repeats is answered at every position
    it takes. A request sent again with its idempotency key gets the first answer, even a
    rejection; an instruction corrected after a rejection and sent again without one is a
    new payment. An end-to-end id of NOTPROVIDED names no instruction: only its key can
    make such a payment a repeat."""
    found: dict[int, str] = {}
    by_instruction: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(payments):
        instruction = instruction_of(p)
        if instruction is not None:
            by_instruction.setdefault(instruction, []).append(i)
    agents = sorted({agent for agent, _ in by_instruction})
    ids = sorted({e2e for _, e2e in by_instruction})
    for chunk in _chunks(ids):
        found_rows = connection.execute(_BY_INSTRUCTION, {"agents": agents, "ids": list(chunk)})
        for row in found_rows:
            for position in by_instruction.get((row.debtor_agent, row.end_to_end_id), []):
                found[position] = str(row.uetr)
    by_key: dict[str, list[int]] = {}
    for i, key in enumerate(idempotency_keys):
        if key is not None:
            by_key.setdefault(key, []).append(i)
    for chunk in _chunks(sorted(by_key)):
        for keyed in connection.execute(_BY_KEY, {"keys": list(chunk)}):
            for position in by_key[keyed.idempotency_key]:
                found.setdefault(position, str(keyed.uetr))
    return found


def stored_uetrs(connection: Connection, uetrs: Sequence[str]) -> set[str]:
    """The UETRs among `uetrs` that stored payments carry."""
    found: set[str] = set()
    for chunk in _chunks(sorted(set(uetrs))):
        found.update(str(u) for u in connection.execute(_STORED, {"uetrs": list(chunk)}).scalars())
    return found


def _chunks(values: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _row(record: PaymentRecord) -> dict[str, Any]:
    payment = record.payment
    amount = payment.instructed_amount
    return {
        "uetr": payment.uetr,
        "debtor_agent": payment.debtor_agent,
        "end_to_end_id": payment.end_to_end_id,
        "debtor_account": payment.debtor.account,
        "instructed": str(amount.amount),
        "instructed_minor": _minor_or_none(amount),
        "currency": amount.currency.code,
        "usd_equivalent": record.settlement.get("usd_equivalent"),
        "mainland_fx": mainland_fx_purchase(payment),
        "idempotency_key": record.idempotency_key,
        "status": record.status.value,
        "priority": record.priority,
        "received_at": record.lifecycle.events[0].at.isoformat(),
        "updated_at": record.lifecycle.events[-1].at.isoformat(),
        "value_date": record.settlement.get("value_date"),
        "waiting_on": record.settlement.get("waiting_on"),
        "queue_place": record.settlement.get("queue_place"),
        "instruction": json.dumps(payment_to_dict(payment), ensure_ascii=False),
        "settlement": json.dumps(record.settlement, ensure_ascii=False),
    }


def _minor_or_none(amount: Money) -> int | None:
    """Minor units, or None for an instruction rejected for its amount's precision."""
    try:
        return amount.to_minor_units()
    except MoneyError:
        return None


def insert(connection: Connection, records: Sequence[PaymentRecord]) -> None:
    """Store new payments with their events so far (one statement per table)."""
    if not records:
        return
    connection.execute(payments_table.insert(), [_row(r) for r in records])
    _insert_events(connection, [(r.payment.uetr, r.lifecycle.events, 0) for r in records])


# A payment moved on, guarded by the status it was read in (see `update`): its status and
# time only, or with its settlement and what is kept beside it in columns.
_GUARD = sa.and_(
    payments_table.c.uetr == sa.bindparam("k_uetr"),
    payments_table.c.status == sa.bindparam("k_was"),
)
_MOVED_VALUES: dict[str, Any] = {
    "status": sa.bindparam("v_status"),
    "updated_at": sa.bindparam("v_updated_at"),
}
_MOVED = payments_table.update().where(_GUARD).values(**_MOVED_VALUES)
_RESETTLED = (
    payments_table.update()
    .where(_GUARD)
    .values(
        **_MOVED_VALUES,
        settlement=sa.bindparam("v_settlement"),
        usd_equivalent=sa.bindparam("v_usd_equivalent"),
        value_date=sa.bindparam("v_value_date"),
        waiting_on=sa.bindparam("v_waiting_on"),
        queue_place=sa.bindparam("v_queue_place"),
    )
)


def update(connection: Connection, changes: Sequence[tuple[PaymentRecord, PaymentRecord]]) -> None:
    """Store what changed from each `before` to its `after`: status, settlement (only
    when it changed), new events.

    Guarded by the status `before` had, so two writers cannot both move one payment on:
    if any update matches no row, StalePaymentError is raised (and the caller's
    transaction rolls back whole).
    """
    if not changes:
        return
    plain: list[dict[str, Any]] = []
    settled: list[dict[str, Any]] = []
    for before, after in changes:
        row: dict[str, Any] = {
            "k_uetr": after.payment.uetr,
            "k_was": before.status.value,
            "v_status": after.status.value,
            "v_updated_at": after.lifecycle.events[-1].at.isoformat(),
        }
        if after.settlement is before.settlement:
            plain.append(row)
        else:
            row["v_settlement"] = json.dumps(after.settlement, ensure_ascii=False)
            row["v_usd_equivalent"] = after.settlement.get("usd_equivalent")
            row["v_value_date"] = after.settlement.get("value_date")
            row["v_waiting_on"] = after.settlement.get("waiting_on")
            row["v_queue_place"] = after.settlement.get("queue_place")
            settled.append(row)
    changed = 0
    for rows, statement in ((plain, _MOVED), (settled, _RESETTLED)):
        if rows:
            changed += connection.execute(statement, rows).rowcount
    if changed != len(changes):
        stale = ", ".join(after.payment.uetr for _, after in changes[:3])
        raise StalePaymentError(
            f"{len(changes) - changed} of {len(changes)} payments ({stale} …) are no longer"
            " where they were read: look again and retry"
        )
    _insert_events(
        connection,
        [
            (
                after.payment.uetr,
                after.lifecycle.events[len(before.lifecycle.events) :],
                len(before.lifecycle.events),
            )
            for before, after in changes
        ],
    )


class StalePaymentError(RuntimeError):
    """A payment changes from the state it was read in, or not at all."""


def _insert_events(
    connection: Connection, batches: Sequence[tuple[str, tuple[TrackerEvent, ...], int]]
) -> None:
    rows = [
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
        for uetr, events, first_seq in batches
        for i, e in enumerate(events)
    ]
    if rows:
        connection.execute(events_table.insert(), rows)


def load(connection: Connection, uetr: str) -> PaymentRecord | None:
    """The stored payment with this UETR, or None."""
    return load_many(connection, [uetr]).get(uetr)


def load_many(connection: Connection, uetrs: Sequence[str]) -> dict[str, PaymentRecord]:
    """The stored payments with these UETRs, by UETR (those not stored are left out)."""
    rows: dict[str, Any] = {}
    events: dict[str, list[TrackerEvent]] = {}
    for chunk in _chunks(list(dict.fromkeys(uetrs))):
        for row in connection.execute(
            sa.select(payments_table).where(payments_table.c.uetr.in_(chunk))
        ):
            rows[row.uetr] = row
            events[row.uetr] = []
        query = (
            sa.select(events_table)
            .where(events_table.c.uetr.in_(chunk))
            .order_by(events_table.c.uetr, events_table.c.seq)
        )
        for r in connection.execute(query):
            events[r.uetr].append(
                TrackerEvent(
                    PaymentStatus(r.status),
                    datetime.fromisoformat(r.at),
                    r.actor,
                    r.iso_status,
                    r.reason,
                    r.detail,
                    r.hop,
                )
            )
    return {
        uetr: PaymentRecord(
            payment_from_dict(json.loads(row.instruction)),
            Lifecycle(tuple(events[uetr])),
            json.loads(row.settlement),
            row.idempotency_key,
            int(row.priority),
        )
        for uetr, row in rows.items()
    }


def in_status(connection: Connection, status: PaymentStatus, limit: int = 10_000) -> list[str]:
    """UETRs of the payments in `status`, first received first."""
    query = (
        sa.select(payments_table.c.uetr)
        .where(payments_table.c.status == status.value)
        .order_by(payments_table.c.received_at, payments_table.c.uetr)
        .limit(limit)
    )
    return [str(uetr) for uetr in connection.execute(query).scalars()]


_WAITING_ON = (
    sa.select(
        payments_table.c.waiting_on,
        sa.func.max(payments_table.c.priority),
        sa.func.max(payments_table.c.queue_place),
    )
    .where(
        payments_table.c.status == PaymentStatus.QUEUED.value,
        payments_table.c.waiting_on.is_not(None),
    )
    .group_by(payments_table.c.waiting_on)
)


def waiting_on(connection: Connection) -> tuple[dict[int, int], int]:
    """Bank accounts queued payments wait on (ledger ids) → the highest priority waiting;
    and the last place given in the queue (0 when none waits): the next go after it."""
    waiting: dict[int, int] = {}
    last = 0
    for account, top, place in connection.execute(_WAITING_ON):
        waiting[int(account, 16)] = int(top)
        last = max(last, int(place or 0))
    return waiting, last


def queued(connection: Connection, limit: int = 1000) -> list[str]:
    """UETRs of the payments waiting for liquidity: higher priority first, then first in."""
    columns = payments_table.c
    query = (
        sa.select(columns.uetr)
        .where(columns.status == PaymentStatus.QUEUED.value)
        # Places given before places were kept (NULL) first; a tie (two engines handing
        # out one place) goes to the first received, then the UETR: one order always.
        .order_by(
            columns.priority.desc(),
            sa.func.coalesce(columns.queue_place, 0),
            columns.received_at,
            columns.uetr,
        )
        .limit(limit)
    )
    return [str(uetr) for uetr in connection.execute(query).scalars()]


COUNTING = frozenset(
    {PaymentStatus.PRICED, PaymentStatus.QUEUED, PaymentStatus.RESERVED, PaymentStatus.SETTLED}
)
"""Payments that count against a client's limits and in its monitoring history: priced
and on their way, or settled (a returned, cancelled or rejected one gave its amount back,
or never took it)."""


@dataclass(frozen=True, slots=True)
class CountingPayment:
    """What a monitoring rule reads of an earlier payment."""

    uetr: str
    debtor_account: str
    received_at: datetime
    instructed: Money
    usd_equivalent: Money
    mainland_fx: bool


def history(
    connection: Connection,
    debtor_accounts: Sequence[str],
    now: datetime,
    lookback: Lookback,
    known: dict[str, dict[tuple[Any, ...], CountingPayment]] | None = None,
) -> dict[str, list[CountingPayment]]:
    """Per debtor account, its payments that count (COUNTING) which the monitoring rules
    can take into account at `now` (see `Lookback`): every one received within
    `lookback.recent`, and those within `lookback.banded` whose instructed amount lies in
    one of its bands. Narrowed in SQL, so a busy client's week is not read back whole.

    `known`, where given, holds per account the CountingPayments of the last read by
    their stored row: a row read again unchanged gives the same object back (which is
    how `ClientHistories` tells what changed), and after the read it holds this read's."""
    out: dict[str, list[CountingPayment]] = {account: [] for account in debtor_accounts}
    read: dict[str, dict[tuple[Any, ...], CountingPayment]] = {account: {} for account in out}
    before = known if known is not None else {}
    query, banded = _history_query(lookback)
    window = {"recent_from": (now - lookback.recent).isoformat()}
    if banded:
        window["banded_from"] = (now - lookback.banded).isoformat()
    for chunk in _chunks(sorted(out)):
        for row in connection.execute(query, {"accounts": list(chunk), **window}):
            stored = tuple(row)
            account = stored[1]
            counting = before.get(account, {}).get(stored)
            if counting is None:
                uetr, _, received_at, instructed, ccy, usd, mainland_fx = stored
                counting = CountingPayment(
                    str(uetr),
                    account,
                    datetime.fromisoformat(received_at),
                    Money.of(instructed, ccy),
                    Money.of(usd, "USD"),
                    bool(mainland_fx),
                )
            read[account][stored] = counting
            out[account].append(counting)
    if known is not None:
        known.update(read)
    return out


@lru_cache(maxsize=16)
def _history_query(lookback: Lookback) -> tuple[sa.Select[Any], bool]:
    """The history read for `lookback`, built once (building it each batch cost more than
    running it): the accounts and the windows' starts are bound at each read; and whether
    it has a banded window (`banded_from`)."""
    columns = payments_table.c
    wanted = columns.received_at >= sa.bindparam("recent_from")
    bands = [
        sa.and_(
            columns.currency == floor.currency.code,
            columns.instructed_minor >= floor.to_minor_units(ROUND_FLOOR),
            columns.instructed_minor < threshold.to_minor_units(ROUND_CEILING),
        )
        for floor, threshold in lookback.bands
    ]
    banded = bool(bands) and lookback.banded > timedelta(0)
    if banded:
        since = columns.received_at >= sa.bindparam("banded_from")
        wanted = sa.or_(wanted, sa.and_(since, sa.or_(*bands)))
    query = sa.select(
        columns.uetr,
        columns.debtor_account,
        columns.received_at,
        columns.instructed,
        columns.currency,
        columns.usd_equivalent,
        columns.mainland_fx,
    ).where(
        columns.debtor_account.in_(sa.bindparam("accounts", expanding=True)),
        columns.status.in_([s.value for s in COUNTING]),
        columns.usd_equivalent.is_not(None),
        wanted,
    )
    return query, banded


def due(connection: Connection, on: date, limit: int = 10_000) -> list[str]:
    """UETRs of the reserved payments whose value date is `on` or earlier (or that have
    none), first received first."""
    columns = payments_table.c
    query = (
        sa.select(columns.uetr)
        .where(columns.status == PaymentStatus.RESERVED.value)
        .where(sa.or_(columns.value_date.is_(None), columns.value_date <= on.isoformat()))
        .order_by(columns.received_at, columns.uetr)
        .limit(limit)
    )
    return [str(uetr) for uetr in connection.execute(query).scalars()]


# -- FX quotes offered to clients -----------------------------------------------------


def insert_quote(connection: Connection, row: dict[str, Any]) -> None:
    """Store a quote offered to a client (the columns of `fx_quotes`)."""
    connection.execute(quotes_table.insert(), [row])


def quotes_by_id(connection: Connection, quote_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored quotes with these ids, by id, as rows."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(quote_ids))):
        query = sa.select(quotes_table).where(quotes_table.c.quote_id.in_(chunk))
        for row in connection.execute(query).mappings():
            found[row["quote_id"]] = dict(row)
    return found


def deal_quote(connection: Connection, quote_id: str, uetr: str) -> bool:
    """Mark a quote dealt by payment `uetr`; False when another payment dealt on it."""
    columns = quotes_table.c
    done = connection.execute(
        quotes_table.update()
        .where(columns.quote_id == quote_id)
        .where(sa.or_(columns.dealt_by.is_(None), columns.dealt_by == uetr))
        .values(dealt_by=uetr)
    ).rowcount
    return bool(done == 1)


def counts_by_status(connection: Connection) -> dict[str, int]:
    """How many payments stand in each status."""
    query = sa.select(payments_table.c.status, sa.func.count()).group_by(payments_table.c.status)
    return {str(status): int(n) for status, n in connection.execute(query).all()}
