"""Investment funds: the fund register (funds, share classes, NAVs per dealing day) and the
unit register (subscription and redemption orders, whose dealt units are the holdings).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Four tables; an order's payment and each class's orders are indexed."""
    op.create_table(
        "funds",
        sa.Column("fund_id", sa.String(35), primary_key=True),
        sa.Column("name", sa.String(140), nullable=False),
        sa.Column("name_zh", sa.String(140), nullable=False, server_default=""),
        sa.Column("domicile", sa.String(2), nullable=False),
        sa.Column("structure", sa.String(140), nullable=False),
        sa.Column("manager_bic", sa.String(11), nullable=False),
        sa.Column("depositary_bic", sa.String(11), nullable=False),
        sa.Column("taxonomy_aligned", sa.String(12), nullable=False),
        sa.Column("aligned_basis", sa.Text, nullable=False),
    )
    op.create_table(
        "fund_share_classes",
        sa.Column("isin", sa.String(12), primary_key=True),
        sa.Column("fund_id", sa.String(35), sa.ForeignKey("funds.fund_id"), nullable=False),
        sa.Column("name", sa.String(140), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("account", sa.String(34), nullable=False),
        sa.Column("unit_places", sa.Integer, nullable=False),
        sa.Column("nav_places", sa.Integer, nullable=False),
    )
    op.create_table(
        "fund_navs",
        sa.Column(
            "isin", sa.String(12), sa.ForeignKey("fund_share_classes.isin"), primary_key=True
        ),
        sa.Column("nav_date", sa.String(10), primary_key=True),
        sa.Column("nav", sa.String(40), nullable=False),
        sa.Column("published_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "fund_orders",
        sa.Column("order_id", sa.String(35), primary_key=True),
        sa.Column("isin", sa.String(12), sa.ForeignKey("fund_share_classes.isin"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("investor_bic", sa.String(11), nullable=False),
        sa.Column("investor_account", sa.String(34), nullable=False),
        sa.Column("investor_name", sa.String(140), nullable=False),
        sa.Column("placed_on", sa.String(10), nullable=False),
        sa.Column("placed_at", sa.String(32), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("instructed_minor", sa.BigInteger),
        sa.Column("instructed_currency", sa.String(3)),
        sa.Column("amount_minor", sa.BigInteger, nullable=False),
        sa.Column("units", sa.BigInteger, nullable=False),
        sa.Column("uetr", sa.String(36), nullable=False, server_default=""),
        sa.Column("nav_date", sa.String(10)),
        sa.Column("nav", sa.String(40)),
        sa.Column("residue", sa.String(40), nullable=False, server_default="0"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.CheckConstraint("units >= 0 AND amount_minor >= 0", name="fund_orders_not_negative"),
    )
    op.create_index(
        "fund_orders_investor", "fund_orders", ["isin", "investor_bic", "investor_account"]
    )
    op.create_index("fund_orders_status", "fund_orders", ["status"])


def downgrade() -> None:
    """Drop the four tables."""
    op.drop_table("fund_orders")
    op.drop_table("fund_navs")
    op.drop_table("fund_share_classes")
    op.drop_table("funds")
