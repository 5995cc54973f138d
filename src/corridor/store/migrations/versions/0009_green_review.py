"""Green bonds: why each project is eligible for a bond's proceeds (the green tags it was
selected on, or an analyst's override with its reason), recorded with the selection.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Two columns on the bond's eligible projects; selections made before say so."""
    with op.batch_alter_table("green_bond_projects") as table:
        table.add_column(
            sa.Column(
                "eligibility",
                sa.Text,
                nullable=False,
                server_default="selected before eligibility was recorded",
            )
        )
        table.add_column(sa.Column("analyst", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("green_bond_projects") as table:
        table.drop_column("analyst")
        table.drop_column("eligibility")
