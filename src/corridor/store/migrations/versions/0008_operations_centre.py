"""The operations centre: reference data in the store (institutions as tenants, their
correspondent accounts, clients with their accounts and limits, fee schedules, FX
spreads); users' passwords; API keys and web sessions (both stored hashed); four-eyes
approvals of reference-data and role changes; the hash-chained audit log.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

Bic = sa.String(11)
Id = sa.String(32)  # uuid hex, chosen by the caller
Stamp = sa.String(32)  # ISO 8601 with offset
Json = sa.Text  # JSON text, written by the code that owns the table

_NO_UPDATE_SQLITE = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
"""
_NO_UPDATE_FUNCTION_PG = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END
$$ LANGUAGE plpgsql
"""
_NO_UPDATE_PG = """
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
"""


def upgrade() -> None:
    """Reference data, credentials, approvals and the audit log."""
    with op.batch_alter_table("users") as users:
        users.add_column(sa.Column("password_hash", sa.Text, nullable=True))
        users.add_column(sa.Column("client_id", sa.String(35), nullable=True))
        users.add_column(sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))
    op.create_table(
        "institutions",
        sa.Column("bic", Bic, primary_key=True),
        sa.Column("name", sa.String(140), nullable=False),
        sa.Column("city", sa.String(64), nullable=False, server_default=""),
        sa.Column("currencies", Json, nullable=False),
        sa.Column("roles", Json, nullable=False),
        sa.CheckConstraint("length(bic) = 11", name="institutions_bic11"),
    )
    op.create_table(
        "correspondent_accounts",
        sa.Column("servicer_bic", Bic, sa.ForeignKey("institutions.bic"), primary_key=True),
        sa.Column("owner_bic", Bic, sa.ForeignKey("institutions.bic"), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("limit_minor", sa.BigInteger, nullable=False),
        sa.Column("limit_kind", sa.String(16), nullable=False),
        sa.CheckConstraint("limit_minor >= 0", name="correspondent_accounts_limit"),
    )
    op.create_table(
        "clients",
        sa.Column("client_id", sa.String(35), primary_key=True),
        sa.Column("institution", Bic, sa.ForeignKey("institutions.bic"), nullable=False),
        sa.Column("name", sa.String(140), nullable=False),
        sa.Column("individual", sa.Boolean, nullable=False),
        sa.Column("limit_currency", sa.String(3), nullable=True),
        sa.Column("daily_limit_minor", sa.BigInteger, nullable=True),
        sa.Column("annual_limit_minor", sa.BigInteger, nullable=True),
        sa.Column("limit_zone", sa.String(64), nullable=False, server_default="UTC"),
        sa.CheckConstraint(
            "daily_limit_minor IS NULL OR daily_limit_minor >= 0", name="clients_daily"
        ),
        sa.CheckConstraint(
            "annual_limit_minor IS NULL OR annual_limit_minor >= 0", name="clients_annual"
        ),
    )
    op.create_index("clients_by_institution", "clients", ["institution", "client_id"])
    op.create_table(
        "client_accounts",
        sa.Column("identifier", sa.String(34), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("client_id", sa.String(35), sa.ForeignKey("clients.client_id"), nullable=False),
        sa.Column("institution", Bic, sa.ForeignKey("institutions.bic"), nullable=False),
        sa.Column("scheme", sa.String(2), nullable=False),
        sa.Column("cnaps_code", sa.String(12), nullable=False, server_default=""),
        sa.Column("position", sa.Integer, nullable=False),
        sa.CheckConstraint("scheme IN ('gb', 'hk', 'cn')", name="client_accounts_scheme"),
    )
    op.create_index("client_accounts_by_client", "client_accounts", ["client_id"])
    op.create_table(
        "fee_schedules",
        sa.Column("institution", Bic, sa.ForeignKey("institutions.bic"), primary_key=True),
        sa.Column("from_country", sa.String(2), primary_key=True),
        sa.Column("to_country", sa.String(2), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("fixed_minor", sa.BigInteger, nullable=False),
        sa.Column("basis_points", sa.String(20), nullable=False),
        sa.Column("minimum_minor", sa.BigInteger, nullable=False),
        sa.Column("maximum_minor", sa.BigInteger, nullable=True),
        sa.Column("rounding", sa.String(20), nullable=False),
        sa.CheckConstraint("fixed_minor >= 0 AND minimum_minor >= 0", name="fee_schedules_amounts"),
    )
    op.create_table(
        "fx_spreads",
        sa.Column("institution", sa.String(11), primary_key=True),
        sa.Column("pair", sa.String(7), primary_key=True),
        sa.Column("basis_points", sa.String(20), nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("key_id", Id, primary_key=True),
        sa.Column("user_id", Id, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", Json, nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("last_used_at", Stamp, nullable=True),
        sa.Column("revoked_at", Stamp, nullable=True),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_sha256", sa.String(64), primary_key=True),
        sa.Column("user_id", Id, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("expires_at", Stamp, nullable=False),
        sa.Column("ended_at", Stamp, nullable=True),
    )
    op.create_table(
        "approvals",
        sa.Column("approval_id", Id, primary_key=True),
        sa.Column("institution", Bic, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("before", Json, nullable=True),
        sa.Column("after", Json, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("maker_id", Id, sa.ForeignKey("users.user_id"), nullable=False),
        sa.Column("checker_id", Id, sa.ForeignKey("users.user_id"), nullable=True),
        sa.Column("created_at", Stamp, nullable=False),
        sa.Column("decided_at", Stamp, nullable=True),
        sa.Column("decision_reason", sa.Text, nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name="approvals_status"
        ),
        sa.CheckConstraint(
            "checker_id IS NULL OR checker_id <> maker_id", name="approvals_four_eyes"
        ),
    )
    # One pending change per thing at a time: a second proposal waits for the first.
    op.create_index(
        "approvals_one_pending",
        "approvals",
        ["kind", "target"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("institution", sa.String(11), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("before", Json, nullable=True),
        sa.Column("after", Json, nullable=True),
        sa.Column("prev_sha256", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_index("audit_log_by_institution", "audit_log", ["institution", "seq"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_NO_UPDATE_FUNCTION_PG)
        op.execute(_NO_UPDATE_PG)
    else:
        op.execute(_NO_UPDATE_SQLITE)


def downgrade() -> None:
    """Drop the operations centre's tables and the users' new columns."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "audit_log",
        "approvals",
        "web_sessions",
        "api_keys",
        "fx_spreads",
        "fee_schedules",
        "client_accounts",
        "clients",
        "correspondent_accounts",
        "institutions",
    ):
        op.drop_table(table)
    with op.batch_alter_table("users") as users:
        users.drop_column("active")
        users.drop_column("client_id")
        users.drop_column("password_hash")
