"""Payments and their tracker events.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Stamp = sa.String(32)  # ISO 8601 with offset
STATUSES = (
    "received",
    "validated",
    "screened",
    "held",
    "priced",
    "queued",
    "reserved",
    "settled",
    "rejected",
    "cancelled",
    "returned",
)
_IN = ", ".join(f"'{s}'" for s in STATUSES)


def upgrade() -> None:
    """One row per payment (its instruction and where it stands), one per tracker event."""
    op.create_table(
        "payments",
        sa.Column("uetr", sa.String(36), primary_key=True),
        sa.Column("debtor_agent", sa.String(11), nullable=False),
        sa.Column("end_to_end_id", sa.String(35), nullable=False),
        # The debtor's account (IBAN or number): its payments in a year count against quotas.
        sa.Column("debtor_account", sa.String(34), nullable=False),
        # What quotas and monitoring rules sum, without reading the instruction back.
        sa.Column("instructed", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("usd_equivalent", sa.String(40), nullable=True),
        sa.Column("mainland_fx", sa.Boolean, nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
        sa.Column("received_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        # The instruction as received, and what the engine decided on the way (route,
        # quote, fees, the ledger transfers of its chain), as JSON: the tracker reads them.
        sa.Column("instruction", sa.Text, nullable=False),
        sa.Column("settlement", sa.Text, nullable=False, server_default="{}"),
        sa.CheckConstraint(f"status IN ({_IN})", name="payments_status"),
        # The same instruction twice (same sending bank, same end-to-end id) is one payment.
        sa.UniqueConstraint("debtor_agent", "end_to_end_id", name="payments_instruction"),
    )
    op.create_index("payments_status_queue", "payments", ["status", "priority", "received_at"])
    op.create_index("payments_debtor", "payments", ["debtor_account", "received_at"])
    op.create_table(
        "payment_events",
        sa.Column("uetr", sa.String(36), sa.ForeignKey("payments.uetr"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("iso_status", sa.String(4), nullable=False),
        sa.Column("reason", sa.String(4), nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.Column("hop", sa.Integer, nullable=True),
        sa.CheckConstraint(f"status IN ({_IN})", name="payment_events_status"),
        sa.CheckConstraint("seq >= 0", name="payment_events_seq"),
    )


def downgrade() -> None:
    """Drop the payment tables."""
    op.drop_table("payment_events")
    op.drop_index("payments_debtor", "payments")
    op.drop_index("payments_status_queue", "payments")
    op.drop_table("payments")
