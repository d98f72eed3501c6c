"""tip-off outcomes: how a closed tip-off ended (转办 to which department, 不予受理, 办结)

Revision ID: b3tipout0012
Revises: b3clerk00012
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b3tipout0012'
down_revision: str | None = 'b3clerk00012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tipoffs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('transferred_to', sa.String(length=64), nullable=True))
    # Tip-offs closed before outcomes existed were closed with a result: 办结.
    op.execute("UPDATE tipoffs SET outcome = 'resolved' WHERE status = 'closed'")


def downgrade() -> None:
    with op.batch_alter_table('tipoffs', schema=None) as batch_op:
        batch_op.drop_column('transferred_to')
        batch_op.drop_column('outcome')
