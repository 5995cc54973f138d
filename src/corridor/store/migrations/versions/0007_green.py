"""Green finance: projects, green bonds and their eligible projects, the allocation journal
(each row one ledger transfer), classifications, and impact per project.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Day = sa.String(10)  # ISO 8601 date
Stamp = sa.String(32)  # ISO 8601 with offset
Decimal = sa.String(40)  # an exact decimal as text (impact figures, capacity)


def upgrade() -> None:
    """The green tables; money in integer minor units of the row's currency."""
    op.create_table(
        "green_projects",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_zh", sa.String(200), nullable=False, server_default=""),
        sa.Column("side", sa.String(16), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("nace", sa.String(10), nullable=False, server_default=""),
        sa.Column("cn_industry", sa.String(10), nullable=False, server_default=""),
        sa.Column("technology", sa.String(40), nullable=False, server_default=""),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("total_cost", sa.BigInteger, nullable=False),
        sa.Column("approved_on", Day, nullable=False),
        sa.Column("grid", sa.String(20), nullable=False, server_default=""),
        sa.CheckConstraint("total_cost > 0", name="green_projects_cost"),
        sa.CheckConstraint("side IN ('luohu', 'hong_kong', 'london')", name="green_projects_side"),
    )
    op.create_table(
        "green_bonds",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("isin", sa.String(12), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("issuer_bic", sa.String(11), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("proceeds", sa.BigInteger, nullable=False),
        sa.Column("issued_on", Day, nullable=False),
        sa.Column("matures_on", Day, nullable=False),
        # the framework: taxonomies and versions it follows, categories, external review,
        # the policy for unallocated proceeds (JSON)
        sa.Column("framework", sa.Text, nullable=False),
        sa.CheckConstraint("proceeds > 0", name="green_bonds_proceeds"),
    )
    op.create_table(
        "green_bond_projects",
        sa.Column("bond_id", sa.String(64), sa.ForeignKey("green_bonds.id"), primary_key=True),
        sa.Column(
            "project_id", sa.String(64), sa.ForeignKey("green_projects.id"), primary_key=True
        ),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("selected_on", Day, nullable=False),
    )
    op.create_table(
        "green_allocations",
        sa.Column("transfer_id", sa.String(32), primary_key=True),  # the ledger transfer, hex
        sa.Column("bond_id", sa.String(64), sa.ForeignKey("green_bonds.id"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("project_id", sa.String(64), sa.ForeignKey("green_projects.id"), nullable=True),
        sa.Column("placement", sa.String(40), nullable=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("booked_on", Day, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("amount > 0", name="green_allocations_amount"),
        sa.CheckConstraint(
            "kind IN ('issue', 'allocate', 'place', 'recall')", name="green_allocations_kind"
        ),
    )
    op.create_index("green_allocations_bond", "green_allocations", ["bond_id", "booked_on"])
    op.create_table(
        "green_classifications",
        sa.Column("subject", sa.String(100), primary_key=True),  # "project:ID", "payment:UETR"
        sa.Column("taxonomy", sa.String(20), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),  # a later decision supersedes
        sa.Column("version", sa.String(20), nullable=False),
        sa.Column("activity", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("method", sa.String(60), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("analyst", sa.String(64), nullable=False, server_default=""),
        sa.Column("classified_at", Stamp, nullable=False),
        sa.CheckConstraint(
            "status IN ('eligible', 'aligned', 'not_eligible', 'rejected')",
            name="green_classifications_status",
        ),
    )
    op.create_table(
        "green_impacts",
        sa.Column(
            "project_id", sa.String(64), sa.ForeignKey("green_projects.id"), primary_key=True
        ),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("indicator", sa.String(40), primary_key=True),
        sa.Column("value", Decimal, nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("method", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Drop the green tables, children first."""
    op.drop_table("green_impacts")
    op.drop_table("green_classifications")
    op.drop_index("green_allocations_bond", "green_allocations")
    op.drop_table("green_allocations")
    op.drop_table("green_bond_projects")
    op.drop_table("green_bonds")
    op.drop_table("green_projects")
