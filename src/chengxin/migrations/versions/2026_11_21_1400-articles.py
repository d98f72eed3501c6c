"""credit knowledge and typical cases

Revision ID: a8articl0008
Revises: a7tipoff0007
Create Date: 2026-11-21 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'a8articl0008'
down_revision: str | None = 'a7tipoff0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('articles',
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('published_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('author', sa.String(length=80), nullable=False),
    sa.Column('created_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index('ix_articles_kind_published', ['kind', 'published_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_kind_published')

    op.drop_table('articles')
