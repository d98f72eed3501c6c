"""the register of issued credit reports and certificates (issue 16)

Revision ID: b4reports0013
Revises: b3pageix0012
Create Date: 2026-12-07 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'b4reports0013'
down_revision: str | None = 'b3pageix0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'reports',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('number', sa.String(length=20), nullable=False),
        sa.Column('check_code', sa.String(length=8), nullable=False),
        sa.Column('variant', sa.String(length=16), nullable=False),
        sa.Column('subject_key', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=12), nullable=False),
        sa.Column('requester_kind', sa.String(length=12), nullable=False),
        sa.Column('requester', sa.String(length=64), nullable=False),
        sa.Column('purpose_code', sa.String(length=24), nullable=True),
        sa.Column('purpose', sa.String(length=200), nullable=False),
        sa.Column('scope', chengxin.coltypes.JSONType, nullable=False),
        sa.Column('occupation', sa.String(length=40), nullable=True),
        sa.Column('scenario', sa.String(length=16), nullable=True),
        sa.Column('authorisation_id', sa.String(length=26), nullable=True),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('issued_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('matters', sa.Integer(), nullable=False),
        sa.Column('stamps', chengxin.coltypes.JSONType, nullable=False),
        sa.Column('certificate', sa.String(length=64), nullable=False),
        sa.Column('revoked_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_by', sa.String(length=64), nullable=True),
        sa.Column('revoked_reason', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    )
    op.create_index('ix_reports_number', 'reports', ['number'], unique=True)
    op.create_index('ix_reports_subject_issued', 'reports', ['subject_key', 'issued_at'], unique=False)
    op.create_index('ix_reports_requester_issued', 'reports', ['requester', 'issued_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_reports_requester_issued', table_name='reports')
    op.drop_index('ix_reports_subject_issued', table_name='reports')
    op.drop_index('ix_reports_number', table_name='reports')
    op.drop_table('reports')
