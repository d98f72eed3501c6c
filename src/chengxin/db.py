"""Engine, sessions and the declarative base; SQLite (WAL) or PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, create_engine, event, make_url
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

if TYPE_CHECKING:
    from chengxin.settings import Settings

log = logging.getLogger(__name__)
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


SQLITE_BUSY_TIMEOUT_MS = 10_000  # how long a statement waits for another connection's lock
SQLITE_POOL_SIZE = 16  # connections kept open; more are opened while more are in use


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
    # savepoints and the raw bulk paths share the session's transaction.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.close()


# The execution option a boundary declares its transaction with (`Session(execution_options=…)`,
# see `writing`/`reading`): True, it will write; False, it only reads; absent, undeclared.
WRITES = "chengxin_writes"
_QUERY_ONLY = "chengxin_query_only"  # the driver connection's `PRAGMA query_only`, as last set


def _sqlite_begin(conn: Any) -> None:
    """Begin as the boundary declared: a transaction that will write takes the write lock first.

    In WAL mode a transaction that has read can no longer write once another connection has
    committed since its first read: SQLite refuses it at once ("database is locked",
    SQLITE_BUSY_SNAPSHOT), and no busy timeout helps, so overlapping requests failed at random.
    `BEGIN IMMEDIATE` takes the write lock before the first read (waiting up to the busy timeout
    while another writer holds it); from then on no one else can commit. A transaction declared
    as reading is made read-only (`PRAGMA query_only`): should it write after all, it fails at
    once and every time, in the tests, rather than now and then under load."""
    writes = conn.get_execution_options().get(WRITES)
    set_read_only(conn, writes is False)
    # On the driver connection: through `exec_driver_sql` the BEGIN of every transaction cost
    # more than a check's own statements.
    conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if writes else "BEGIN")


def set_read_only(conn: Connection, read_only: bool) -> bool:
    """SQLite: make the connection refuse writes (`PRAGMA query_only`) or accept them again;
    returns what it was. The setting outlives the transaction, so it is kept beside the driver
    connection and set only when it changes."""
    info = conn.connection.info  # lives as long as the driver connection
    was = info.get(_QUERY_ONLY, False)
    if was != read_only:
        conn.connection.driver_connection.execute(f"PRAGMA query_only = {int(read_only)}")
        info[_QUERY_ONLY] = read_only
    return was


SQLITE_ANALYSIS_LIMIT = 1000  # rows ANALYZE samples per index: milliseconds on a million-person database


def refresh_statistics(conn: Connection) -> None:
    """SQLite: refresh the query planner's statistics (a sampled ANALYZE), in the caller's writing
    transaction. Without them SQLite takes any equality on an indexed column as selective: a public
    search by name walked the 60,000 black-list entries by list type instead of reading the few
    matters of the persons named (1.2 s against 40 ms on 1,000,000 persons). PostgreSQL keeps its
    own (autovacuum analyses)."""
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
    conn.exec_driver_sql("ANALYZE")


@lru_cache(maxsize=64)
def insert_from_json(table: str, columns: tuple[str, ...], source: str) -> str:
    """PostgreSQL: `INSERT INTO table (columns) SELECT ... FROM json_array_elements(source)`,
    whose rows are JSON arrays in `columns` order (`json_rows`). Many rows as one parameter of
    one statement: the driver's work is per statement and per parameter far more than per byte.
    Text goes into the columns as is (their length limits hold, as for a plain INSERT); other
    types are cast from their JSON text."""
    from sqlalchemy.dialects import postgresql

    from chengxin.models import import_all

    import_all()  # every table in the metadata
    dialect = postgresql.dialect()
    cols = Base.metadata.tables[table].c
    values = []
    for n, name in enumerate(columns):
        kind = cols[name].type.compile(dialect=dialect)
        text = kind.startswith(("VARCHAR", "TEXT", "CHAR"))
        values.append(f"x->>{n}" if text else f"(x->>{n})::{kind}")
    return (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} "
            f"FROM jsonb_array_elements({source}) AS x")


def _json_default(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


_ROWS_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default)


def json_rows(*tables: Sequence[Sequence[Any]]) -> str:
    """Rows of some tables as one JSON text, `[[row, ...], ...]` (times as ISO text), for
    `insert_from_json` sources such as `(SELECT j->0 FROM g)`."""
    return _ROWS_JSON.encode(tables)


SQLITE_ROWS_PER_INSERT = 2000


def sqlite_insert_many(conn: sqlite3.Connection, table: str, columns: Sequence[str],
                       rows: Iterable[Sequence[Any]]) -> None:
    """SQLite: insert rows with multi-row `INSERT ... VALUES (...), (...)` statements of up to
    2,000 rows, not `executemany`. Python's sqlite3 lets go of the interpreter lock for every
    statement it steps and must take it back after: `executemany` steps once per row, and while
    another thread runs Python (a batch check parses its next chunk meanwhile) each row waited
    for that thread's switch interval. 25,000 rows took 0.12 s alone and over 100 s beside a
    busy thread; in statements of 2,000 rows, 0.11 s alone and 0.3 s beside it."""
    per = max(1, min(SQLITE_ROWS_PER_INSERT, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(columns)))
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    one = f"({', '.join('?' * len(columns))})"
    piece: list[Any] = []
    count = 0
    for row in rows:
        piece += row
        count += 1
        if count == per:
            conn.execute(head + ", ".join([one] * count), piece)
            piece, count = [], 0
    if count:
        conn.execute(head + ", ".join([one] * count), piece)


PG_POOL_SIZE, PG_MAX_OVERFLOW, PG_POOL_TIMEOUT = 10, 20, 30.0  # the settings' defaults


def settings_engine(settings: Settings, url: str | None = None) -> Engine:
    """The engine of the platform's database (or of `url`) with the pool and pgbouncer settings."""
    return make_engine(url or settings.resolved_database_url, settings.sql_echo, pool_size=settings.db_pool_size,
                       max_overflow=settings.db_max_overflow, pool_timeout=settings.db_pool_timeout,
                       pgbouncer=settings.db_pgbouncer)


def make_engine(url: str, echo: bool = False, *, pool_size: int = PG_POOL_SIZE, max_overflow: int = PG_MAX_OVERFLOW,
                pool_timeout: float = PG_POOL_TIMEOUT, pgbouncer: bool = False) -> Engine:
    """An engine with the right per-dialect settings (WAL and foreign keys on SQLite). On PostgreSQL
    each process keeps `pool_size` connections and opens up to `max_overflow` more; through
    pgbouncer in transaction mode a server connection changes between transactions, so psycopg
    must not prepare statements on the server (`prepare_threshold=None`; pgbouncer before 1.21
    does not carry them over)."""
    if url.startswith("sqlite"):
        pool: dict[str, Any] = {}
        if make_url(url).database not in (None, "", ":memory:"):
            # A writer waiting for the write lock holds its connection meanwhile: a bounded pool
            # ran dry under concurrent writes and stopped even readers (and the check writer on
            # the event loop) until its timeout. A SQLite connection costs a file handle and its
            # page cache, so the pool keeps some and opens more as needed.
            pool = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": -1}
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False}, **pool)
        owner_only_database(engine.url.database)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    connect_args: dict[str, Any] = dict(PGBOUNCER_ARGS) if pgbouncer else {}
    engine = create_engine(url, echo=echo, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow,
                           pool_timeout=pool_timeout, connect_args=connect_args)
    if pgbouncer:
        _through_pgbouncer.add(engine)
    return engine


PGBOUNCER_ARGS = {"prepare_threshold": None}  # psycopg: never prepare statements on the server
_through_pgbouncer: weakref.WeakSet[Engine] = weakref.WeakSet()


def driver_args(engine: Engine) -> dict[str, Any]:
    """What a psycopg connection opened beside the engine's pool (the check writer's) must be given
    on top of the engine's URL, as the pool's connections are."""
    return dict(PGBOUNCER_ARGS) if engine in _through_pgbouncer else {}


OWNER_ONLY_FILE, OWNER_ONLY_DIR = 0o600, 0o700


def owner_only_database(database: str | None) -> None:
    """A SQLite database file readable and writable by its owner only: made so before SQLite makes
    it (with the process umask, usually 0644), since SQLite gives its WAL and shared-memory files
    the database file's mode; an existing file (and those beside it) is tightened."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return  # SQLite will say it cannot open the file
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, OWNER_ONLY_FILE))
    except OSError:
        return  # not ours to make (read-only place): SQLite reports what it meets
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        owner_only(file, OWNER_ONLY_FILE)


def owner_only(path: Path, mode: int) -> None:
    """Take group and other permissions off `path` if it has any (and say so)."""
    try:
        current = path.stat().st_mode & 0o777
        if current & 0o077:
            path.chmod(mode)
            log.warning("%s 的权限由 %o 改为 %o（仅所有者可访问：其中有个人信息）", path, current, mode)
    except FileNotFoundError:
        return


def private_dir(path: Path) -> Path:
    """A directory (and missing parents) only its owner can enter: the data directory holds the
    SQLite database, the key file and notice files; an existing one is tightened."""
    path.mkdir(mode=OWNER_ONLY_DIR, parents=True, exist_ok=True)
    owner_only(path, OWNER_ONLY_DIR)
    return path


WAL_CHECKPOINT_SECONDS = 1.0
WAL_RESTART_PAGES = 16_384  # 64 MiB of WAL: then a checkpoint waits for writers so that the log starts over
_checkpointers: dict[str, threading.Thread] = {}
_checkpointers_lock = threading.Lock()


def checkpoint_in_background(engine: Engine) -> None:
    """SQLite (WAL): checkpoint in a thread of this process instead of in the commits.

    By default the commit that takes the WAL past 1,000 pages copies them into the database
    file and syncs it, there and then. A server that commits on its event loop (the group
    commit of checks) would stall every request for that long. So here the engine's new
    connections never checkpoint, and a daemon thread does it every second, with the
    interpreter lock released while SQLite copies and syncs. A passive checkpoint never waits;
    should the WAL grow large all the same (a reader or writer always in the way), a RESTART
    checkpoint waits for the writers so that the log starts over. No-op on other databases."""
    path = engine.url.database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        return
    with _checkpointers_lock:
        if path in _checkpointers:
            return
        event.listen(engine, "connect", _no_autocheckpoint)
        thread = threading.Thread(target=_checkpoint_loop, args=(path,), name="sqlite-checkpoint", daemon=True)
        _checkpointers[path] = thread
        thread.start()


def _no_autocheckpoint(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA wal_autocheckpoint = 0")


def _checkpoint_loop(path: str) -> None:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 2000")
    while True:
        time.sleep(WAL_CHECKPOINT_SECONDS)
        try:
            _busy, pages, _copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            if pages > WAL_RESTART_PAGES:
                conn.execute("PRAGMA wal_checkpoint(RESTART)")
        except sqlite3.Error as exc:  # the file went away, or stayed busy: try again later
            log.debug("WAL checkpoint of %s: %s", path, exc)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def writing(factory: Callable[..., Session]) -> Session:
    """A session whose transactions will write: on SQLite each begins with the write lock."""
    return factory(execution_options={WRITES: True})


def reading(factory: Callable[..., Session]) -> Session:
    """A session whose transactions only read: concurrent with each other and with a writer;
    on SQLite read-only, so that a write in it fails at once instead of now and then."""
    return factory(execution_options={WRITES: False})


@contextmanager
def read_transaction(session: Session) -> Iterator[Session]:
    """A transaction of the session that only reads, whatever the session was made for, ended
    (rolled back) with the block, so that the session's next transaction begins afresh. For slow
    work between a read and the writes it leads to (checking a password hash), which must not
    hold the write lock meanwhile. What it read is expired: the next transaction reads it again."""
    if session.in_transaction():
        raise RuntimeError("read_transaction must begin the session's transaction")
    session.connection(execution_options={WRITES: False})
    try:
        yield session
    finally:
        session.rollback()


@contextmanager
def unit_of_work(factory: Callable[..., Session], *, writes: bool = True) -> Iterator[Session]:
    """The boundary's transaction: commit on success, roll back on any error. It writes unless
    told otherwise (`writing`), so on SQLite it holds the write lock from its first statement."""
    session = writing(factory) if writes else reading(factory)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
