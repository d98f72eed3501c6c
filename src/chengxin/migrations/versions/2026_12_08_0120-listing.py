"""the listing procedure: prior notice, statement and defence, decision (issue 18 §2)

Revision ID: b7listing0017
Revises: b6exchange0015
Create Date: 2026-12-08 01:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'b7listing0017'
down_revision: str | None = 'b6exchange0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = chengxin.coltypes.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'listing_procedures',
        sa.Column('subject_key', sa.String(length=32), nullable=False),
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('department_code', sa.String(length=64), nullable=False),
        sa.Column('list_type', sa.String(length=8), nullable=False),
        sa.Column('item_code', sa.String(length=32), nullable=True),
        sa.Column('severity', sa.String(length=10), nullable=False),
        sa.Column('facts', sa.Text(), nullable=False),
        sa.Column('basis', sa.Text(), nullable=False),
        sa.Column('reference', sa.String(length=100), nullable=True),
        sa.Column('measures', chengxin.coltypes.JSONType, nullable=False),
        sa.Column('term_months', sa.Integer(), nullable=False),
        sa.Column('noticed_on', sa.Date(), nullable=False),
        sa.Column('statement_due', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('statement', sa.Text(), nullable=True),
        sa.Column('stated_at', TS, nullable=True),
        sa.Column('stated_via', sa.String(length=8), nullable=True),
        sa.Column('stated_clerk', sa.String(length=26), nullable=True),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('decided_by', sa.String(length=26), nullable=True),
        sa.Column('reasons', sa.Text(), nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('matter_id', sa.String(length=26), nullable=True),
        sa.Column('created_by', sa.String(length=26), nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('updated_at', TS, nullable=False),
        sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                                name=op.f('fk_listing_procedures_department_code_departments')),
        sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_listing_procedures')),
    )
    op.create_index('ix_listing_procedures_id', 'listing_procedures', ['id'])
    op.create_index('ix_listing_procedures_department', 'listing_procedures',
                    ['department_code', 'state', 'statement_due'])


def downgrade() -> None:
    op.drop_index('ix_listing_procedures_department', table_name='listing_procedures')
    op.drop_index('ix_listing_procedures_id', table_name='listing_procedures')
    op.drop_table('listing_procedures')
