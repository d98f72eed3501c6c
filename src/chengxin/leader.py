"""One process runs the background loops (jobs, exchange): the leader the database elects.

With several server processes (`chengxin serve --workers N`, several machines, or a separate
`chengxin jobs serve`) the loops must run in exactly one of them. Each process that may run them
tries, every `jobs_leader_seconds`, to take a lock that only one holder can have and that goes
away with its holder:

- PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its
  own, held for the process's life. When the leader dies (or its connection breaks) the server
  releases the lock, and another process takes it on its next try. The lock lives in the server
  session, so this connection must reach PostgreSQL directly, never through pgbouncer in
  transaction mode (`jobs_database_url`).
- SQLite: an exclusive `flock` on a file beside the database file; the kernel releases it when
  the process exits.

The leader checks its hold on every tick; if it lost it (connection gone) it stops its loops
before anyone else can take over on their next tick, and tries again like the others.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from chengxin.errors import DomainError
from chengxin.settings import Settings

log = logging.getLogger("chengxin.leader")
# The advisory lock's key: any 64-bit number no other code on the database uses ("chengxin" + 1).
ADVISORY_KEY = 0x6368656E67786901


class Lock(Protocol):
    def try_take(self) -> bool: ...

    def holds(self) -> bool: ...

    def release(self) -> None: ...


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a connection of its own."""

    def __init__(self, url: str) -> None:
        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        self.engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.conn: Connection | None = None

    def try_take(self) -> bool:
        try:
            if self.conn is None:
                self.conn = self.engine.connect()
            taken = bool(self.conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar())
        except Exception as exc:  # the server away: not the leader this time
            log.warning("leader election: %s", type(exc).__name__)
            self.release()
            return False
        return taken

    def holds(self) -> bool:
        """Whether the lock is still ours: its session is alive and holds it."""
        if self.conn is None:
            return False
        try:
            return bool(self.conn.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND granted AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = :k"),
                {"k": ADVISORY_KEY}).scalar())
        except Exception:
            self.release()
            return False

    def release(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                # Unlocked before the session ends: the server ends a closed session a moment after
                # the client has gone, and another process trying meanwhile would still find it held.
                conn.execute(text("SELECT pg_advisory_unlock_all()"))
            except Exception as exc:  # the session is gone already, and the lock with it
                log.debug("unlocking: %s", type(exc).__name__)
            try:
                conn.close()  # the session ends, and the lock with it
            except Exception as exc:
                log.debug("closing the leader connection: %s", type(exc).__name__)


class FileLock:
    """An exclusive `flock` on a file (SQLite: beside the database file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def try_take(self) -> bool:
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who leads, for a person looking
        self.fd = fd
        return True

    def holds(self) -> bool:
        return self.fd is not None

    def release(self) -> None:
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)  # closing the only descriptor releases the lock


def lock_for(settings: Settings) -> Lock:
    """The lock this platform's processes elect their leader with."""
    problem = configuration_problem(settings)
    if problem is not None:
        raise problem
    url = make_url(settings.jobs_database_url or settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        place = Path(database) if database and database != ":memory:" else settings.data_dir / "chengxin.db"
        return FileLock(place.with_name(place.name + ".jobs-lock"))
    return AdvisoryLock(url.render_as_string(hide_password=False))


def configuration_problem(settings: Settings) -> DomainError | None:
    """Why the election cannot work with these settings (said before the server starts), or None."""
    if settings.db_pgbouncer and settings.jobs_database_url is None and \
            make_url(settings.resolved_database_url).get_backend_name() == "postgresql":
        return DomainError(
            "CONFIG_JOBS_DATABASE_URL", "经 pgbouncer 连接数据库（CHENGXIN_DB_PGBOUNCER）时，须把 "
            "CHENGXIN_JOBS_DATABASE_URL 设为直连 PostgreSQL 的地址：定时任务执行者的选举用会话级咨询锁，"
            "pgbouncer 事务模式下会话不固定，锁不起作用", 500)
    return None


class Leader:
    """Tries for the lock every `every` seconds; while it holds it, the loops `start` began run."""

    def __init__(self, lock: Lock, every: float, start: Callable[[], list[threading.Event]],
                 what: str = "定时任务") -> None:
        self.lock, self.every, self.start, self.what = lock, every, start, what
        self.running: list[threading.Event] | None = None

    @property
    def leading(self) -> bool:
        return self.running is not None

    def tick(self) -> bool:
        """One round: keep, lose or take the lead. Returns whether this process leads now."""
        if self.running is not None:
            if self.lock.holds():
                return True
            log.error("本进程（pid %d）失去了%s执行者的锁，停止运行这些任务", os.getpid(), self.what)
            self._stop_loops()
            return False
        if not self.lock.try_take():
            return False
        log.warning("本进程（pid %d）成为%s执行者", os.getpid(), self.what)
        try:
            self.running = self.start()
        except Exception:
            self.lock.release()  # let another process try
            raise
        return True

    def _stop_loops(self) -> None:
        for stop in self.running or []:
            stop.set()
        self.running = None
        self.lock.release()

    def stop(self) -> None:
        """Stop the loops and give up the lock (another process takes over on its next tick)."""
        self._stop_loops()

    def run(self, stop: threading.Event) -> None:
        """Tick now and then every `every` seconds until `stop` is set (then give up the lead)."""
        try:
            while True:
                try:
                    self.tick()
                except Exception as exc:  # keep trying; the loops' own errors are theirs
                    log.error("leader election failed: %s", type(exc).__name__)
                if stop.wait(self.every):
                    return
        finally:
            self.stop()

    def run_in_background(self) -> threading.Event:
        """`run` in a daemon thread; set the event to stop."""
        stop = threading.Event()
        threading.Thread(target=self.run, args=(stop,), name="chengxin-leader", daemon=True).start()
        return stop


def background_loops(factory: Any, keys: Any, catalog: Any, settings: Settings) -> Callable[[], list[threading.Event]]:
    """What the leader starts: the jobs loop and the exchange loop (each unless its interval is 0)."""

    def start() -> list[threading.Event]:
        from chengxin.exchange.cli import start_background as start_exchange
        from chengxin.jobs import start_background

        stops: list[threading.Event] = []
        try:
            if settings.jobs_interval_seconds > 0:
                stops.append(start_background(factory, keys, settings.jobs_interval_seconds))
            if settings.exchange_interval_seconds > 0:
                stops.append(start_exchange(factory, keys, catalog, settings, settings.exchange_interval_seconds))
        except BaseException:
            for stop in stops:  # all or none: the next leader starts them all
                stop.set()
            raise
        return stops

    return start


def loops_wanted(settings: Settings) -> bool:
    return settings.jobs_interval_seconds > 0 or settings.exchange_interval_seconds > 0


def elect_in_background(factory: Any, keys: Any, catalog: Any, settings: Settings) -> threading.Event | None:
    """Join the election for the loops this process may run (None when there are none)."""
    if not loops_wanted(settings):
        return None
    leader = Leader(lock_for(settings), settings.jobs_leader_seconds,
                    background_loops(factory, keys, catalog, settings))
    return leader.run_in_background()
