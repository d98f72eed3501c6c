"""repair by the deciding department: the channel of each application, the department's queue,
explanations on matters (issue 18 §3)

Revision ID: b7repair0018
Revises: b6exchange0015
Create Date: 2026-12-08 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'b7repair0018'
down_revision: str | None = 'b6exchange0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = chengxin.coltypes.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('repairs') as batch:
        batch.add_column(sa.Column('channel', sa.String(length=8), server_default='online', nullable=False))
    op.create_index('ix_repairs_department', 'repairs', ['department_code', 'status', 'filed_at'])
    op.create_table(
        'matter_explanations',
        sa.Column('subject_key', sa.String(length=32), nullable=False),
        sa.Column('matter_id', sa.String(length=26), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('filed_by', sa.String(length=26), nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.PrimaryKeyConstraint('subject_key', 'matter_id', name=op.f('pk_matter_explanations')),
    )


def downgrade() -> None:
    op.drop_table('matter_explanations')
    op.drop_index('ix_repairs_department', table_name='repairs')
    with op.batch_alter_table('repairs') as batch:
        batch.drop_column('channel')
