"""partitions: the large person-keyed tables partitioned on PostgreSQL (issue 19 §3)

What and why, from the queries the repositories make:

- `records`, `checks`, `check_hits`: HASH (subject_key), 16 partitions each. Every read of a
  person's file, every check and the retention purge (which deletes by (subject_key, matter_id),
  from the behaviour's end, never by when a row was written) name the person key, so a hash of
  it prunes them to one partition; a time range would prune none of them and could never be
  dropped whole (a matter's versions span years). The three tables share the modulus, so
  checks ⋈ check_hits joins partition by partition, and the layout is Citus's (distributed by
  subject_key, co-located). Their primary and unique keys already include subject_key: no key
  changes. Look-ups by id alone (`ix_records_id`, `ix_checks_id`: public disclosure, feedback)
  probe the 16 partitions' indexes.
  Why 16: a province's 10⁹ records become ~6·10⁷ per partition (indexes and vacuum per partition
  of a size one machine handles well), while a query that cannot prune still plans and probes
  only 16 indexes. A power of two, so a partition can later be split in place in two
  (MODULUS 32, REMAINDER r and r+16: PostgreSQL accepts mixed moduli that divide each other).
- `access_log`: RANGE (seq), 2**26 (67,108,864) entries per partition, plus a DEFAULT partition.
  Every query of the log is by seq (the sealer's `seq > ? ORDER BY seq`, proofs by seq, the leaves'
  join on seq, time windows through a binary search over seq: the log has no index on `at`), and
  seq is the append order, so a seq range is a time range that every one of them prunes; the
  primary key stays (seq) and the Merkle sealing reads exactly what it read before. Hashing by
  subject_key would prune none of them (and the log's keys are frozen, never re-keyed); a range
  over `at` would need (seq, at) as the key and a probe of every partition per seq.
  `chengxin.access.service.ensure_log_partitions` (run by the jobs) keeps two empty partitions
  ahead of the sequence; should it fall behind, rows land in the DEFAULT partition (an insert
  never fails) and the next run moves them into new partitions (the split).

The conversion (PostgreSQL only; SQLite does nothing): a partitioned twin `LIKE` the table, its
partitions, the rows moved, the old table dropped, the twin renamed, then the constraints, indexes,
foreign keys pointing at it, grants and the owned sequence recreated as they were (read from the
catalog, so an index added later is carried too). Downgrade does the reverse into a plain table.
The tables are locked for the length of the copy: on a large database run it in a maintenance window.

Revision ID: b8partitions0022
Revises: b7retention0020
Create Date: 2026-12-09 02:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b8partitions0022'
down_revision: str | None = 'b8generations0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH_PARTITIONS = 16
HASH_TABLES = ("records", "checks", "check_hits")  # by subject_key
LOG_WIDTH = 1 << 26  # access-log entries per partition (chengxin.access.repository.LOG_PARTITION_WIDTH)
LOG_AHEAD = 2  # empty partitions kept above the sequence


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _all(sql: str, **params: object) -> list[tuple]:
    return [tuple(r) for r in op.get_bind().execute(sa.text(sql), params)]


def _definitions(table: str) -> dict[str, list[str]]:
    """What must be recreated on the converted table, as SQL, read from the catalog."""
    rel = {"t": table}
    own = _all("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) "
               "AND contype IN ('p', 'u', 'f') ORDER BY contype = 'f', conname", **rel)
    incoming = _all("SELECT CAST(conrelid AS regclass)::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE confrelid = CAST(:t AS regclass) AND contype = 'f' AND conrelid <> confrelid", **rel)
    indexes = _all("SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = CAST(:t AS regclass) "
                   "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid "
                   "AND c.conrelid = i.indrelid) ORDER BY i.indexrelid", **rel)
    grants = _all("SELECT a.privilege_type, COALESCE(r.rolname, 'PUBLIC') FROM pg_class c, aclexplode(c.relacl) a "
                  "LEFT JOIN pg_roles r ON r.oid = a.grantee WHERE c.oid = CAST(:t AS regclass) "
                  "AND a.grantee <> c.relowner", **rel)
    sequences = _all("SELECT s.relname, a.attname FROM pg_depend d JOIN pg_class s ON s.oid = d.objid "
                     "JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid "
                     "WHERE d.refobjid = CAST(:t AS regclass) AND s.relkind = 'S' AND d.deptype = 'a'", **rel)
    return {
        "constraints": [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {body}' for name, body in own],
        "indexes": [sql.replace(" ON ONLY ", " ON ") for (sql,) in indexes],
        "incoming_drop": [f'ALTER TABLE {src} DROP CONSTRAINT "{name}"' for src, name, _ in incoming],
        "incoming_add": [f'ALTER TABLE {src} ADD CONSTRAINT "{name}" {body}' for src, name, body in incoming],
        "grants": [f'GRANT {priv} ON "{table}" TO {"PUBLIC" if who == "PUBLIC" else chr(34) + who + chr(34)}'
                   for priv, who in grants],
        "unown": [f'ALTER SEQUENCE "{seq}" OWNED BY NONE' for seq, _ in sequences],
        "own": [f'ALTER SEQUENCE "{seq}" OWNED BY "{table}"."{col}"' for seq, col in sequences],
    }


def _replace(table: str, twin: str, partition_by: str | None, partitions: Sequence[str]) -> None:
    """Move `table` into a new table `twin` (partitioned when `partition_by` is given, with the given
    partition clauses as (name suffix, bound)), and give the twin the old table's name and parts."""
    defs = _definitions(table)
    run = op.execute
    run(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
    clause = f" PARTITION BY {partition_by}" if partition_by else ""
    run(f'CREATE TABLE "{twin}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE '
        f'INCLUDING COMMENTS){clause}')
    for spec in partitions:
        run(spec.replace("{parent}", f'"{twin}"'))
    run(f'INSERT INTO "{twin}" SELECT * FROM "{table}"')
    for sql in defs["incoming_drop"] + defs["unown"]:
        run(sql)
    run(f'DROP TABLE "{table}"')
    run(f'ALTER TABLE "{twin}" RENAME TO "{table}"')
    for sql in defs["constraints"] + defs["indexes"] + defs["incoming_add"] + defs["grants"] + defs["own"]:
        run(sql)
    run(f'ANALYZE "{table}"')


def _hash_partitions(table: str) -> list[str]:
    return [f'CREATE TABLE "{table}_p{r:02d}" PARTITION OF {{parent}} '
            f'FOR VALUES WITH (MODULUS {HASH_PARTITIONS}, REMAINDER {r})' for r in range(HASH_PARTITIONS)]


def _log_partitions() -> list[str]:
    """From seq 0 to the partition of the sequence's last value and LOG_AHEAD above it, and any
    holding a row beyond (a seq given by hand); a row below 0 goes to the DEFAULT partition."""
    conn = op.get_bind()
    top = conn.execute(sa.text("SELECT last_value FROM access_log_seq_seq")).scalar_one()
    slots = set(range(top // LOG_WIDTH + 1 + LOG_AHEAD)) | set(conn.execute(sa.text(
        "SELECT DISTINCT seq / :w FROM access_log WHERE seq >= 0"), {"w": LOG_WIDTH}).scalars())
    specs = [f'CREATE TABLE "access_log_s{n:06d}" PARTITION OF {{parent}} '
             f'FOR VALUES FROM ({n * LOG_WIDTH}) TO ({(n + 1) * LOG_WIDTH})' for n in sorted(slots)]
    return [*specs, 'CREATE TABLE "access_log_default" PARTITION OF {parent} DEFAULT']


def upgrade() -> None:
    if not _is_postgres():
        return
    for table in HASH_TABLES:
        _replace(table, f"{table}__partitioned", "HASH (subject_key)", _hash_partitions(table))
    _replace("access_log", "access_log__partitioned", "RANGE (seq)", _log_partitions())


def downgrade() -> None:
    if not _is_postgres():
        return
    for table in (*HASH_TABLES, "access_log"):
        _replace(table, f"{table}__plain", None, ())
