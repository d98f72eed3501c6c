"""public tip-offs (举报)

Revision ID: a7tipoff0007
Revises: a6cases0006
Create Date: 2026-11-21 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'a7tipoff0007'
down_revision: str | None = 'a6cases0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('tipoffs',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('tracking_hash', sa.String(length=64), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('subject_name', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('contact_cipher', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('received_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tipoffs')),
    sa.UniqueConstraint('tracking_hash', name=op.f('uq_tipoffs_tracking_hash'))
    )
    with op.batch_alter_table('tipoffs', schema=None) as batch_op:
        batch_op.create_index('ix_tipoffs_status_received', ['status', 'received_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tipoffs', schema=None) as batch_op:
        batch_op.drop_index('ix_tipoffs_status_received')

    op.drop_table('tipoffs')
