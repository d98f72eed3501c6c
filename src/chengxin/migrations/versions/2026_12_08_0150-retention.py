"""retention: purge run reports and the archive of repaired matters (issue 18 §6)

Revision ID: b7retention0020
Revises: b7catalog0019
Create Date: 2026-12-08 01:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'b7retention0020'
down_revision: str | None = 'b7catalog0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = chengxin.coltypes.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'retention_runs',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('trigger', sa.String(length=8), nullable=False),
        sa.Column('years', sa.Integer(), nullable=False),
        sa.Column('purge_repaired', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('started_at', TS, nullable=False),
        sa.Column('finished_at', TS, nullable=True),
        sa.Column('batches', sa.Integer(), nullable=False),
        sa.Column('scanned', sa.Integer(), nullable=False),
        sa.Column('purged', sa.Integer(), nullable=False),
        sa.Column('records', sa.Integer(), nullable=False),
        sa.Column('archived', sa.Integer(), nullable=False),
        sa.Column('held', sa.Integer(), nullable=False),
        sa.Column('counts', chengxin.coltypes.JSONType, nullable=False),
        sa.Column('holds', chengxin.coltypes.JSONType, nullable=False),
        sa.Column('first_end', sa.Date(), nullable=True),
        sa.Column('last_end', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs')),
    )
    op.create_index('ix_retention_runs_as_of', 'retention_runs', ['as_of', 'status'])
    op.create_table(
        'repair_archive',
        sa.Column('subject_key', sa.String(length=32), nullable=False),
        sa.Column('matter_id', sa.String(length=26), nullable=False),
        sa.Column('item_code', sa.String(length=32), nullable=True),
        sa.Column('department_code', sa.String(length=64), nullable=False),
        sa.Column('source_record_id', sa.String(length=64), nullable=True),
        sa.Column('severity', sa.String(length=10), nullable=True),
        sa.Column('list_type', sa.String(length=8), nullable=True),
        sa.Column('repaired_on', sa.Date(), nullable=False),
        sa.Column('repair_id', sa.String(length=26), nullable=True),
        sa.Column('method', sa.String(length=24), nullable=True),
        sa.Column('decided_by', sa.String(length=80), nullable=True),
        sa.Column('decided_at', TS, nullable=True),
        sa.Column('purged_at', TS, nullable=False),
        sa.Column('run_id', sa.String(length=26), nullable=False),
        sa.PrimaryKeyConstraint('subject_key', 'matter_id', name=op.f('pk_repair_archive')),
    )
    op.create_index('ix_repair_archive_source', 'repair_archive', ['department_code', 'source_record_id'])


def downgrade() -> None:
    op.drop_index('ix_repair_archive_source', table_name='repair_archive')
    op.drop_table('repair_archive')
    op.drop_index('ix_retention_runs_as_of', table_name='retention_runs')
    op.drop_table('retention_runs')
