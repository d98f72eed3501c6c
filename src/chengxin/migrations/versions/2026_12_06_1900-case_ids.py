"""objections and repair applications are found by their id alone: index it

Revision ID: b2caseid0011
Revises: b1confl00010
Create Date: 2026-12-06 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = 'b2caseid0011'
down_revision: str | None = 'b1confl00010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index('ix_objections_id', ['id'], unique=False)
    with op.batch_alter_table('repairs', schema=None) as batch_op:
        batch_op.create_index('ix_repairs_id', ['id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('repairs', schema=None) as batch_op:
        batch_op.drop_index('ix_repairs_id')
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index('ix_objections_id')
