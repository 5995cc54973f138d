"""Payments in batches: amounts in minor units, value dates, limits consumed, quotes
offered to clients.

- `payments.instructed_minor`: the instructed amount in minor units, so the monitoring
  rules' history can be narrowed in SQL (a structuring band is an amount range).
- `payments.value_date`: when a reserved payment settles, so due payments are found by
  index instead of by reading every reserved one back.
- `payments.waiting_on` and `queue_place`: the bank account a queued payment waits for
  liquidity on, and its place in the queue.
- `client_limit_usage`: what each client has used of each limit in each period
  (the mainland FX quota, its own daily and annual limits), taken by a guarded UPDATE in
  the transaction that records the payment, so two writers never both spend the last of
  a limit.
- `payments_instruction` becomes a unique index over payments not rejected: a rejected
  instruction corrected and sent again with the same end-to-end id is a new payment.
- `fx_quotes`: the dealable quotes a bank gave its clients; a payment may name one (as
  pain.001's `XchgRateInf/CtrctId`), and deals on it once, before it expires.

Revision ID: 0005
Revises: 0004
"""

import json
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from corridor.money import currency

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Stamp = sa.String(32)  # ISO 8601 with offset


def upgrade() -> None:
    """Add the columns (filled in for payments already stored) and the two tables."""
    with op.batch_alter_table("payments") as table:
        # A rejected instruction never happened: the same one corrected and sent again
        # (same sending bank, same end-to-end id) is a new payment, not a duplicate.
        table.drop_constraint("payments_instruction", type_="unique")
        table.add_column(sa.Column("instructed_minor", sa.BigInteger, nullable=True))
        table.add_column(sa.Column("value_date", sa.String(10), nullable=True))
        # The bank account (ledger id, 32 hex digits) a queued payment waits on: later
        # payments over that account queue behind it, first in, first out.
        table.add_column(sa.Column("waiting_on", sa.String(32), nullable=True))
        # Its place in the queue, one after the last given (payments of one batch share a
        # receipt time, not a place).
        table.add_column(sa.Column("queue_place", sa.BigInteger, nullable=True))
    connection = op.get_bind()
    payments = sa.table(
        "payments",
        sa.column("uetr", sa.String),
        sa.column("instructed", sa.String),
        sa.column("currency", sa.String),
        sa.column("settlement", sa.Text),
        sa.column("instructed_minor", sa.BigInteger),
        sa.column("value_date", sa.String),
        sa.column("queue_place", sa.BigInteger),
    )
    rows = connection.execute(
        sa.select(
            payments.c.uetr, payments.c.instructed, payments.c.currency, payments.c.settlement
        )
    ).all()
    for row in rows:
        scaled = Decimal(row.instructed).scaleb(currency(row.currency).minor_unit)
        # An instruction rejected for its amount's precision has no minor units.
        minor = int(scaled) if scaled == scaled.to_integral_value() else None
        due = json.loads(row.settlement or "{}").get("value_date")
        connection.execute(
            payments.update()
            .where(payments.c.uetr == row.uetr)
            .values(instructed_minor=minor, value_date=due)
        )
    # Payments queued before places were kept take places in the order they came.
    waiting = connection.execute(
        sa.text(
            "SELECT uetr FROM payments WHERE status = 'queued' ORDER BY priority DESC,"
            " received_at, uetr"
        )
    ).scalars()
    for place, uetr in enumerate(list(waiting), start=1):
        connection.execute(
            sa.text("UPDATE payments SET queue_place = :place WHERE uetr = :uetr"),
            {"place": place, "uetr": uetr},
        )
    op.create_index(
        "payments_instruction",
        "payments",
        ["debtor_agent", "end_to_end_id"],
        unique=True,
        sqlite_where=sa.text("status <> 'rejected'"),
        postgresql_where=sa.text("status <> 'rejected'"),
    )
    op.create_index("payments_due", "payments", ["status", "value_date"])
    op.create_index("payments_queue", "payments", ["status", "priority", "queue_place"])
    op.create_table(
        "client_limit_usage",
        # The client (the directory's client id): a limit is the client's, whatever
        # account it pays from, and the SAFE quota the person's.
        sa.Column("client_id", sa.String(35), primary_key=True),
        # daily_limit_exceeded, annual_limit_exceeded or fx_quota_exceeded (LimitCode).
        sa.Column("kind", sa.String(32), primary_key=True),
        # The day ('2026-03-01') or year ('2026') counted, in the limit's own zone.
        sa.Column("period", sa.String(10), primary_key=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("used_minor", sa.BigInteger, nullable=False),
        # The limit as last applied (a configuration may change within a period).
        sa.Column("limit_minor", sa.BigInteger, nullable=False),
        sa.CheckConstraint("used_minor >= 0", name="client_limit_usage_used"),
    )
    op.create_table(
        "fx_quotes",
        sa.Column("quote_id", sa.String(36), primary_key=True),
        sa.Column("institution", sa.String(11), nullable=False),
        sa.Column("sell_currency", sa.String(3), nullable=False),
        sa.Column("sell_minor", sa.BigInteger, nullable=False),
        sa.Column("buy_currency", sa.String(3), nullable=False),
        sa.Column("bought_minor", sa.BigInteger, nullable=False),
        sa.Column("customer_rate", sa.String(40), nullable=False),
        sa.Column("reference_rate", sa.String(40), nullable=False),
        sa.Column("rate_date", sa.String(10), nullable=False),
        sa.Column("spread_bps", sa.String(20), nullable=False),
        sa.Column("rounding", sa.String(20), nullable=False),
        sa.Column("quoted_at", Stamp, nullable=False),
        sa.Column("expires_at", Stamp, nullable=False),
        # The payment that dealt on it: a quote is dealt once.
        sa.Column("dealt_by", sa.String(36), nullable=True, unique=True),
        sa.CheckConstraint("sell_minor > 0", name="fx_quotes_sell"),
        sa.CheckConstraint("sell_currency <> buy_currency", name="fx_quotes_pair"),
    )


def downgrade() -> None:
    """Drop the tables and columns."""
    op.drop_table("fx_quotes")
    op.drop_table("client_limit_usage")
    op.drop_index("payments_instruction", "payments")
    op.drop_index("payments_queue", "payments")
    op.drop_index("payments_due", "payments")
    with op.batch_alter_table("payments") as table:
        table.create_unique_constraint("payments_instruction", ["debtor_agent", "end_to_end_id"])
        table.drop_column("queue_place")
        table.drop_column("waiting_on")
        table.drop_column("value_date")
        table.drop_column("instructed_minor")
