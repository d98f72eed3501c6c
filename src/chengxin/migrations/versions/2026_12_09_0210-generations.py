"""generations: counters that tell every serving process to drop its credential cache or reload
the editions in force (issue 19 §1)

Revision ID: b8generations0021
Revises: b7retention0020
Create Date: 2026-12-09 02:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b8generations0021'
down_revision: str | None = 'b7retention0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        'generations',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_generations')),
    )
    op.bulk_insert(table, [{'name': 'credentials', 'value': 0}, {'name': 'editions', 'value': 0}])


def downgrade() -> None:
    op.drop_table('generations')
