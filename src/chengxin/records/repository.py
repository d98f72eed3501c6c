"""All SQL for records, batches and the bulk paths of collection.

The bulk paths use the driver directly inside the session's transaction:
PostgreSQL `COPY` for records, `executemany` on SQLite, because the
collection path must keep up with a raw bulk insert of the same rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from chengxin.records.models import Batch, BatchIssue, Record, RejectedRow

RECORD_COLUMNS = (
    "subject_key", "id", "subject_kind", "department_code", "source_record_id", "version",
    "item_code", "catalog_version", "nature", "severity", "severity_reason", "decision_date",
    "data", "content_hash", "batch_id", "recorded_at", "superseded_at", "matter_id", "domain",
)
IN_CHUNK = 900  # stays under SQLite's default bound-parameter limit


@dataclass(slots=True)
class CurrentVersion:
    subject_key: str
    id: str
    version: int
    content_hash: str
    matter_id: str
    ended: str | None  # how its matter was ended (revoked, repaired, court_deleted), if it was


def _chunks(values: Sequence[Any], size: int = IN_CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def driver_connection(session: Session) -> Any:
    """The DB-API connection of the session's current transaction."""
    return session.connection().connection.driver_connection


def sqlite_timestamp(value: datetime | None) -> str | None:
    """The text form SQLAlchemy uses for naive UTC timestamps on SQLite."""
    if value is None:
        return None
    return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


# SQLite settings for the connection that stores a large import. The record and person keys
# are keyed hashes, so every chunk inserts at random places all over the primary-key indexes.
# With the defaults (a 2 MB page cache, a checkpoint whenever the WAL passes 1,000 pages)
# each chunk re-read those index pages from the file, and each chunk's commit was followed by
# a checkpoint copying every page it touched into the database with an fsync: committing
# every 5,000 rows took twice as long as one transaction. 128 MB of cache keeps the record and
# person key indexes of a million-row import between chunks (64 MB left the persons' look-ups
# reading from the file), and a checkpoint every 100,000 pages (about 400 MB of WAL) writes a
# page touched by many chunks once. Memory stays bounded, and each chunk is still durable when
# committed (synchronous=NORMAL, as always).
SQLITE_BULK_PRAGMAS = {"cache_size": -131072, "wal_autocheckpoint": 100_000}


@contextmanager
def bulk_load(conn: Connection) -> Iterator[None]:
    """Tune `conn` for storing an import, restoring its settings afterwards (SQLite only)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    saved = {name: raw.execute(f"PRAGMA {name}").fetchone()[0] for name in SQLITE_BULK_PRAGMAS}
    try:
        for name, value in SQLITE_BULK_PRAGMAS.items():
            raw.execute(f"PRAGMA {name}={int(value)}")
        yield
    finally:
        for name, value in saved.items():
            raw.execute(f"PRAGMA {name}={int(value)}")


def json_list(values: list[str]) -> str:
    """A list of strings as one JSON parameter, for `json_array_elements_text(%s::json)`.

    psycopg adapts a Python list to an array parameter value by value in Python; one JSON text
    is made in C, and any string survives it (no separator to escape)."""
    return json.dumps(values)


# One index probe per source id, whatever the planner's statistics say. The plain form
# `department_code = ? AND source_record_id = ANY(?)` plans as a scan of the department's
# records on a freshly loaded (not yet analysed) table, which makes a large import quadratic,
# and as a sequential scan once analysed; `OFFSET 0` keeps a lateral subquery from being
# flattened into a join the planner could turn back into a scan. `records` is partitioned by
# the person key, so a probe by number goes to every partition's index: the numbers are first
# looked up in `record_source_ids` (one probe each; migration b8sources0023 keeps it by a
# trigger), and only those a department has sent before are probed in `records`.
_PG_CURRENT = (
    "WITH sent AS MATERIALIZED ("
    "SELECT s.sid FROM json_array_elements_text(%(ids)s::json) AS s(sid) CROSS JOIN LATERAL ("
    "SELECT 1 FROM record_source_ids x WHERE x.department_code = %(dept)s AND x.source_record_id = s.sid"
    " OFFSET 0) AS x)"
    " SELECT r.source_record_id, r.subject_key, r.id, r.version, r.content_hash, r.matter_id,"
    " (SELECT m.end_reason FROM matters m WHERE m.subject_key = r.subject_key AND m.id = r.matter_id)"
    " FROM sent AS s CROSS JOIN LATERAL ("
    "SELECT source_record_id, subject_key, id, version, content_hash, matter_id FROM records"
    " WHERE department_code = %(dept)s AND source_record_id = s.sid AND superseded_at IS NULL"
    " OFFSET 0) AS r"
)
_SQLITE_CURRENT = (
    "SELECT r.source_record_id, r.subject_key, r.id, r.version, r.content_hash, r.matter_id, m.end_reason"
    " FROM records r LEFT JOIN matters m ON m.subject_key = r.subject_key AND m.id = r.matter_id"
    " WHERE r.department_code = ? AND r.superseded_at IS NULL AND r.source_record_id IN ({})"
)


def current_versions(
    session: Session, department_code: str, source_ids: Sequence[str]
) -> dict[str, CurrentVersion]:
    """The live (not superseded) version of each source record id of a department."""
    found: dict[str, CurrentVersion] = {}
    wanted = sorted(set(source_ids))  # in index order: neighbouring probes share pages
    if not wanted:
        return found
    session.flush()  # what the ORM query did by itself (autoflush) before the driver is used
    conn = driver_connection(session)
    if is_postgres(session):
        parts: Iterable[Any] = [conn.execute(_PG_CURRENT, {"ids": json_list(wanted), "dept": department_code})]
    else:
        parts = (conn.execute(_SQLITE_CURRENT.format(", ".join("?" * len(part))),
                              (department_code, *part))
                 for part in _chunks(wanted))
    for rows in parts:
        for sid, key, rid, ver, digest, matter, ended in rows:
            found[sid] = CurrentVersion(key, rid, ver, digest, matter, ended)
    return found


_RECORD_NAMES = ", ".join(RECORD_COLUMNS)
_PG_COPY_RECORDS = f"COPY records ({_RECORD_NAMES}) FROM STDIN"
_SQLITE_INSERT_RECORDS = f"INSERT INTO records ({_RECORD_NAMES}) VALUES ({', '.join('?' * len(RECORD_COLUMNS))})"


def insert_records(session: Session, rows: Sequence[Sequence[Any]]) -> None:
    """Bulk-insert record rows, values in RECORD_COLUMNS order (dates and times as Python values)."""
    if not rows:
        return
    conn = driver_connection(session)
    if is_postgres(session):
        with conn.cursor() as cur, cur.copy(_PG_COPY_RECORDS) as copy:
            copy.write(_copy_records(rows))
        return
    conn.executemany(_SQLITE_INSERT_RECORDS, _sqlite_records(rows))


# --- the text forms of the bulk paths ---------------------------------------------------------
# psycopg's write_row looks up a dumper for every value of every row; the collection path knows
# its columns, so it writes COPY's text format itself, a chunk at a time, and escapes only the
# values that can hold text from outside (keys, ids, hashes and kinds are made by the platform
# from fixed alphabets). It costs about half of write_row on the process that drives the import.

_NULL = "\\N"


def copy_text(value: str | None) -> str:
    """A text value (or NULL) in COPY's text format: backslash, tab, newline and CR escaped."""
    if value is None:
        return _NULL
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def copy_value(value: Any) -> str:
    """Any value the collection path stores, in COPY's text format."""
    if value is None:
        return _NULL
    if isinstance(value, str):
        return copy_text(value)
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()  # bytea hex form, its backslash escaped for COPY
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):  # a datetime is a date too; isoformat keeps its zone
        return value.isoformat()
    raise TypeError(f"no COPY text form for {type(value).__name__}")


def _copy_records(rows: Sequence[Sequence[Any]]) -> bytes:
    """Record tuples as COPY text."""
    text = copy_text
    stamp = remembering(copy_value)  # a chunk's rows share their times
    lines = []
    for (key, rid, kind, dept, sid, version, item, cat_version, nature, severity, reason, decided, data,
         digest, batch, recorded, superseded, matter, domain) in rows:
        lines.append("\t".join((
            key, rid, kind, text(dept), text(sid), str(version), text(item), text(cat_version), nature,
            text(severity), text(reason), decided.isoformat(), text(data), digest, batch,
            stamp(recorded), stamp(superseded), matter, text(domain))))
    lines.append("")
    return "\n".join(lines).encode()


def _sqlite_records(rows: Sequence[Sequence[Any]]) -> Iterator[tuple[Any, ...]]:
    """Record tuples with dates and times in the text forms SQLAlchemy stores on SQLite."""
    stamp = remembering(sqlite_timestamp)  # a chunk's rows share their times
    for (key, rid, kind, dept, sid, version, item, cat_version, nature, severity, reason, decided, data,
         digest, batch, recorded, superseded, matter, domain) in rows:
        yield (key, rid, kind, dept, sid, version, item, cat_version, nature, severity, reason,
               decided.isoformat(), data, digest, batch, stamp(recorded), stamp(superseded), matter, domain)


def remembering(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert` remembering its answers (for the few distinct times of a chunk)."""
    done: dict[Any, Any] = {}

    def get(value: Any) -> Any:
        try:
            return done[value]
        except KeyError:
            got = done[value] = convert(value)
            return got

    return get


def supersede(session: Session, keys: list[tuple[str, str]], at: datetime) -> None:
    """Close the recorded time of replaced versions."""
    if not keys:
        return
    session.execute(
        update(Record.__table__)
        .where(Record.__table__.c.subject_key == bindparam("k"),
               Record.__table__.c.id == bindparam("i"))
        .values(superseded_at=at),
        [{"k": k, "i": i} for k, i in keys],
    )


def insert_issues(session: Session, batch_id: str, start_seq: int, issues: list[Any],
                  notes: list[tuple[str | None, str | None]] | None = None) -> None:
    """A batch's issues; `notes` gives each its (label, source record number)."""
    if not issues:
        return
    notes = notes or [(None, None)] * len(issues)
    session.execute(
        BatchIssue.__table__.insert(),
        [{"batch_id": batch_id, "seq": start_seq + n, "row": i.row, "field": i.field,
          "level": i.level, "code": i.code, "message": i.message, "label": label, "source_record_id": sid}
         for n, (i, (label, sid)) in enumerate(zip(issues, notes, strict=True))],
    )


def insert_rejected(session: Session, rows: list[dict[str, Any]]) -> None:
    """Refused rows, sealed (see records.rejects)."""
    if rows:
        session.execute(RejectedRow.__table__.insert(), rows)


def rejected_rows(session: Session, batch_id: str, now: datetime, rows: Sequence[int] | None = None,
                  limit: int | None = None) -> list[RejectedRow]:
    """A batch's refused rows still kept (all, or those of the given row numbers), in row order."""
    stmt = select(RejectedRow).where(RejectedRow.batch_id == batch_id, RejectedRow.expires_at > now)
    if rows is not None:
        if not rows:
            return []
        stmt = stmt.where(RejectedRow.row.in_(list(rows)[:IN_CHUNK]))
    return list(session.scalars(stmt.order_by(RejectedRow.row).limit(limit)))


def count_rejected(session: Session, batch_id: str, now: datetime) -> int:
    return session.execute(select(func.count()).select_from(RejectedRow).where(
        RejectedRow.batch_id == batch_id, RejectedRow.expires_at > now)).scalar_one()


def purge_rejected(session: Session, now: datetime) -> int:
    """Delete refused rows past their keeping time; how many."""
    return session.execute(delete(RejectedRow).where(RejectedRow.expires_at <= now)).rowcount or 0


def set_batch_counts(session: Session, batch_id: str, counts: dict[str, Any]) -> None:
    """Set a batch's counters and progress (column name -> value)."""
    session.execute(update(Batch).where(Batch.id == batch_id).values(**counts))


def running_batches(session: Session) -> list[Batch]:
    """Batches still marked running, locked so that two sweepers never close one twice."""
    stmt = select(Batch).where(Batch.status == "running").order_by(Batch.id)
    if is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True)
    return list(session.scalars(stmt))


def batch_issues(session: Session, batch_id: str, limit: int, offset: int = 0) -> list[BatchIssue]:
    return list(session.scalars(
        select(BatchIssue).where(BatchIssue.batch_id == batch_id)
        .order_by(BatchIssue.seq).limit(limit).offset(offset)
    ))


def department_batches(session: Session, department_code: str, limit: int) -> list[Batch]:
    """A department's submissions, newest first."""
    return list(session.scalars(select(Batch).where(Batch.department_code == department_code)
                                .order_by(Batch.received_at.desc(), Batch.id.desc()).limit(limit)))


def get_batch(session: Session, batch_id: str) -> Batch | None:
    return session.get(Batch, batch_id)


def find_current(session: Session, department_code: str, source_record_id: str) -> Record | None:
    return session.scalars(
        select(Record).where(Record.department_code == department_code,
                             Record.source_record_id == source_record_id,
                             Record.superseded_at.is_(None))
    ).first()


def subject_records(
    session: Session, subject_keys: Sequence[str], known_at: datetime | None,
    decided_by: date | None, history: bool,
) -> list[Record]:
    """Records of subjects; live versions at `known_at` unless the full history is asked."""
    stmt = select(Record).where(Record.subject_key.in_(list(subject_keys)))
    if known_at is not None:
        stmt = stmt.where(Record.recorded_at <= known_at)
        if not history:
            stmt = stmt.where((Record.superseded_at.is_(None)) | (Record.superseded_at > known_at))
    elif not history:
        stmt = stmt.where(Record.superseded_at.is_(None))
    if decided_by is not None:
        stmt = stmt.where(Record.decision_date <= decided_by)
    return list(session.scalars(stmt.order_by(Record.decision_date.desc(), Record.version)))


# --- persons on the collection bulk path ----------------------------------------------------
# The collection path meets a few thousand persons per chunk; the look-up and the insert of
# new ones go to the driver like the records do (persons.repository keeps the ORM forms).

_PG_PERSON_NAMES = (
    "SELECT p.person_key, p.name, p.name_source FROM json_array_elements_text(%s::json) AS s(k) CROSS JOIN LATERAL ("
    "SELECT person_key, name, name_source FROM persons WHERE person_key = s.k OFFSET 0) AS p"
)


def person_names(session: Session, keys: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
    """Existing persons among `keys`, with their current name and its source (one index probe per key)."""
    wanted = sorted(set(keys))  # in index order: neighbouring probes share pages
    if not wanted:
        return {}
    session.flush()
    conn = driver_connection(session)
    if is_postgres(session):
        return {k: (n, s) for k, n, s in conn.execute(_PG_PERSON_NAMES, (json_list(wanted),)).fetchall()}
    found: dict[str, tuple[str | None, str | None]] = {}
    for part in _chunks(wanted):
        found.update((k, (n, s)) for k, n, s in conn.execute(
            f"SELECT person_key, name, name_source FROM persons WHERE person_key IN ({', '.join('?' * len(part))})",
            part).fetchall())
    return found


def insert_persons(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert new persons (column name -> value), skipping ones a concurrent submission created
    first (ON CONFLICT DO NOTHING, as persons.repository.insert_new). Returns the keys skipped:
    the caller compares their names, which it has not seen."""
    if not rows:
        return set()
    columns = list(rows[0])
    conn = driver_connection(session)
    if is_postgres(session):
        return _copy_persons(conn, columns, _copy_rows(columns, rows))
    memo: dict[Any, Any] = {}  # the rows share their times, and birth dates repeat
    before = conn.total_changes
    conn.executemany(
        f"INSERT INTO persons ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        " ON CONFLICT (person_key) DO NOTHING",
        ([_sqlite_value(row[c], memo) for c in columns] for row in rows))
    if conn.total_changes - before == len(rows):
        return set()
    # Some row was skipped: the ones whose stored ciphertext is not this insert's (each encryption
    # of a number has a nonce of its own, so another submission's row never has the same bytes).
    ours = {row["person_key"]: row["id_cipher"] for row in rows}
    keys = list(ours)
    stored: dict[str, Any] = {}
    for part in _chunks(keys):
        stored.update(conn.execute(f"SELECT person_key, id_cipher FROM persons WHERE person_key IN "
                                   f"({', '.join('?' * len(part))})", part).fetchall())
    return {k for k in keys if stored.get(k) != ours[k]}


def _text_or_value(value: Any) -> str:
    return copy_text(value) if value.__class__ is str else copy_value(value)


def _copy_rows(columns: list[str], rows: list[dict[str, Any]]) -> bytes:
    """Rows (column name -> value) as COPY text, each column converted the way its value in
    the first row suggests (dates and times remembered: a chunk's rows share them)."""
    first = rows[0]
    converters: list[Callable[[Any], str]] = []
    for column in columns:
        value = first[column]
        if isinstance(value, str):
            converters.append(_text_or_value)
        elif isinstance(value, date) or value is None:
            converters.append(remembering(copy_value))
        else:
            converters.append(copy_value)
    pairs = list(zip(columns, converters, strict=True))
    return "".join(["\t".join([convert(row[c]) for c, convert in pairs]) + "\n" for row in rows]).encode()


def _copy_persons(conn: Any, columns: list[str], text: bytes) -> set[str]:
    """COPY new persons in; those a concurrent submission created meanwhile are skipped (their
    keys are returned).

    The rows were looked up just before, so they are copied straight into `persons` under a
    savepoint. COPY cannot skip a row, so when a concurrent import has created one of them
    since, the savepoint is rolled back and the rows go through a staging table of this
    transaction and ON CONFLICT DO NOTHING (which costs about twice as much)."""
    from psycopg import errors

    names = ", ".join(columns)
    with conn.cursor() as cur:
        try:
            with conn.transaction(), cur.copy(f"COPY persons ({names}) FROM STDIN") as copy:
                copy.write(text)
            return set()
        except errors.UniqueViolation:
            pass
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS chengxin_new_persons"
                    " (LIKE persons INCLUDING DEFAULTS) ON COMMIT DROP")
        with cur.copy(f"COPY chengxin_new_persons ({names}) FROM STDIN") as copy:
            copy.write(text)
        cur.execute("SELECT person_key FROM chengxin_new_persons")
        offered = {k for (k,) in cur.fetchall()}
        cur.execute(f"INSERT INTO persons ({names}) SELECT {names} FROM chengxin_new_persons"
                    " ON CONFLICT (person_key) DO NOTHING RETURNING person_key")
        inserted = {k for (k,) in cur.fetchall()}
        cur.execute("DELETE FROM chengxin_new_persons")  # a savepoint may follow, not a commit
        return offered - inserted


def _sqlite_value(value: Any, memo: dict[Any, Any]) -> Any:
    """A value in the form SQLAlchemy stores it on SQLite (dates and UTC times as text)."""
    if not isinstance(value, date):  # datetime is a date too
        return value
    text = memo.get(value)
    if text is None:
        if isinstance(value, datetime):
            text = sqlite_timestamp(value.astimezone(UTC) if value.tzinfo else value)
        else:
            text = value.isoformat()
        memo[value] = text
    return text
