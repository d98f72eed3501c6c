"""All SQL for checks: what a check reads (in bulk, for batch checks too) and writes.

A check is answered in few round trips: everything it reads in one (`check_reads`; on
PostgreSQL a pipeline of four statements, the organisations' rows reached through a
sub-select), everything it writes in one more (`insert_checks` and the access-log entry,
pipelined by `pipelined`). The SQL goes straight to the driver, which skips the ORM's
per-statement work (it costs more than the queries themselves).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.checks.models import Check, CheckHit, Feedback
from chengxin.lists.models import ListEntry
from chengxin.organisations.models import Organisation, OrganisationRole
from chengxin.persons.models import Person
from chengxin.records.models import Record
from chengxin.records.repository import IN_CHUNK


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


ENTRY_COLUMNS = (ListEntry.subject_key, ListEntry.id, ListEntry.list_type, ListEntry.record_id,
                 ListEntry.item_code, ListEntry.severity, ListEntry.department_code, ListEntry.basis,
                 ListEntry.start_date, ListEntry.planned_end, ListEntry.exited_on,
                 ListEntry.disputed_at)
RECORD_COLUMNS = (Record.subject_key, Record.id, Record.item_code, Record.nature, Record.severity,
                  Record.decision_date, Record.revoked_at, Record.disputed_at, Record.department_code)


def entries(session: Session, keys: Sequence[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for part in _parts(keys):
        for row in session.execute(select(*ENTRY_COLUMNS).where(ListEntry.subject_key.in_(part))):
            out[row[0]].append(row)
    return out


def live_records(session: Session, keys: Sequence[str]) -> dict[str, list[Any]]:
    """Current versions of the subjects' records (all natures: standing needs positives too)."""
    out: dict[str, list[Any]] = defaultdict(list)
    for part in _parts(keys):
        for row in session.execute(select(*RECORD_COLUMNS).where(
                Record.subject_key.in_(part), Record.superseded_at.is_(None))):
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
    """What checks of some persons read: birth dates, roles, and the entries and live
    records of the persons and of the organisations they answer for, by subject key."""

    births: dict[str, date | None]
    roles: dict[str, list[RoleRow]]
    entries: dict[str, list[Any]]
    records: dict[str, list[Any]]


_ENTRY_SQL = ", ".join(c.name for c in ENTRY_COLUMNS)
_RECORD_SQL = ", ".join(c.name for c in RECORD_COLUMNS)
_ROLES_SQL = ("SELECT r.person_key, o.uscc, o.name, o.subject_key, r.role FROM organisation_roles r"
              " JOIN organisations o ON o.uscc = r.uscc WHERE r.person_key")
_ORG_KEYS_SQL = ("SELECT o.subject_key FROM organisation_roles r JOIN organisations o ON o.uscc = r.uscc"
                 " WHERE r.person_key")
# PostgreSQL: one statement, one round trip. The four kinds of rows share a layout: a tag, then
# text, date and time columns; the organisations' entries and records are reached through an
# array of subject keys (the persons' and their organisations'), probed through the index.
_PG_READ = f"""
WITH ro AS ({_ROLES_SQL} = ANY(%(k)s))
SELECT 'p', person_key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, birth_date, NULL::date, NULL::date,
       NULL::timestamptz, NULL::timestamptz
  FROM persons WHERE person_key = ANY(%(k)s)
UNION ALL
SELECT 'o', person_key, uscc, name, subject_key, role, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL FROM ro
UNION ALL
SELECT 'e', subject_key, id, list_type, record_id, item_code, severity, department_code, basis,
       start_date, planned_end, exited_on, disputed_at, NULL
  FROM list_entries WHERE subject_key = ANY(%(k)s::text[] || ARRAY(SELECT subject_key::text FROM ro))
UNION ALL
SELECT 'r', subject_key, id, item_code, nature, severity, department_code, NULL, NULL,
       decision_date, NULL, NULL, revoked_at, disputed_at
  FROM records WHERE subject_key = ANY(%(k)s::text[] || ARRAY(SELECT subject_key::text FROM ro))
   AND superseded_at IS NULL
"""


def check_reads(session: Session, person_keys: Sequence[str]) -> CheckReads:
    """Everything checks of `person_keys` read, in one round trip on PostgreSQL."""
    keys = list(dict.fromkeys(person_keys))
    out = CheckReads({}, defaultdict(list), defaultdict(list), defaultdict(list))
    if not keys:
        return out
    session.flush()  # what an ORM query would have done first (autoflush)
    conn = driver_connection(session)
    if is_postgres(session):
        births, roles, entries, records = [], [], [], []
        for r in conn.execute(_PG_READ, {"k": keys}):
            tag = r[0]
            if tag == "e":
                entries.append(r[1:13])
            elif tag == "r":
                records.append((r[1], r[2], r[3], r[4], r[5], r[9], r[12], r[13], r[6]))
            elif tag == "o":
                roles.append(r[1:6])
            else:
                births.append((r[1], r[9]))
        out.births.update(births)
    else:
        births, roles, entries, records = _sqlite_reads(conn, keys)
        out.births.update((k, None if b is None else date.fromisoformat(b)) for k, b in births)
    for person_key, uscc, name, org_key, role in roles:
        out.roles[person_key].append(RoleRow(uscc, name, org_key, role))
    for row in entries:
        out.entries[row[0]].append(row)
    for row in records:
        out.records[row[0]].append(row)
    return out


def _sqlite_reads(conn: Any, keys: list[str]) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    births: list[Any] = []
    roles: list[Any] = []
    entries: list[Any] = []
    records: list[Any] = []
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

    for part in _parts(keys):
        marks = ", ".join("?" * len(part))
        own, via = f"subject_key IN ({marks})", f"subject_key IN ({_ORG_KEYS_SQL} IN ({marks}))"
        births += conn.execute(f"SELECT person_key, birth_date FROM persons WHERE person_key IN ({marks})", part)
        roles += conn.execute(f"{_ROLES_SQL} IN ({marks})", part)
        select = f"SELECT {_ENTRY_SQL} FROM list_entries WHERE"
        for r in conn.execute(f"{select} {own} UNION ALL {select} {via}", part + part):
            entries.append((*r[:8], day(r[8]), day(r[9]), day(r[10]), moment(r[11])))
        select = f"SELECT {_RECORD_SQL} FROM records WHERE superseded_at IS NULL AND"
        for r in conn.execute(f"{select} {own} UNION ALL {select} {via}", part + part):
            records.append((*r[:5], day(r[5]), moment(r[6]), moment(r[7]), r[8]))
    return births, roles, entries, records


CHECK_COLUMNS = ("subject_key", "id", "department_code", "scenario", "business_ref", "purpose", "decision",
                 "hits", "checked_at", "batch_id")
HIT_COLUMNS = ("subject_key", "check_id", "measure_code", "department_code", "blocking", "checked_at")
COPY_MIN_ROWS = 64  # from this many rows a COPY beats a pipelined executemany on PostgreSQL
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


@contextmanager
def pipelined(session: Session, rows: int = 1) -> Iterator[None]:
    """Send the statements of the block together (one round trip) on PostgreSQL, unless
    `rows` is large enough for the bulk inserts in it to use COPY (which a pipeline forbids)."""
    if rows >= COPY_MIN_ROWS or not is_postgres(session):
        yield
        return
    with driver_connection(session).pipeline():
        yield


def insert_rows(session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                casts: dict[str, str] | None = None) -> None:
    """Insert tuples of Python values (dates and aware datetimes) on the session's driver
    connection: COPY for many rows on PostgreSQL (outside a pipeline), else `executemany`;
    on SQLite dates and times go in the text forms SQLAlchemy stores."""
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
    stamps: dict[datetime, str] = {}

    def sqlite(row: Sequence[Any]) -> list[Any]:
        out = list(row)
        for i, value in enumerate(out):
            if isinstance(value, datetime):
                text = stamps.get(value)
                if text is None:
                    text = stamps[value] = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                out[i] = text
            elif isinstance(value, date):
                out[i] = value.isoformat()
        return out

    conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})",
                     [sqlite(row) for row in rows])


def insert_checks(session: Session, checks: list[dict[str, Any]], hits: list[dict[str, Any]]) -> None:
    insert_check_rows(session, [tuple(c[k] for k in CHECK_COLUMNS) for c in checks],
                      [tuple(h[k] for k in HIT_COLUMNS) for h in hits])


def insert_check_rows(session: Session, checks: list[tuple[Any, ...]], hits: list[tuple[Any, ...]]) -> None:
    """Checks and hits as tuples in CHECK_COLUMNS and HIT_COLUMNS order (`hits` as a list)."""
    encode = _JSON.encode
    insert_rows(session, "checks", CHECK_COLUMNS,
                [(*c[:7], encode(c[7]) if c[7] else "[]", *c[8:]) for c in checks], {"hits": "::jsonb"})
    insert_rows(session, "check_hits", HIT_COLUMNS, hits)


_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_SQLITE_WRITERS_LOCK = threading.Lock()


@contextmanager
def check_transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The unit of work of checks: commit on success, roll back on any error.

    Checks read, then write. On SQLite a transaction that has read can no longer take the
    write lock once another connection has committed since its first read: it fails at once
    with "database is locked" (SQLITE_BUSY_SNAPSHOT, no busy wait). So on SQLite checks take the
    write lock before their first read: in this process with a lock (whose waiters hold no
    connection and wake as soon as it is free), against other processes with a statement that
    writes nothing (which makes SQLite take its write lock, waiting up to the busy timeout).
    """
    session = factory()
    bind = session.get_bind()
    lock: Any = nullcontext()
    if bind.dialect.name == "sqlite":
        url = str(bind.engine.url)
        with _SQLITE_WRITERS_LOCK:
            lock = _SQLITE_WRITERS.setdefault(url, threading.Lock())
    try:
        with lock:
            try:
                if bind.dialect.name == "sqlite":
                    driver_connection(session).execute("DELETE FROM checks WHERE 0 = 1")
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        session.close()


def get_check(session: Session, check_id: str) -> Check | None:
    return session.scalars(select(Check).where(Check.id == check_id)).first()


def insert_feedback(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(Feedback.__table__.insert(), rows)


def feedback_of(session: Session, check_id: str) -> list[Feedback]:
    return list(session.scalars(select(Feedback).where(Feedback.check_id == check_id)
                                .order_by(Feedback.at, Feedback.id)))


def hit_counts(session: Session, since: datetime | None, department: str | None) -> list[Any]:
    """(department, measure, hits) over check_hits."""
    stmt = select(CheckHit.department_code, CheckHit.measure_code, func.count())
    if since is not None:
        stmt = stmt.where(CheckHit.checked_at >= since)
    if department:
        stmt = stmt.where(CheckHit.department_code == department)
    return list(session.execute(stmt.group_by(CheckHit.department_code, CheckHit.measure_code)))


def answered_counts(session: Session, since: datetime | None, department: str | None) -> list[Any]:
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
    if department:
        stmt = stmt.where(CheckHit.department_code == department)
    return list(session.execute(stmt.group_by(CheckHit.department_code, CheckHit.measure_code,
                                              Feedback.outcome)))
