"""alerts and subject-key aliases

Revision ID: a4alerts0004
Revises: a3authz00003
Create Date: 2026-11-21 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import chengxin.coltypes

revision: str = 'a4alerts0004'
down_revision: str | None = 'a3authz00003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('alerts',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=120), nullable=False),
    sa.Column('window_start', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('window_end', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.String(length=26), nullable=True),
    sa.Column('department_code', sa.String(length=64), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('raised_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=64), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('rule', 'subject', 'window_start', name='uq_alerts_rule_subject_window')
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_status_raised_at', ['status', 'raised_at'], unique=False)

    op.create_table('subject_key_aliases',
    sa.Column('old_key', sa.String(length=32), nullable=False),
    sa.Column('new_key', sa.String(length=32), nullable=False),
    sa.Column('subject_kind', sa.String(length=12), nullable=False),
    sa.Column('hash_version', sa.Integer(), nullable=False),
    sa.Column('created_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('old_key', name=op.f('pk_subject_key_aliases'))
    )
    with op.batch_alter_table('subject_key_aliases', schema=None) as batch_op:
        batch_op.create_index('ix_subject_key_aliases_new_key', ['new_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('subject_key_aliases', schema=None) as batch_op:
        batch_op.drop_index('ix_subject_key_aliases_new_key')
    op.drop_table('subject_key_aliases')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_status_raised_at')
    op.drop_table('alerts')
