"""The double-entry ledger: accounts, transfers, holds and balance history.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Public ids are unsigned 128-bit: a uuid on PostgreSQL, 16 big-endian bytes on SQLite.
# Both sort like the integer, so time-ordered ids keep index inserts sequential.
Id128 = sa.LargeBinary(16).with_variant(postgresql.UUID(as_uuid=False), "postgresql")
# The store's own key is the ledger's timestamp (nanoseconds, unique, assigned by the
# ledger, never a database sequence); INTEGER makes it SQLite's rowid.
Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Amount = sa.BigInteger

GUARD_DEBITS = 2  # AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
GUARD_CREDITS = 4  # AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS
PENDING, POST, VOID = 2, 4, 8  # TransferFlags


def upgrade() -> None:
    """Create the ledger's tables, with CHECK constraints as a second line of defence."""
    op.create_table(
        "ledger_clock",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_timestamp", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="ledger_clock_single_row"),
    )
    op.execute("INSERT INTO ledger_clock (id, last_timestamp) VALUES (1, 0)")

    op.create_table(
        "accounts",
        sa.Column("timestamp", Key, primary_key=True, autoincrement=False),
        sa.Column("id", Id128, nullable=False, unique=True),
        sa.Column("ledger", sa.String(3), nullable=False),
        sa.Column("code", sa.Integer, nullable=False),
        sa.Column("flags", sa.Integer, nullable=False),
        sa.Column("user_data_128", Id128, nullable=True),
        sa.Column("user_data_64", sa.BigInteger, nullable=False),
        sa.Column("user_data_32", sa.BigInteger, nullable=False),
        sa.Column("debits_pending", Amount, nullable=False),
        sa.Column("debits_posted", Amount, nullable=False),
        sa.Column("credits_pending", Amount, nullable=False),
        sa.Column("credits_posted", Amount, nullable=False),
        sa.UniqueConstraint("timestamp", "ledger", name="accounts_key_ledger"),
        sa.CheckConstraint("length(ledger) = 3", name="accounts_ledger_is_a_currency_code"),
        sa.CheckConstraint("code BETWEEN 1 AND 65535", name="accounts_code_range"),
        sa.CheckConstraint(
            f"(flags & {GUARD_DEBITS | GUARD_CREDITS}) <> {GUARD_DEBITS | GUARD_CREDITS}",
            name="accounts_guards_exclusive",
        ),
        sa.CheckConstraint(
            "debits_pending >= 0 AND debits_posted >= 0"
            " AND credits_pending >= 0 AND credits_posted >= 0",
            name="accounts_balances_not_negative",
        ),
        sa.CheckConstraint(
            f"(flags & {GUARD_DEBITS}) = 0 OR debits_pending + debits_posted <= credits_posted",
            name="accounts_debits_must_not_exceed_credits",
        ),
        sa.CheckConstraint(
            f"(flags & {GUARD_CREDITS}) = 0 OR credits_pending + credits_posted <= debits_posted",
            name="accounts_credits_must_not_exceed_debits",
        ),
    )

    op.create_table(
        "transfers",
        sa.Column("timestamp", Key, primary_key=True, autoincrement=False),
        sa.Column("id", Id128, nullable=False, unique=True),
        sa.Column("debit_account", sa.BigInteger, nullable=False),
        sa.Column("credit_account", sa.BigInteger, nullable=False),
        sa.Column("amount", Amount, nullable=False),
        sa.Column("pending_id", Id128, nullable=True),
        sa.Column("ledger", sa.String(3), nullable=False),
        sa.Column("code", sa.Integer, nullable=False),
        sa.Column("flags", sa.Integer, nullable=False),
        sa.Column("timeout", sa.BigInteger, nullable=False),
        sa.Column("user_data_128", Id128, nullable=True),
        sa.Column("user_data_64", sa.BigInteger, nullable=False),
        sa.Column("user_data_32", sa.BigInteger, nullable=False),
        # Both accounts must be on the transfer's ledger: one currency per transfer.
        sa.ForeignKeyConstraint(
            ["debit_account", "ledger"], ["accounts.timestamp", "accounts.ledger"],
            name="transfers_debit_account_same_ledger",
        ),
        sa.ForeignKeyConstraint(
            ["credit_account", "ledger"], ["accounts.timestamp", "accounts.ledger"],
            name="transfers_credit_account_same_ledger",
        ),
        sa.CheckConstraint("amount > 0", name="transfers_amount_positive"),
        sa.CheckConstraint("debit_account <> credit_account", name="transfers_accounts_differ"),
        sa.CheckConstraint("code BETWEEN 1 AND 65535", name="transfers_code_range"),
        sa.CheckConstraint(
            f"(flags & {POST | VOID}) = 0 OR pending_id IS NOT NULL",
            name="transfers_settlement_names_its_hold",
        ),
    )
    op.create_index("transfers_by_debit_account", "transfers", ["debit_account", "timestamp"])
    op.create_index("transfers_by_credit_account", "transfers", ["credit_account", "timestamp"])

    op.create_table(
        "pending_transfers",
        sa.Column(
            "timestamp", Key, sa.ForeignKey("transfers.timestamp"),
            primary_key=True, autoincrement=False,
        ),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'posted', 'voided', 'expired')",
            name="pending_transfers_status",
        ),
    )
    op.create_index(
        "pending_transfers_open_by_expiry", "pending_transfers", ["expires_at"],
        sqlite_where=sa.text("status = 'pending' AND expires_at > 0"),
        postgresql_where=sa.text("status = 'pending' AND expires_at > 0"),
    )

    op.create_table(
        "account_balances",
        sa.Column("account", sa.BigInteger, sa.ForeignKey("accounts.timestamp"), nullable=False),
        sa.Column("timestamp", sa.BigInteger, nullable=False),
        sa.Column("debits_pending", Amount, nullable=False),
        sa.Column("debits_posted", Amount, nullable=False),
        sa.Column("credits_pending", Amount, nullable=False),
        sa.Column("credits_posted", Amount, nullable=False),
        sa.PrimaryKeyConstraint("account", "timestamp"),
    )


def downgrade() -> None:
    """Drop the ledger's tables."""
    for table in ("account_balances", "pending_transfers", "transfers", "accounts", "ledger_clock"):
        op.drop_table(table)
