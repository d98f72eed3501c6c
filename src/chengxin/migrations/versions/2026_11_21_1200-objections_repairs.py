"""objections, credit repairs, case history and evidence; records.repaired_at

Revision ID: a6cases0006
Revises: a5notice0005
Create Date: 2026-11-21 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'a6cases0006'
down_revision: str | None = 'a5notice0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_events',
    sa.Column('subject_key', sa.String(length=32), nullable=False),
    sa.Column('case_id', sa.String(length=26), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('case_kind', sa.String(length=12), nullable=False),
    sa.Column('at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('subject_key', 'case_id', 'seq', name=op.f('pk_case_events'))
    )
    op.create_table('evidence_files',
    sa.Column('subject_key', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('case_id', sa.String(length=26), nullable=False),
    sa.Column('case_kind', sa.String(length=12), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_cipher', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_evidence_files'))
    )
    op.create_table('job_watermarks',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('updated_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_watermarks'))
    )
    op.create_table('objections',
    sa.Column('subject_key', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('target_kind', sa.String(length=12), nullable=False),
    sa.Column('target_id', sa.String(length=26), nullable=False),
    sa.Column('source_record_id', sa.String(length=64), nullable=True),
    sa.Column('item_code', sa.String(length=32), nullable=True),
    sa.Column('department_code', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('filed_by', sa.String(length=26), nullable=True),
    sa.Column('agent_uscc', sa.String(length=18), nullable=True),
    sa.Column('authorisation_id', sa.String(length=26), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('filed_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('deadline_estimated', sa.Boolean(), nullable=False),
    sa.Column('escalated_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('new_record_id', sa.String(length=26), nullable=True),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_objections_department_code_departments')),
    sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_objections'))
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index('ix_objections_department_status', ['department_code', 'status'], unique=False)
        batch_op.create_index('ix_objections_status_deadline', ['status', 'deadline'], unique=False)

    op.create_table('repairs',
    sa.Column('subject_key', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('target_kind', sa.String(length=12), nullable=False),
    sa.Column('target_id', sa.String(length=26), nullable=False),
    sa.Column('source_record_id', sa.String(length=64), nullable=True),
    sa.Column('item_code', sa.String(length=32), nullable=True),
    sa.Column('department_code', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('method', sa.String(length=24), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('commitment_text', sa.Text(), nullable=False),
    sa.Column('commitment_sha256', sa.String(length=64), nullable=False),
    sa.Column('commitment_signed_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('commitment_key_id', sa.String(length=40), nullable=False),
    sa.Column('commitment_signature', sa.String(length=100), nullable=False),
    sa.Column('filed_by', sa.String(length=26), nullable=True),
    sa.Column('agent_uscc', sa.String(length=18), nullable=True),
    sa.Column('authorisation_id', sa.String(length=26), nullable=True),
    sa.Column('protected_minor', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('filed_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accept_deadline', sa.Date(), nullable=False),
    sa.Column('accepted_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decide_deadline', sa.Date(), nullable=True),
    sa.Column('decided_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewer', sa.String(length=80), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('overdue_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_repairs_department_code_departments')),
    sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_repairs'))
    )
    with op.batch_alter_table('repairs', schema=None) as batch_op:
        batch_op.create_index('ix_repairs_status_filed', ['status', 'filed_at'], unique=False)

    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repaired_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_records_batch', ['batch_id'], unique=False)
        batch_op.create_index('ix_records_id', ['id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_id')
        batch_op.drop_index('ix_records_batch')
        batch_op.drop_column('repaired_at')

    with op.batch_alter_table('repairs', schema=None) as batch_op:
        batch_op.drop_index('ix_repairs_status_filed')

    op.drop_table('repairs')
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index('ix_objections_status_deadline')
        batch_op.drop_index('ix_objections_department_status')

    op.drop_table('objections')
    op.drop_table('job_watermarks')
    op.drop_table('evidence_files')
    op.drop_table('case_events')
