"""repair by the deciding department: the channel of each application, the department's queue,
explanations, extensions and pending reconsiderations or lawsuits on matters (issue 18 §3)

Revision ID: b7repair0018
Revises: b7listing0017
Create Date: 2026-12-08 01:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'b7repair0018'
down_revision: str | None = 'b7listing0017'
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
    op.create_table(
        'matter_extensions',
        sa.Column('subject_key', sa.String(length=32), nullable=False),
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('matter_id', sa.String(length=26), nullable=False),
        sa.Column('department_code', sa.String(length=64), nullable=False),
        sa.Column('obligation', sa.String(length=100), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('requested_until', sa.Date(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('filed_by', sa.String(length=26), nullable=True),
        sa.Column('filed_at', TS, nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('granted_until', sa.Date(), nullable=True),
        sa.Column('decided_at', TS, nullable=True),
        sa.Column('decided_by', sa.String(length=80), nullable=True),
        sa.Column('decision_reason', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_matter_extensions')),
    )
    op.create_index('ix_matter_extensions_id', 'matter_extensions', ['id'])
    op.create_index('ix_matter_extensions_department', 'matter_extensions', ['department_code', 'status', 'filed_at'])
    op.create_table(
        'matter_appeals',
        sa.Column('subject_key', sa.String(length=32), nullable=False),
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('matter_id', sa.String(length=26), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('case_number', sa.String(length=100), nullable=False),
        sa.Column('body', sa.String(length=100), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('recorded_by', sa.String(length=80), nullable=False),
        sa.Column('recorded_at', TS, nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('outcome_on', sa.Date(), nullable=True),
        sa.Column('outcome_note', sa.Text(), nullable=True),
        sa.Column('closed_by', sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_matter_appeals')),
    )
    op.create_index('ix_matter_appeals_id', 'matter_appeals', ['id'])
    op.create_index('ix_matter_appeals_matter', 'matter_appeals', ['subject_key', 'matter_id'])


def downgrade() -> None:
    op.drop_table('matter_appeals')
    op.drop_table('matter_extensions')
    op.drop_table('matter_explanations')
    op.drop_index('ix_repairs_department', table_name='repairs')
    with op.batch_alter_table('repairs') as batch:
        batch.drop_column('channel')
