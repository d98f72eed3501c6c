"""pages on a large database: persons found by name, matters walked newest first

The public search finds a person by full name (persons.name) instead of scanning every matter
with its person; the public records walk matters by start date, newest first, and stop at a page;
the counts of the public lists and records read the matters' own columns and each person's birth
date from indexes, not from the rows; the assessment reads what was collected in its period from an
index, not from the records' rows (issue 15: every page under 200 ms on 1,000,000 persons).

Revision ID: b3pageix0012
Revises: b3tipout0012
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = 'b3pageix0012'
down_revision: str | None = 'b3tipout0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the public pages filter matters on, after the order they walk them in.
START = ['start_date', 'id', 'item_code', 'nature', 'severity', 'list_type', 'planned_end', 'ended_on',
         'subject_kind', 'subject_key']
LISTED = ['list_type', 'start_date', 'ended_on', 'planned_end', 'subject_kind', 'subject_key']


def upgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index('ix_persons_name', ['name'], unique=False)
        batch_op.create_index('ix_persons_birth', ['person_key', 'birth_date'], unique=False)
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.create_index('ix_records_recorded', ['recorded_at', 'version', 'department_code', 'decision_date'],
                              unique=False)
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.create_index('ix_matters_start', START, unique=False)
        batch_op.drop_index('ix_matters_list')
        batch_op.create_index('ix_matters_list', LISTED, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index('ix_matters_list')
        batch_op.create_index('ix_matters_list', ['list_type', 'start_date'], unique=False)
        batch_op.drop_index('ix_matters_start')
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_index('ix_records_recorded')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index('ix_persons_birth')
        batch_op.drop_index('ix_persons_name')
