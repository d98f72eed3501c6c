"""the clerk's pages: issue labels and source record numbers, refused rows kept encrypted for a
while, batch checks with their history and result files

Revision ID: b3clerk00012
Revises: b2caseid0011
Create Date: 2026-12-06 20:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import chengxin.coltypes

revision: str = 'b3clerk00012'
down_revision: str | None = 'b2caseid0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('batch_issues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('source_record_id', sa.String(length=64), nullable=True))

    op.create_table('rejected_rows',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('batch_id', sa.String(length=26), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=32), nullable=True),
    sa.Column('content_cipher', sa.LargeBinary(), nullable=False),
    sa.Column('expires_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['batches.id'], name=op.f('fk_rejected_rows_batch_id_batches')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejected_rows'))
    )
    with op.batch_alter_table('rejected_rows', schema=None) as batch_op:
        batch_op.create_index('ix_rejected_rows_batch', ['batch_id', 'row'], unique=False)
        batch_op.create_index('ix_rejected_rows_expires', ['expires_at'], unique=False)

    op.create_table('check_batches',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('department_code', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.String(length=26), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('scenario', sa.String(length=48), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('business_ref', sa.String(length=100), nullable=True),
    sa.Column('created_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('result_cipher', sa.LargeBinary(), nullable=True),
    sa.Column('expires_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'],
                            name=op.f('fk_check_batches_department_code_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_batches'))
    )
    with op.batch_alter_table('check_batches', schema=None) as batch_op:
        batch_op.create_index('ix_check_batches_department', ['department_code', 'created_at'], unique=False)
        batch_op.create_index('ix_check_batches_expires', ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('check_batches', schema=None) as batch_op:
        batch_op.drop_index('ix_check_batches_expires')
        batch_op.drop_index('ix_check_batches_department')
    op.drop_table('check_batches')
    with op.batch_alter_table('rejected_rows', schema=None) as batch_op:
        batch_op.drop_index('ix_rejected_rows_expires')
        batch_op.drop_index('ix_rejected_rows_batch')
    op.drop_table('rejected_rows')
    with op.batch_alter_table('batch_issues', schema=None) as batch_op:
        batch_op.drop_column('source_record_id')
        batch_op.drop_column('label')
