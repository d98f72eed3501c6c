"""lean writes: no per-row department look-up on checks and matters; list and occupation
indexes only over the matters that have one (issue 19)

Revision ID: b9lean0025
Revises: b9points0024
Create Date: 2026-12-11 01:00:00

- `checks.department_code` and `matters.department_code` lose their foreign key to
  `departments`. A foreign key is checked row by row (a look-up of the department with a
  share lock on its row): on these two tables, written a chunk of thousands of rows at a time,
  that was the largest single cost of writing them (a batch of 100,000 checks: COPY of the check
  rows 2.4 s with it, 1.4 s without). Neither needs it: a check's department is its caller's,
  whose account refers to the department; a matter's is its record's (`records` keeps its key,
  written in the same transaction) or, for a direct listing, its caller's. Departments are
  never deleted.
- `ix_matters_list` and `ix_matters_occupation` cover only the matters on a list, or tied to
  an occupation: every query that uses them asks for one (`list_type = …`, `IN (…)`,
  `IS NOT NULL`; `occupation = …`), and most matters are neither, so a new matter no longer
  adds an entry to either.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b9lean0025'
down_revision: str | None = 'b9points0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTED = ['list_type', 'start_date', 'ended_on', 'planned_end', 'subject_kind', 'subject_key']
OCCUPATION = ['occupation', 'subject_key']


def _where(column: str) -> dict[str, object]:
    clause = sa.text(f"{column} IS NOT NULL")
    return {"postgresql_where": clause, "sqlite_where": clause}


def upgrade() -> None:
    for table in ("checks", "matters"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_department_code_departments', type_='foreignkey')
    op.drop_index('ix_matters_list', table_name='matters')
    op.create_index('ix_matters_list', 'matters', LISTED, unique=False, **_where('list_type'))
    op.drop_index('ix_matters_occupation', table_name='matters')
    op.create_index('ix_matters_occupation', 'matters', OCCUPATION, unique=False, **_where('occupation'))


def downgrade() -> None:
    op.drop_index('ix_matters_occupation', table_name='matters')
    op.create_index('ix_matters_occupation', 'matters', OCCUPATION, unique=False)
    op.drop_index('ix_matters_list', table_name='matters')
    op.create_index('ix_matters_list', 'matters', LISTED, unique=False)
    for table in ("checks", "matters"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(f'fk_{table}_department_code_departments', 'departments',
                                        ['department_code'], ['code'])
