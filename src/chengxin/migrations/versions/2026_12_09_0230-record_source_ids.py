"""record_source_ids: which source record ids a department has sent, for imports on PostgreSQL

Every record a department sends carries its own number for it (`source_record_id`); an import
looks up the live version of each number it receives, to tell a new record from a correction.
Since `records` is partitioned by the person key (b8partitions0022), a look-up by
(department, number) cannot be pruned: it probes the index of each of the 16 partitions, and on
an import of new records (the usual case) every one of those probes finds nothing. This table
holds each (department, number) once, kept by a statement-level trigger on `records`, so that
whatever inserts into `records` (the collection path, a restore, an operator's INSERT or COPY)
fills it in the same transaction. (A row put straight into one partition, `records_p03`, bypasses
the trigger of `records`: write through `records`, as the README's partition split does.) An
import first asks it which numbers exist, with one probe each, and probes the partitions for
those only.

The table only ever grows: a number whose records were deleted (a repair's deletion, the
retention purge) stays, and its next look-up probes the partitions and finds nothing, which is
what it found before. It holds no content and no person key, only departments' numbers.

PostgreSQL only, with the partitions; on SQLite `records` is one table and its index serves.

Revision ID: b8sources0023
Revises: b8partitions0022
Create Date: 2026-12-09 02:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = 'b8sources0023'
down_revision: str | None = 'b8partitions0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE TABLE record_source_ids (
            department_code varchar(64) NOT NULL,
            source_record_id varchar(64) NOT NULL,
            PRIMARY KEY (department_code, source_record_id)
        )""")
    op.execute("""
        CREATE FUNCTION record_source_ids_add() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO record_source_ids (department_code, source_record_id)
            SELECT department_code, source_record_id FROM added
            ON CONFLICT DO NOTHING;  -- also a number twice in one statement (two versions)
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE TRIGGER records_source_ids AFTER INSERT ON records
        REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION record_source_ids_add()""")
    op.execute("""
        INSERT INTO record_source_ids (department_code, source_record_id)
        SELECT DISTINCT department_code, source_record_id FROM records""")
    op.execute("ANALYZE record_source_ids")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER records_source_ids ON records")
    op.execute("DROP FUNCTION record_source_ids_add()")
    op.execute("DROP TABLE record_source_ids")
