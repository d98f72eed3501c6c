"""the register of issued citizen credit credentials (issue 16)

Revision ID: b5credentials0014
Revises: b4reports0013
Create Date: 2026-12-07 00:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'b5credentials0014'
down_revision: str | None = 'b4reports0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'credentials',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('subject_key', sa.String(length=32), nullable=False),
        sa.Column('claim', sa.String(length=24), nullable=False),
        sa.Column('claim_detail', sa.String(length=26), nullable=True),
        sa.Column('issued_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('valid_until', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column('document', chengxin.coltypes.JSONType, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_credentials')),
    )
    op.create_index('ix_credentials_subject_issued', 'credentials', ['subject_key', 'issued_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_credentials_subject_issued', table_name='credentials')
    op.drop_table('credentials')
