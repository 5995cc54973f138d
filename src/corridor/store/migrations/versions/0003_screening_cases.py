"""Users, screening cases with four-eyes decisions, frozen parties, cleared false positives.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.String(32)  # uuid hex, chosen by the caller
Stamp = sa.String(32)  # ISO 8601 with offset
Version = sa.BigInteger  # a sanctions list version (nanoseconds)
UNDECIDED = "status IN ('open', 'proposed')"


def upgrade() -> None:
    """Users; cases and their events; what a decided case left behind."""
    op.create_table(
        "users",
        sa.Column("user_id", Id, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("institution", sa.String(11), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", Stamp, nullable=False),
        sa.CheckConstraint(
            "role IN ('admin', 'operator', 'compliance', 'auditor', 'read-only')",
            name="users_role",
        ),
        sa.CheckConstraint("length(institution) IN (8, 11)", name="users_institution_bic"),
    )
    op.create_table(
        "screening_cases",
        sa.Column("case_id", Id, primary_key=True),
        sa.Column("payment_ref", sa.String(140), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        # What screening said (review or block), and the whole screening record as JSON.
        sa.Column("screening_decision", sa.String(8), nullable=False),
        sa.Column("screening", sa.Text, nullable=False),
        # The proposal awaiting its checker (both set exactly when status = 'proposed').
        sa.Column("proposed_by", Id, sa.ForeignKey("users.user_id"), nullable=True),
        sa.Column("proposed_decision", sa.String(16), nullable=True),
        sa.Column("opened_at", Stamp, nullable=False),
        sa.Column("closed_at", Stamp, nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'proposed', 'rejected', 'released')", name="cases_status"
        ),
        sa.CheckConstraint(
            "screening_decision IN ('review', 'block')", name="cases_screening_decision"
        ),
        sa.CheckConstraint(
            "(status = 'proposed') = (proposed_by IS NOT NULL AND proposed_decision IS NOT NULL)",
            name="cases_proposal",
        ),
        sa.CheckConstraint(
            "proposed_decision IS NULL OR proposed_decision IN ('true_match', 'false_positive')",
            name="cases_proposed_decision",
        ),
        sa.CheckConstraint(f"({UNDECIDED}) = (closed_at IS NULL)", name="cases_closed_at"),
    )
    op.create_index("screening_cases_by_status", "screening_cases", ["status", "opened_at"])
    # A payment is held in one undecided case at a time.
    op.create_index(
        "screening_cases_one_undecided_per_payment",
        "screening_cases",
        ["payment_ref"],
        unique=True,
        sqlite_where=sa.text(UNDECIDED),
        postgresql_where=sa.text(UNDECIDED),
    )
    op.create_table(
        "case_events",
        sa.Column("case_id", Id, sa.ForeignKey("screening_cases.case_id"), nullable=False),
        # 1, 2, 3 … per case: the order of events, and (being unique) the guard that two
        # deciders acting at once cannot both succeed.
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", Stamp, nullable=False),
        sa.Column("user_id", Id, sa.ForeignKey("users.user_id"), nullable=True),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("case_id", "seq"),
        sa.CheckConstraint(
            "action IN ('opened', 'proposed', 'confirmed', 'disputed')", name="case_events_action"
        ),
        sa.CheckConstraint(
            "(action = 'opened') = (user_id IS NULL AND decision IS NULL)",
            name="case_events_actor",
        ),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('true_match', 'false_positive')",
            name="case_events_decision",
        ),
    )
    op.create_table(
        "frozen_parties",
        sa.Column("case_id", Id, sa.ForeignKey("screening_cases.case_id"), nullable=False),
        sa.Column("party_key", sa.String(600), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("list", sa.String(32), nullable=False),
        sa.Column("list_version", Version, nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("frozen_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("case_id", "party_key"),
    )
    op.create_index("frozen_parties_by_key", "frozen_parties", ["party_key"])
    op.create_table(
        "cleared_candidates",
        sa.Column("party_key", sa.String(600), nullable=False),
        sa.Column("list", sa.String(32), nullable=False),
        sa.Column("list_version", Version, nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("case_id", Id, sa.ForeignKey("screening_cases.case_id"), nullable=False),
        sa.Column("cleared_at", Stamp, nullable=False),
        sa.PrimaryKeyConstraint("party_key", "list", "list_version", "entry_id"),
    )


def downgrade() -> None:
    """Drop the cases, their outcomes and the users."""
    op.drop_table("cleared_candidates")
    op.drop_table("frozen_parties")
    op.drop_table("case_events")
    op.drop_table("screening_cases")
    op.drop_table("users")
