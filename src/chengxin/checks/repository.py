"""All SQL for checks: what a check reads (in bulk, for batch checks too) and writes.

A check is answered in few round trips: everything it reads in one (`check_reads`; on
PostgreSQL one statement, the organisations' rows reached through a sub-select), everything it
writes in one more (`insert_check_rows` and the access-log entry, pipelined by `pipelined`;
COPY for the thousands of rows of a batch chunk). The SQL goes straight to the driver, which
skips the ORM's per-statement work (it costs more than the queries themselves). On SQLite a
group of single checks takes the write lock before it reads (`check_transaction`); a batch chunk
reads in a transaction of its own first (`batch.run_batch_chunks`). On SQLite each read is one
statement answering one row, and bulk inserts are multi-row statements (`db.sqlite_insert_many`):
the sqlite3 module gives up the interpreter lock at each row it steps.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, defer, sessionmaker

from chengxin.checks.models import Check, CheckBatch, CheckHit, Feedback
from chengxin.db import SQLITE_BUSY_TIMEOUT_MS, sqlite_insert_many
from chengxin.matters.models import Matter
from chengxin.organisations.models import Organisation, OrganisationRole
from chengxin.persons.models import Person
from chengxin.records.repository import IN_CHUNK

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class RoleRow:
    uscc: str
    org_name: str
    org_key: str
    role: str


def _parts(values: Sequence[str]) -> list[list[str]]:
    values = list(values)
    return [values[i : i + IN_CHUNK] for i in range(0, len(values), IN_CHUNK)]


def birth_dates(session: Session, keys: Sequence[str]) -> dict[str, date | None]:
    out: dict[str, date | None] = {}
    for part in _parts(keys):
        out.update(session.execute(
            select(Person.person_key, Person.birth_date).where(Person.person_key.in_(part))).all())
    return out


def roles(session: Session, person_keys: Sequence[str]) -> dict[str, list[RoleRow]]:
    out: dict[str, list[RoleRow]] = defaultdict(list)
    for part in _parts(person_keys):
        rows = session.execute(
            select(OrganisationRole.person_key, Organisation.uscc, Organisation.name,
                   Organisation.subject_key, OrganisationRole.role)
            .join(Organisation, Organisation.uscc == OrganisationRole.uscc)
            .where(OrganisationRole.person_key.in_(part)))
        for person_key, uscc, name, key, role in rows:
            out[person_key].append(RoleRow(uscc, name, key, role))
    return out


MATTER_COLUMNS = (Matter.subject_key, Matter.id, Matter.record_id, Matter.item_code, Matter.nature, Matter.severity,
                  Matter.list_type, Matter.department_code, Matter.basis, Matter.start_date, Matter.planned_end,
                  Matter.ended_on, Matter.end_reason, Matter.disputed_at, Matter.domain)


def matters(session: Session, keys: Sequence[str]) -> dict[str, list[Any]]:
    """The subjects' matters (MATTER_COLUMNS), through the ORM: what the fast paths must read."""
    out: dict[str, list[Any]] = defaultdict(list)
    for part in _parts(keys):
        for row in session.execute(select(*MATTER_COLUMNS).where(Matter.subject_key.in_(part))):
            out[row[0]].append(row)
    return out


# --- the fast paths of a check ------------------------------------------------------------


def driver_connection(session: Session) -> Any:
    """The DB-API connection of the session's current transaction (begun if need be)."""
    return session.connection().connection.driver_connection


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


@dataclass(slots=True)
class CheckReads:
    """What checks of some persons read: roles, the matters of the persons and of the
    organisations they answer for, by subject key (rows in MATTER_COLUMNS order), and the birth
    dates of the persons with any of these (a check looks at a birth date only then)."""

    births: dict[str, date | None]
    roles: dict[str, list[RoleRow]]
    matters: dict[str, list[Any]]
    consents: set[str] = field(default_factory=set)  # persons who opted in to integrity points (R18)


_MATTER_SQL = ", ".join(c.name for c in MATTER_COLUMNS)
_ROLES_SQL = ("SELECT r.person_key, o.uscc, o.name, o.subject_key, r.role FROM organisation_roles r"
              " JOIN organisations o ON o.uscc = r.uscc WHERE r.person_key")
_ORG_KEYS_SQL = ("SELECT o.subject_key FROM organisation_roles r JOIN organisations o ON o.uscc = r.uscc"
                 " WHERE r.person_key")
# PostgreSQL: one statement, one round trip. The kinds of rows share a layout: a tag, then the
# matter's columns (a birth date, a role and a consent use some of them). The organisations'
# matters are reached through an array of subject keys (the persons' and their organisations'),
# probed through the index; birth dates are read only for the persons something is known about or
# who opted in to integrity points (no other check looks at them).
_PG_SUBJECTS = "%(k)s::text[] || ARRAY(SELECT subject_key::text FROM ro)"
_PG_READ = f"""
WITH ro AS ({_ROLES_SQL} = ANY(%(k)s)),
     m AS (SELECT {_MATTER_SQL} FROM matters WHERE subject_key = ANY({_PG_SUBJECTS}))
SELECT 'p', person_key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, birth_date, NULL::date, NULL::date,
       NULL, NULL::timestamptz, NULL
  FROM persons WHERE person_key = ANY(ARRAY(SELECT subject_key::text FROM m UNION SELECT person_key FROM ro))
UNION ALL
SELECT 'o', person_key, uscc, name, subject_key, role, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM ro
UNION ALL
SELECT 'm', {_MATTER_SQL} FROM m
"""
# The same read with the persons' consents to integrity points, for the scenarios where a measure is
# keyed on a points grade (elsewhere no check pays for it).
_PG_READ_POINTS = f"""
WITH ro AS ({_ROLES_SQL} = ANY(%(k)s)),
     m AS (SELECT {_MATTER_SQL} FROM matters WHERE subject_key = ANY({_PG_SUBJECTS})),
     c AS (SELECT person_key FROM points_consents WHERE person_key = ANY(%(k)s))
SELECT 'p', person_key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, birth_date, NULL::date, NULL::date,
       NULL, NULL::timestamptz, NULL
  FROM persons WHERE person_key = ANY(ARRAY(SELECT subject_key::text FROM m UNION SELECT person_key FROM ro
                                            UNION SELECT person_key FROM c))
UNION ALL
SELECT 'c', person_key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM c
UNION ALL
SELECT 'o', person_key, uscc, name, subject_key, role, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
  FROM ro
UNION ALL
SELECT 'm', {_MATTER_SQL} FROM m
"""


def check_reads(session: Session, person_keys: Sequence[str], consents: bool = False) -> CheckReads:
    """Everything checks of `person_keys` read, in one round trip on PostgreSQL (with `consents`,
    also who of them opted in to integrity points)."""
    keys = list(dict.fromkeys(person_keys))
    out = CheckReads({}, defaultdict(list), defaultdict(list))
    if not keys:
        return out
    session.flush()  # what an ORM query would have done first (autoflush)
    conn = driver_connection(session)
    if is_postgres(session):
        return _pg_reads(conn.execute(_PG_READ_POINTS if consents else _PG_READ, {"k": keys}).fetchall())
    births, roles, matters, opted = _sqlite_reads(conn, keys, consents)
    out.consents.update(opted)
    out.births.update((k, None if b is None else date.fromisoformat(b)) for k, b in births)
    _sort_in(out, roles, matters)
    return out


async def check_reads_async(conn: Any, person_keys: Sequence[str], consents: bool = False) -> CheckReads:
    """`check_reads` on an asyncio psycopg connection (PostgreSQL): the same statement."""
    keys = list(dict.fromkeys(person_keys))
    if not keys:
        return CheckReads({}, defaultdict(list), defaultdict(list))
    cur = await conn.execute(_PG_READ_POINTS if consents else _PG_READ, {"k": keys})
    return _pg_reads(await cur.fetchall())


def _pg_reads(rows: Iterable[Any]) -> CheckReads:
    """CheckReads from the rows of `_PG_READ` (tagged: p birth date, o role, m matter)."""
    out = CheckReads({}, defaultdict(list), defaultdict(list))
    births, roles, matters = [], [], []
    for r in rows:
        tag = r[0]
        if tag == "m":
            matters.append(r[1:])
        elif tag == "o":
            roles.append(r[1:6])
        elif tag == "p":
            births.append((r[1], r[10]))
        else:
            out.consents.add(r[1])
    out.births.update(births)
    _sort_in(out, roles, matters)
    return out


def _sort_in(out: CheckReads, roles: Iterable[Any], matters: Iterable[Any]) -> None:
    for person_key, uscc, name, org_key, role in roles:
        out.roles[person_key].append(RoleRow(uscc, name, org_key, role))
    for row in matters:
        out.matters[row[0]].append(row)


# SQLite: each read is one statement that takes its keys as one JSON array and returns its
# rows as one JSON array. Python's sqlite3 lets go of the interpreter lock for every row it
# steps through and must take it back for the next: while another thread runs Python (a batch
# parses and hashes its next chunk meanwhile), each row then waits for that thread's switch
# interval, and a chunk's reads took seconds instead of tens of milliseconds. One row per
# statement is one such wait at most. The same statements serve groups of single checks (as
# fast as one `IN (?, ...)` per kind there) and need no splitting under the parameter limit.
_SQLITE_KEYS = "(SELECT value FROM json_each(?))"
_SQLITE_ROLES = ("SELECT json_group_array(json_array(r.person_key, o.uscc, o.name, o.subject_key, r.role))"
                 " FROM organisation_roles r JOIN organisations o ON o.uscc = r.uscc"
                 f" WHERE r.person_key IN {_SQLITE_KEYS}")
_SQLITE_MATTERS = (f"SELECT json_group_array(json_array({_MATTER_SQL})) FROM matters"
                   f" WHERE subject_key IN {_SQLITE_KEYS}")
_SQLITE_BIRTHS = ("SELECT json_group_array(json_array(person_key, birth_date)) FROM persons"
                  f" WHERE person_key IN {_SQLITE_KEYS}")
_SQLITE_CONSENTS = f"SELECT json_group_array(person_key) FROM points_consents WHERE person_key IN {_SQLITE_KEYS}"


def _sqlite_rows(conn: Any, sql: str, keys: Sequence[str]) -> list[list[Any]]:
    (found,) = conn.execute(sql, (_JSON.encode(keys),)).fetchone()
    return json.loads(found)


def _sqlite_reads(conn: Any, keys: list[str], consents: bool) -> tuple[list[Any], list[Any], list[Any], list[str]]:
    days: dict[str | None, date | None] = {None: None}
    times: dict[str | None, datetime | None] = {None: None}

    def day(text: str | None) -> date | None:
        value = days.get(text, days)
        if value is days:
            value = days[text] = date.fromisoformat(text)  # type: ignore[arg-type]
        return value  # type: ignore[return-value]

    def moment(text: str | None) -> datetime | None:
        value = times.get(text, times)
        if value is times:
            value = times[text] = datetime.fromisoformat(text).replace(tzinfo=UTC)  # type: ignore[arg-type]
        return value  # type: ignore[return-value]

    # In-process, statements cost no round trip: the roles first, then the matters of the
    # persons and of the organisations they answer for, the consents to integrity points, then
    # the birth dates of the persons something is known about or who opted in.
    roles = _sqlite_rows(conn, _SQLITE_ROLES, keys)
    subjects = keys + list(dict.fromkeys(r[3] for r in roles))
    matters = [(*r[:9], day(r[9]), day(r[10]), day(r[11]), r[12], moment(r[13]), r[14])
               for r in _sqlite_rows(conn, _SQLITE_MATTERS, subjects)]
    opted = _sqlite_rows(conn, _SQLITE_CONSENTS, keys) if consents else []
    known = list({*(r[0] for r in matters), *(r[0] for r in roles), *opted})
    births = _sqlite_rows(conn, _SQLITE_BIRTHS, known) if known else []
    return births, roles, matters, opted


CHECK_COLUMNS = ("subject_key", "id", "department_code", "scenario", "business_ref", "purpose", "decision",
                 "hits", "checked_at", "batch_id")
HIT_COLUMNS = ("subject_key", "check_id", "measure_code", "department_code", "blocking", "checked_at")
COPY_MIN_ROWS = 64  # from this many rows a COPY beats a pipelined executemany on PostgreSQL


@contextmanager
def pipelined(session: Session, rows: int = 1) -> Iterator[None]:
    """Send the statements of the block together (one round trip) on PostgreSQL, unless
    `rows` is large enough for the bulk inserts in it to use COPY (which a pipeline forbids).
    Inside a pipeline already (`check_transaction`'s), the statements join it: they go with
    the commit."""
    if rows >= COPY_MIN_ROWS or not is_postgres(session):
        yield
        return
    conn = driver_connection(session)
    if conn.pgconn.pipeline_status:
        yield
        return
    with conn.pipeline():
        yield


def insert_rows(session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                casts: dict[str, str] | None = None, temporal: Sequence[str] = ()) -> None:
    """Insert tuples of Python values on the session's driver connection: COPY for many rows
    on PostgreSQL (outside a pipeline), else `executemany`; on SQLite the `temporal` columns
    (dates, aware datetimes) go in the text forms SQLAlchemy stores."""
    if not rows:
        return
    conn = driver_connection(session)
    names = ", ".join(columns)
    if is_postgres(session):
        if len(rows) >= COPY_MIN_ROWS and not conn.pgconn.pipeline_status:
            with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("%s" + (casts or {}).get(c, "") for c in columns)
        with conn.cursor() as cur:
            if len(rows) == 1:
                cur.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows[0])
            else:
                cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        return
    stamps = [i for i, c in enumerate(columns) if c in temporal]
    if stamps:
        # As the text SQLAlchemy stores. The rows of a call share their times: the last value's
        # text is reused when the next is the same object (hashing aware datetimes is slow).
        last: Any = None
        last_text = None

        def text(value: Any) -> Any:
            nonlocal last, last_text
            if value is None:
                return None
            if value is not last:
                last = value
                last_text = (value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                             if isinstance(value, datetime) else value.isoformat())
            return last_text

        # Made one at a time as SQLite binds them (short-lived objects cost the collector nothing).
        if len(stamps) == 1:
            i = stamps[0]
            rows = ((*row[:i], text(row[i]), *row[i + 1:]) for row in rows)  # type: ignore[assignment]
        else:
            rows = (tuple(text(v) if n in stamps else v for n, v in enumerate(row))  # type: ignore[assignment]
                    for row in rows)
    sqlite_insert_many(conn, table, columns, rows)


def insert_checks(session: Session, checks: list[dict[str, Any]], hits: list[dict[str, Any]]) -> None:
    insert_check_rows(session, [tuple(c[k] for k in CHECK_COLUMNS) for c in checks],
                      [tuple(h[k] for k in HIT_COLUMNS) for h in hits])


def insert_check_rows(session: Session, checks: list[tuple[Any, ...]], hits: list[tuple[Any, ...]],
                      encoded: bool = False) -> None:
    """Checks and hits as tuples in CHECK_COLUMNS and HIT_COLUMNS order (the check's `hits` as a
    list, or as its JSON text when `encoded`)."""
    if not encoded:
        encode = _JSON.encode
        checks = [(*c[:7], encode(c[7]) if c[7] else "[]", *c[8:]) for c in checks]
    insert_rows(session, "checks", CHECK_COLUMNS, checks, {"hits": "::jsonb"}, ("checked_at",))
    insert_rows(session, "check_hits", HIT_COLUMNS, hits, temporal=("checked_at",))


BULK_ROWS = 1000
BULK_CACHE_KIB = 128 * 1024
_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_SQLITE_WRITERS_LOCK = threading.Lock()


class WriterBusy(Exception):
    """Another transaction holds the SQLite write lock (raised only by `check_transaction(wait=False)`)."""


@contextmanager
def check_transaction(factory: sessionmaker[Session], rows: int = 1, *, wait: bool = True) -> Iterator[Session]:
    """The unit of work of checks: commit on success, roll back on any error.

    Checks read, then write. On SQLite a transaction that has read can no longer take the
    write lock once another connection has committed since its first read: it fails at once
    with "database is locked" (SQLITE_BUSY_SNAPSHOT, no busy wait). So on SQLite checks take the
    write lock before their first read: in this process with a lock (whose waiters hold no
    connection and wake as soon as it is free), against other processes with a statement that
    writes nothing (which makes SQLite take its write lock, waiting up to the busy timeout).
    With `wait=False` (the group writer on the event loop, which must never block) either lock
    being held raises `WriterBusy` at once instead.

    A batch chunk (`rows` checks) dirties a page of the subject-key indexes of checks and of the
    access log for nearly every row; on SQLite it gets a page cache that holds them for the
    length of its transaction, so each page is written once at commit, not spilled on the way.
    """
    session = factory()
    bind = session.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if (bind.dialect.name == "postgresql" and rows < COPY_MIN_ROWS
            and not (isinstance(bind, Connection) and bind.in_transaction())):
        with _pipelined_transaction(session) as pg_session:
            yield pg_session
        return
    lock = _engine_writer(bind.engine) if sqlite else None
    if lock is not None and not lock.acquire(blocking=wait):
        session.close()
        raise WriterBusy
    try:
        try:
            cache = None
            if sqlite:
                conn = session.connection()
                raw = conn.connection.driver_connection
                _take_write_lock(raw, wait, conn.info)
                if rows >= BULK_ROWS:
                    (cache,) = raw.execute("PRAGMA cache_size").fetchone()
                    raw.execute(f"PRAGMA cache_size = {-BULK_CACHE_KIB}")
            try:
                yield session
            finally:
                if cache is not None:
                    raw.execute(f"PRAGMA cache_size = {int(cache)}")  # before the connection goes back
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        if lock is not None:
            lock.release()
        session.close()


@contextmanager
def _pipelined_transaction(session: Session) -> Iterator[Session]:
    """PostgreSQL, a session that owns its transaction: the transaction in two round trips.

    The block runs in pipeline mode: its first read goes with the BEGIN, and its writes are
    queued and go with the COMMIT in one sync at the end (an error in any of them aborts the
    pipeline, so nothing after it, the COMMIT included, is carried out, and the error is raised
    here). The session's own commit then finds the driver's transaction over and costs nothing."""
    try:
        try:
            conn = driver_connection(session)
            with conn.pipeline():
                yield session
                session.flush()
                conn.execute("COMMIT")
            session.commit()
        except BaseException:
            session.rollback()
            raise
    finally:
        session.close()


def _sqlite_writer(url: str) -> threading.Lock:
    with _SQLITE_WRITERS_LOCK:
        return _SQLITE_WRITERS.setdefault(url, threading.Lock())


_ENGINE_WRITERS: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def _engine_writer(engine: Engine) -> threading.Lock:
    """`_sqlite_writer` of the engine's database (rendering the URL costs more than a check)."""
    lock = _ENGINE_WRITERS.get(engine)
    if lock is None:
        lock = _ENGINE_WRITERS[engine] = _sqlite_writer(str(engine.url))
    return lock


_NO_WAIT = "chengxin.checks.no_wait"  # Connection.info: a writer's connection whose busy timeout is 0


def writer_connection(engine: Engine) -> Connection:
    """A connection for the check writer to keep between its groups (`give_back` when done).
    On SQLite its busy timeout is 0, so that a group tried on the event loop never waits for
    another connection's lock (it raises `WriterBusy` instead), without the two statements that
    would otherwise set and reset the timeout around every group."""
    conn = engine.connect()
    if engine.dialect.name == "sqlite":
        conn.connection.driver_connection.execute("PRAGMA busy_timeout = 0")
        conn.info[_NO_WAIT] = True
    return conn


def give_back(conn: Connection) -> None:
    """Return a `writer_connection` to the pool as the pool gave it."""
    if conn.info.pop(_NO_WAIT, False) and not conn.invalidated:
        conn.connection.driver_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    conn.close()


def _take_write_lock(raw: Any, wait: bool, info: dict[Any, Any]) -> None:
    """Make SQLite take its write lock for this transaction (a statement that writes nothing)."""
    if info.get(_NO_WAIT):
        if not wait:
            _lock_now(raw)
            return
        raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        try:
            raw.execute("DELETE FROM checks WHERE 0 = 1")
        finally:
            raw.execute("PRAGMA busy_timeout = 0")
        return
    if wait:
        raw.execute("DELETE FROM checks WHERE 0 = 1")
        return
    (timeout,) = raw.execute("PRAGMA busy_timeout").fetchone()
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        _lock_now(raw)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(timeout)}")


def _lock_now(raw: Any) -> None:
    """Take the write lock on a connection whose busy timeout is 0, or raise `WriterBusy`."""
    try:
        raw.execute("DELETE FROM checks WHERE 0 = 1")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
            raise
        raise WriterBusy from exc


def get_check(session: Session, check_id: str) -> Check | None:
    return session.scalars(select(Check).where(Check.id == check_id)).first()


def insert_feedback(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(Feedback.__table__.insert(), rows)


def feedback_of(session: Session, check_id: str) -> list[Feedback]:
    return list(session.scalars(select(Feedback).where(Feedback.check_id == check_id)
                                .order_by(Feedback.at, Feedback.id)))


def unanswered_hits(session: Session, department: str, limit: int) -> list[Any]:
    """(hit, check) pairs of a department that have no feedback yet, newest first."""
    answered = select(Feedback.id).where(Feedback.check_id == CheckHit.check_id,
                                         Feedback.measure_code == CheckHit.measure_code)
    stmt = (select(CheckHit, Check)
            .join(Check, (Check.subject_key == CheckHit.subject_key) & (Check.id == CheckHit.check_id))
            .where(CheckHit.department_code == department, ~answered.exists())
            .order_by(CheckHit.checked_at.desc(), CheckHit.check_id.desc()).limit(limit))
    return list(session.execute(stmt))


def hit_counts(session: Session, since: datetime | None, department: str | None,
               until: datetime | None = None) -> list[Any]:
    """(department, measure, hits) over check_hits."""
    stmt = select(CheckHit.department_code, CheckHit.measure_code, func.count())
    if since is not None:
        stmt = stmt.where(CheckHit.checked_at >= since)
    if until is not None:
        stmt = stmt.where(CheckHit.checked_at < until)
    if department:
        stmt = stmt.where(CheckHit.department_code == department)
    return list(session.execute(stmt.group_by(CheckHit.department_code, CheckHit.measure_code)))


def answered_counts(session: Session, since: datetime | None, department: str | None,
                    until: datetime | None = None) -> list[Any]:
    """(department, measure, outcome, hits answered) using each hit's latest feedback."""
    latest = (select(Feedback.check_id, Feedback.measure_code, func.max(Feedback.at).label("at"))
              .group_by(Feedback.check_id, Feedback.measure_code).subquery())
    stmt = (select(CheckHit.department_code, CheckHit.measure_code, Feedback.outcome, func.count())
            .join(latest, (latest.c.check_id == CheckHit.check_id)
                  & (latest.c.measure_code == CheckHit.measure_code))
            .join(Feedback, (Feedback.check_id == latest.c.check_id)
                  & (Feedback.measure_code == latest.c.measure_code) & (Feedback.at == latest.c.at)))
    if since is not None:
        stmt = stmt.where(CheckHit.checked_at >= since)
    if until is not None:
        stmt = stmt.where(CheckHit.checked_at < until)
    if department:
        stmt = stmt.where(CheckHit.department_code == department)
    return list(session.execute(stmt.group_by(CheckHit.department_code, CheckHit.measure_code,
                                              Feedback.outcome)))


# --- batch checks run from the department pages ---------------------------------------------


def add_check_batch(session: Session, row: CheckBatch) -> None:
    session.add(row)
    session.flush()


def department_check_batches(session: Session, department_code: str, limit: int) -> list[CheckBatch]:
    """A department's batch checks, newest first (the result files are not loaded)."""
    return list(session.scalars(select(CheckBatch).where(CheckBatch.department_code == department_code)
                                .options(defer(CheckBatch.result_cipher))
                                .order_by(CheckBatch.created_at.desc(), CheckBatch.id.desc()).limit(limit)))


def get_check_batch(session: Session, batch_id: str) -> CheckBatch | None:
    return session.get(CheckBatch, batch_id)


def purge_batch_results(session: Session, now: datetime) -> int:
    """Drop the result files past their keeping time (the counts stay as history); how many."""
    return session.execute(update(CheckBatch).where(CheckBatch.expires_at <= now)
                           .values(result_cipher=None, expires_at=None)).rowcount or 0
