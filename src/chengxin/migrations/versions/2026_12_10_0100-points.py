"""points: who opted in to integrity points, and the office's grade distributions (issue 20)

Revision ID: b9points0024
Revises: b8sources0023
Create Date: 2026-12-10 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'b9points0024'
down_revision: str | None = 'b8sources0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'points_consents',
        sa.Column('person_key', sa.String(length=32), nullable=False),
        sa.Column('opted_in_at', chengxin.coltypes.UTCDateTime(), nullable=False),
        sa.Column('model_version', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['person_key'], ['persons.person_key'],
                                name=op.f('fk_points_consents_person_key_persons')),
        sa.PrimaryKeyConstraint('person_key', name=op.f('pk_points_consents')),
    )
    op.create_table(
        'points_runs',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('model_version', sa.String(length=32), nullable=False),
        sa.Column('model_text', sa.Text(), nullable=False),
        sa.Column('compare_text', sa.Text(), nullable=True),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('done', sa.Integer(), nullable=False),
        sa.Column('cells', sa.JSON(), nullable=True),
        sa.Column('moves', sa.JSON(), nullable=True),
        sa.Column('started_at', chengxin.coltypes.UTCDateTime(), nullable=False),
        sa.Column('finished_at', chengxin.coltypes.UTCDateTime(), nullable=True),
        sa.Column('started_by', sa.String(length=80), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_points_runs')),
    )


def downgrade() -> None:
    op.drop_table('points_runs')
    op.drop_table('points_consents')
