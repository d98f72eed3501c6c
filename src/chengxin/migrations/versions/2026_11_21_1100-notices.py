"""notices: the outbox, the in-app mailbox, persons' contact details

Revision ID: a5notice0005
Revises: a4alerts0004
Create Date: 2026-11-21 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import chengxin.coltypes

revision: str = 'a5notice0005'
down_revision: str | None = 'a4alerts0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('inbox_messages',
    sa.Column('subject_key', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_inbox_messages')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_inbox_messages_idempotency_key'))
    )
    op.create_table('notices',
    sa.Column('subject_key', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=64), nullable=True),
    sa.Column('created_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_notices')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_notices_idempotency_key'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    op.create_table('person_contacts',
    sa.Column('person_key', sa.String(length=32), nullable=False),
    sa.Column('phone_cipher', sa.LargeBinary(), nullable=True),
    sa.Column('email_cipher', sa.LargeBinary(), nullable=True),
    sa.Column('updated_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('person_key', name=op.f('pk_person_contacts'))
    )


def downgrade() -> None:
    op.drop_table('person_contacts')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_status_next_attempt_at')
    op.drop_table('notices')
    op.drop_table('inbox_messages')
