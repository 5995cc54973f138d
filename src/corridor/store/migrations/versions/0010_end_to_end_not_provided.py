"""Payments whose debtor gave no end-to-end id (ISO 20022's NOTPROVIDED) are each their
own: the unique index on (debtor agent, end-to-end id) leaves them out, as it leaves out
rejected payments.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_BEFORE = "status <> 'rejected'"
_AFTER = "status <> 'rejected' AND end_to_end_id <> 'NOTPROVIDED'"


def _index(where: str) -> None:
    op.create_index(
        "payments_instruction",
        "payments",
        ["debtor_agent", "end_to_end_id"],
        unique=True,
        sqlite_where=sa.text(where),
        postgresql_where=sa.text(where),
    )


def upgrade() -> None:
    """The index again, without NOTPROVIDED."""
    op.drop_index("payments_instruction", "payments")
    _index(_AFTER)


def downgrade() -> None:
    """The index as 0005 made it; refused while two stored payments of one debtor agent
    say NOTPROVIDED (the old index cannot hold them)."""
    op.drop_index("payments_instruction", "payments")
    _index(_BEFORE)
