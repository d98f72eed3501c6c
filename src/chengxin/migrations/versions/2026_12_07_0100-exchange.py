"""the exchange between platforms: outgoing feed, neighbour state, applied changes, refusals,
reconciliations (issue 17)

Revision ID: b6exchange0015
Revises: b5credentials0014
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'b6exchange0015'
down_revision: str | None = 'b5credentials0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = chengxin.coltypes.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'exchange_outgoing',
        sa.Column('id', SEQ, autoincrement=True, nullable=False),
        sa.Column('neighbour', sa.String(length=6), nullable=False),
        sa.Column('numbered', sa.Integer(), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('subject_key', sa.String(length=32), nullable=False),
        sa.Column('matter_id', sa.String(length=26), nullable=False),
        sa.Column('ref', sa.String(length=26), nullable=False),
        sa.Column('extra', chengxin.coltypes.JSONType, nullable=True),
        sa.Column('created_at', TS, nullable=False),
        sa.Column('digest', sa.String(length=32), nullable=True),
        sa.Column('category', sa.String(length=16), nullable=True),
        sa.Column('day', sa.Date(), nullable=True),
        sa.Column('sent_at', TS, nullable=True),
        sa.Column('acked_at', TS, nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_outgoing')),
    )
    op.create_index('ix_exchange_outgoing_feed', 'exchange_outgoing', ['neighbour', 'seq'])
    op.create_index('ix_exchange_outgoing_unnumbered', 'exchange_outgoing', ['neighbour', 'numbered', 'id'])
    op.create_index('ix_exchange_outgoing_matter', 'exchange_outgoing', ['subject_key', 'matter_id'])
    op.create_index('ix_exchange_outgoing_overdue', 'exchange_outgoing', ['kind', 'acked_at', 'sent_at'])
    op.create_table(
        'exchange_peers',
        sa.Column('code', sa.String(length=6), nullable=False),
        sa.Column('last_seq', sa.BigInteger(), nullable=False),
        sa.Column('acked_through', sa.BigInteger(), nullable=False),
        sa.Column('last_sent_at', TS, nullable=True),
        sa.Column('last_ack_at', TS, nullable=True),
        sa.Column('last_error_code', sa.String(length=48), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_error_at', TS, nullable=True),
        sa.Column('applied_through', sa.BigInteger(), nullable=False),
        sa.Column('last_received_at', TS, nullable=True),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_exchange_peers')),
    )
    op.create_table(
        'exchange_applied',
        sa.Column('sender', sa.String(length=6), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('digest', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('code', sa.String(length=48), nullable=True),
        sa.Column('subject_key', sa.String(length=32), nullable=True),
        sa.Column('matter_id', sa.String(length=26), nullable=True),
        sa.Column('applied_at', TS, nullable=False),
        sa.PrimaryKeyConstraint('sender', 'seq', name=op.f('pk_exchange_applied')),
    )
    op.create_index('ix_exchange_applied_day', 'exchange_applied', ['sender', 'day', 'category'])
    op.create_index('ix_exchange_applied_matter', 'exchange_applied', ['subject_key', 'matter_id'])
    op.create_table(
        'exchange_refusals',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('direction', sa.String(length=4), nullable=False),
        sa.Column('neighbour', sa.String(length=6), nullable=True),
        sa.Column('at', TS, nullable=False),
        sa.Column('code', sa.String(length=48), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('first_seq', sa.BigInteger(), nullable=True),
        sa.Column('last_seq', sa.BigInteger(), nullable=True),
        sa.Column('source', sa.String(length=255), nullable=True),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_refusals')),
    )
    op.create_index('ix_exchange_refusals_at', 'exchange_refusals', ['at'])
    op.create_table(
        'exchange_reconciliations',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('neighbour', sa.String(length=6), nullable=False),
        sa.Column('at', TS, nullable=False),
        sa.Column('day_from', sa.Date(), nullable=False),
        sa.Column('day_to', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('details', chengxin.coltypes.JSONType, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_reconciliations')),
    )
    op.create_index('ix_exchange_reconciliations_neighbour', 'exchange_reconciliations', ['neighbour', 'at'])
    op.create_table(
        'exchange_references',
        sa.Column('subject_key', sa.String(length=32), nullable=False),
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('source', sa.String(length=6), nullable=False),
        sa.Column('source_name', sa.String(length=200), nullable=False),
        sa.Column('source_ref', sa.String(length=64), nullable=False),
        sa.Column('item_code', sa.String(length=32), nullable=True),
        sa.Column('item_name', sa.String(length=200), nullable=False),
        sa.Column('decision_date', sa.Date(), nullable=False),
        sa.Column('content', chengxin.coltypes.JSONType, nullable=False),
        sa.Column('received_at', TS, nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('end_reason', sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_exchange_references')),
    )
    op.create_index('ix_exchange_references_source', 'exchange_references', ['source', 'source_ref'])
    op.create_table(
        'exchange_disclosures',
        sa.Column('subject_key', sa.String(length=32), nullable=False),
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('matter_id', sa.String(length=26), nullable=False),
        sa.Column('receiver', sa.String(length=18), nullable=False),
        sa.Column('via', sa.String(length=16), nullable=False),
        sa.Column('via_ref', sa.String(length=26), nullable=False),
        sa.Column('received_at', TS, nullable=False),
        sa.Column('notified_at', TS, nullable=True),
        sa.Column('confirmed_at', TS, nullable=True),
        sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_exchange_disclosures')),
    )
    op.create_index('ix_exchange_disclosures_matter', 'exchange_disclosures', ['subject_key', 'matter_id'])
    op.create_index('ix_exchange_disclosures_receiver', 'exchange_disclosures', ['receiver', 'confirmed_at'])


def downgrade() -> None:
    for table in ('exchange_disclosures', 'exchange_references', 'exchange_reconciliations', 'exchange_refusals', 'exchange_applied', 'exchange_peers',
                  'exchange_outgoing'):
        op.drop_table(table)
