"""conflicts, where a person's name came from, which department registered an organisation, the name
digest of an identity challenge

Revision ID: b1confl00010
Revises: b0matter0010
Create Date: 2026-12-06 17:31:57.830246
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'b1confl00010'
down_revision: str | None = 'b0matter0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('conflicts',
    sa.Column('subject_key', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('uscc', sa.String(length=18), nullable=True),
    sa.Column('current_value', sa.Text(), nullable=True),
    sa.Column('claimed_value', sa.Text(), nullable=False),
    sa.Column('department_code', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=16), nullable=False),
    sa.Column('item_code', sa.String(length=32), nullable=True),
    sa.Column('source_record_id', sa.String(length=64), nullable=True),
    sa.Column('batch_id', sa.String(length=26), nullable=True),
    sa.Column('open_key', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('occurrences', sa.Integer(), nullable=False),
    sa.Column('raised_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=80), nullable=True),
    sa.Column('resolved_value', sa.Text(), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_conflicts_department_code_departments')),
    sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_conflicts')),
    sa.UniqueConstraint('subject_key', 'open_key', name='uq_conflicts_open_claim')
    )
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.create_index('ix_conflicts_id', ['id'], unique=False)
        batch_op.create_index('ix_conflicts_status_raised', ['status', 'raised_at'], unique=False)

    with op.batch_alter_table('identity_challenges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_digest', sa.String(length=64), nullable=True))

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_by', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organisations_registered_by_departments'), 'departments', ['registered_by'], ['code'])

    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_source', sa.String(length=20), nullable=True))
    # An organisation registered before belongs to the department that recorded its responsible
    # persons (a NULL name_source is a department's submission: no backfill of the persons table).
    op.execute("UPDATE organisations SET registered_by = (SELECT min(r.department_code) FROM organisation_roles r"
               " WHERE r.uscc = organisations.uscc)")


def downgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_column('name_source')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organisations_registered_by_departments'), type_='foreignkey')
        batch_op.drop_column('registered_by')

    with op.batch_alter_table('identity_challenges', schema=None) as batch_op:
        batch_op.drop_column('name_digest')

    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.drop_index('ix_conflicts_status_raised')
        batch_op.drop_index('ix_conflicts_id')

    op.drop_table('conflicts')
