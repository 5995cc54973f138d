"""ISO 20022 messages imported: each file, and each of its transactions' status.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Stamp = sa.String(32)  # ISO 8601 with offset
STATUSES = ("importing", "accepted", "partly_accepted", "rejected")
_IN = ", ".join(f"'{s}'" for s in STATUSES)


def upgrade() -> None:
    """One row per imported file (for duplicate detection and its pain.002), one per
    transaction (its status and the payment it became)."""
    op.create_table(
        "iso_messages",
        sa.Column("message_ref", sa.String(36), primary_key=True),
        sa.Column("message_type", sa.String(20), nullable=False),
        sa.Column("variant", sa.String(80), nullable=False, server_default=""),
        sa.Column("msg_id", sa.String(35), nullable=False),
        # Who sent it: its BIC or other id, else its name (the MsgId is unique per party).
        sa.Column("initiating_party", sa.String(160), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("transactions", sa.Integer, nullable=False),
        sa.Column("accepted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("ctrl_sum", sa.String(40), nullable=False, server_default=""),
        sa.Column("status_report_id", sa.String(35), nullable=False, server_default=""),
        sa.Column("received_at", Stamp, nullable=False),
        sa.Column("updated_at", Stamp, nullable=False),
        sa.CheckConstraint(f"status IN ({_IN})", name="iso_messages_status"),
        sa.CheckConstraint(
            "transactions >= 0 AND accepted >= 0 AND rejected >= 0", name="iso_messages_counts"
        ),
    )
    # A MsgId is imported once per initiating party; a rejected file booked nothing and
    # may be sent again under the same MsgId once corrected.
    op.create_index(
        "iso_messages_msg_id",
        "iso_messages",
        ["initiating_party", "msg_id"],
        unique=True,
        sqlite_where=sa.text("status != 'rejected'"),
        postgresql_where=sa.text("status != 'rejected'"),
    )
    op.create_table(
        "iso_transactions",
        sa.Column(
            "message_ref",
            sa.String(36),
            sa.ForeignKey("iso_messages.message_ref"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("pmt_inf_id", sa.String(35), nullable=False),
        sa.Column("instruction_id", sa.String(35), nullable=False),
        sa.Column("end_to_end_id", sa.String(35), nullable=False),
        sa.Column("uetr", sa.String(36), nullable=True),
        sa.Column("amount", sa.String(40), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(4), nullable=False),
        sa.Column("reason", sa.String(4), nullable=False, server_default=""),
        sa.Column("detail", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("seq >= 1", name="iso_transactions_seq"),
    )
    op.create_index("iso_transactions_uetr", "iso_transactions", ["uetr"])


def downgrade() -> None:
    """Drop the ISO 20022 message tables."""
    op.drop_index("iso_transactions_uetr", "iso_transactions")
    op.drop_table("iso_transactions")
    op.drop_index("iso_messages_msg_id", "iso_messages")
    op.drop_table("iso_messages")
