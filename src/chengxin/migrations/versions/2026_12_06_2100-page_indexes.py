"""pages on a large database: persons found by name, matters walked newest first

The public search finds a person by full name (persons.name) instead of scanning every matter
with its person, and the public records and lists walk matters by start date, newest first,
and stop at a page (issue 15: every page under 200 ms on 1,000,000 persons).

Revision ID: b3pageix0012
Revises: b2caseid0011
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = 'b3pageix0012'
down_revision: str | None = 'b2caseid0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index('ix_persons_name', ['name'], unique=False)
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.create_index('ix_matters_start', ['start_date', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index('ix_matters_start')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index('ix_persons_name')
