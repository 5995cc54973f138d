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


# Both accounts of a transfer must be on the transfer's ledger: one currency per transfer.
# SQLite checks this with composite foreign keys, which cost it little. PostgreSQL runs
# each foreign-key check as a row trigger (about 11 microseconds a transfer, measured:
# more than everything else a batch writes), so there one statement-level trigger checks
# a whole batch's rows with a single join.
ONE_CURRENCY_TRIGGER = """
CREATE FUNCTION corridor_transfers_one_currency() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Each (account, currency) pair of the batch once: a batch touches far fewer
    -- accounts than it has legs, and each probe of accounts costs.
    IF EXISTS (
        SELECT 1 FROM (
            SELECT debit_account AS account, ledger FROM new_transfers
            UNION
            SELECT credit_account, ledger FROM new_transfers
        ) n
        LEFT JOIN accounts a ON a.timestamp = n.account
        WHERE a.ledger IS DISTINCT FROM n.ledger
    ) THEN
        RAISE EXCEPTION 'transfers_one_currency: a transfer moves one currency between'
            ' existing accounts on its own ledger' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER transfers_one_currency AFTER INSERT ON transfers
    REFERENCING NEW TABLE AS new_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION corridor_transfers_one_currency();
"""


# Moves the ledger's clock on only if it still reads what the writer last saw; otherwise
# another writer got in first, and the writer must retry (a serialization failure).
ADVANCE_CLOCK_FUNCTION = """
CREATE FUNCTION corridor_advance_clock(expected bigint, new bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ledger_clock SET last_timestamp = new WHERE id = 1 AND last_timestamp = expected;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ledger_clock_moved: the ledger changed since it was read'
            USING ERRCODE = 'serialization_failure';
    END IF;
END $$;
"""


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def _one_currency_foreign_keys() -> list[sa.ForeignKeyConstraint]:
    if _postgres():
        return []
    return [
        sa.ForeignKeyConstraint(
            [side, "ledger"],
            ["accounts.timestamp", "accounts.ledger"],
            name=f"transfers_{side}_same_ledger",
        )
        for side in ("debit_account", "credit_account")
    ]


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
        # The newest transfer on this account: the head of its chain of transfers.
        sa.Column("last_transfer", sa.BigInteger, nullable=False),
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
        sa.Column("id", Id128, nullable=False),
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
        # Each account's transfers form a chain from its newest transfer backwards: one
        # integer per side instead of two ever-growing per-account indexes, whose random
        # inserts would cost more than everything else a batch writes.
        sa.Column("debit_prev", sa.BigInteger, nullable=False),
        sa.Column("credit_prev", sa.BigInteger, nullable=False),
        # The store's answer to "was this id applied before?" on the hot path.
        sa.UniqueConstraint("id", name="transfers_id_unique"),
        *_one_currency_foreign_keys(),
        sa.CheckConstraint("amount > 0", name="transfers_amount_positive"),
        sa.CheckConstraint("debit_account <> credit_account", name="transfers_accounts_differ"),
        sa.CheckConstraint("code BETWEEN 1 AND 65535", name="transfers_code_range"),
        sa.CheckConstraint(
            f"(flags & {POST | VOID}) = 0 OR pending_id IS NOT NULL",
            name="transfers_settlement_names_its_hold",
        ),
        sa.CheckConstraint(
            "debit_prev < timestamp AND credit_prev < timestamp",
            name="transfers_chain_points_back",
        ),
    )

    if _postgres():
        # Room on each page for the new versions of updated balance rows, so that
        # PostgreSQL updates them in place (HOT) instead of touching every index.
        op.execute("ALTER TABLE accounts SET (fillfactor = 50)")
        op.execute(ONE_CURRENCY_TRIGGER)
        op.execute(ADVANCE_CLOCK_FUNCTION)

    op.create_table(
        "pending_transfers",
        sa.Column(
            "timestamp",
            Key,
            sa.ForeignKey("transfers.timestamp"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'posted', 'voided', 'expired')",
            name="pending_transfers_status",
        ),
    )
    op.create_index(
        "pending_transfers_open_by_expiry",
        "pending_transfers",
        ["expires_at"],
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
    if _postgres():
        op.execute("DROP TRIGGER transfers_one_currency ON transfers")
        op.execute("DROP FUNCTION corridor_transfers_one_currency()")
        op.execute("DROP FUNCTION corridor_advance_clock(bigint, bigint)")
    for table in ("account_balances", "pending_transfers", "transfers", "accounts", "ledger_clock"):
        op.drop_table(table)
