"""Sanctions lists: each load a version, with its entries.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """A version per load (never changed afterwards) and the entries it carried."""
    op.create_table(
        "sanctions_list_versions",
        # Nanoseconds when it was loaded: unique, ordered, chosen by the loader.
        sa.Column("version", Key, primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("published", sa.String(64), nullable=False),
        sa.Column("checksum", sa.String(64), nullable=False),
        sa.Column("files", sa.Text, nullable=False),
        sa.Column("entry_count", sa.Integer, nullable=False),
        sa.Column("loaded_at", sa.String(32), nullable=False),
        sa.CheckConstraint("entry_count >= 0", name="sanctions_list_versions_count"),
        sa.CheckConstraint("length(checksum) = 64", name="sanctions_list_versions_checksum"),
    )
    op.create_index(
        "sanctions_list_versions_by_source", "sanctions_list_versions", ["source", "version"]
    )
    op.create_table(
        "sanctions_entries",
        sa.Column(
            "version",
            sa.BigInteger,
            sa.ForeignKey("sanctions_list_versions.version"),
            nullable=False,
        ),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("primary_name", sa.Text, nullable=False),
        # Names, dates of birth, countries, programmes, reference, remarks: as JSON.
        sa.Column("details", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("version", "entry_id"),
        sa.CheckConstraint(
            "entity_type IN ('person', 'entity', 'vessel', 'aircraft')",
            name="sanctions_entries_type",
        ),
    )


def downgrade() -> None:
    """Drop the lists."""
    op.drop_table("sanctions_entries")
    op.drop_table("sanctions_list_versions")
