"""batches say what landed: rows stored through, why an import stopped, issue counts, the owner's lease

Revision ID: u6batchout10
Revises: a9edits00009
Create Date: 2026-11-22 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import chengxin.coltypes

revision: str = 'u6batchout10'
down_revision: str | None = 'a9edits00009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rows_through', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('error_code', sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column('error_message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('issue_counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('owner', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('owner')
        batch_op.drop_column('issue_counts')
        batch_op.drop_column('error_message')
        batch_op.drop_column('error_code')
        batch_op.drop_column('rows_through')
