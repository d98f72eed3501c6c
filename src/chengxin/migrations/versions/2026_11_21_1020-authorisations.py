"""authorisations

Revision ID: a3authz00003
Revises: a2aud1t00002
Create Date: 2026-11-21 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import chengxin.coltypes

revision: str = 'a3authz00003'
down_revision: str | None = 'a2aud1t00002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('authorisations',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('grantor_key', sa.String(length=32), nullable=False),
    sa.Column('grantee_uscc', sa.String(length=18), nullable=False),
    sa.Column('purpose_code', sa.String(length=24), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('valid_from', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('use_mode', sa.String(length=10), nullable=False),
    sa.Column('issued_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('use_count', sa.Integer(), nullable=False),
    sa.Column('last_used_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorisations'))
    )
    with op.batch_alter_table('authorisations', schema=None) as batch_op:
        batch_op.create_index('ix_authorisations_grantor_issued', ['grantor_key', 'issued_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('authorisations', schema=None) as batch_op:
        batch_op.drop_index('ix_authorisations_grantor_issued')

    op.drop_table('authorisations')
