"""The background loops run in exactly one process: the leader the database elects (a PostgreSQL
advisory lock on a connection of its own, or a `flock` beside the SQLite file). Two electors with
their own locks never both lead; when the leader goes (gives up, its connection is cut, or its
process is killed), another takes over on its next tick."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, make_url, text

from chengxin.leader import AdvisoryLock, FileLock, Leader, configuration_problem, lock_for
from chengxin.settings import Settings
from helpers import process_env


class Loops:
    """What a leader starts: counted, each with its stop event."""

    def __init__(self) -> None:
        self.started: list[threading.Event] = []

    def __call__(self) -> list[threading.Event]:
        self.started.append(threading.Event())
        return [self.started[-1]]

    @property
    def running(self) -> int:
        return sum(not e.is_set() for e in self.started)


def electors(settings: Settings) -> tuple[Leader, Loops, Leader, Loops]:
    a_loops, b_loops = Loops(), Loops()
    return (Leader(lock_for(settings), 0.1, a_loops), a_loops, Leader(lock_for(settings), 0.1, b_loops), b_loops)


def test_the_lock_fits_the_database(settings, is_postgres):
    assert isinstance(lock_for(settings), AdvisoryLock if is_postgres else FileLock)


def test_two_electors_never_both_lead_and_the_other_takes_over_when_the_leader_goes(settings):
    a, a_loops, b, b_loops = electors(settings)
    try:
        for _ in range(5):
            a.tick()
            b.tick()
            assert a.leading != b.leading
        assert a.leading and a_loops.running == 1 and len(a_loops.started) == 1  # started once, still running
        assert b_loops.started == []
        a.stop()  # the leader goes
        assert a_loops.running == 0
        assert b.tick() and b_loops.running == 1
        assert not a.tick() and not a.leading
    finally:
        a.stop()
        b.stop()


def test_threads_ticking_together_never_lead_at_once(settings):
    leaders = [Leader(lock_for(settings), 0.01, Loops()) for _ in range(3)]
    both: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            both.append(sum(x.leading for x in leaders))
            time.sleep(0.001)

    threads = [threading.Thread(target=x.run, args=(stop,)) for x in leaders] + [threading.Thread(target=watch)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    leaders[[x.leading for x in leaders].index(True)].stop()  # the leader gives up: another takes over
    time.sleep(0.3)
    stop.set()
    for t in threads:
        t.join(10)
    assert max(both) == 1 and both.count(1) > len(both) // 2


def test_a_leader_whose_connection_is_cut_stops_its_loops_and_another_takes_over(settings, is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL: the session that holds the advisory lock ends (SQLite: see the killed process)")
    a, a_loops, b, b_loops = electors(settings)
    try:
        assert a.tick() and not b.tick()
        pid = a.lock.conn.execute(text("SELECT pg_backend_pid()")).scalar()
        admin = create_engine(make_url(settings.resolved_database_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        admin.dispose()
        assert not a.tick() and a_loops.running == 0  # it noticed and stopped
        assert b.tick() and b_loops.running == 1
    finally:
        a.stop()
        b.stop()


HOLD = """
import sys, time
from chengxin.leader import lock_for
from chengxin.settings import Settings
lock = lock_for(Settings(data_dir=sys.argv[1], database_url=sys.argv[2]))
print("led" if lock.try_take() else "not", flush=True)
time.sleep(120)
"""


def test_when_the_leaders_process_is_killed_another_process_takes_over(settings):
    other = lock_for(settings)
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(settings.data_dir), settings.resolved_database_url],
                             env=process_env(), stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "led"
        assert not other.try_take()
        child.kill()
        child.wait(10)
        deadline = time.monotonic() + 10
        while not other.try_take():
            assert time.monotonic() < deadline, "the lock outlived its process"
            time.sleep(0.05)
        assert other.holds()
    finally:
        child.kill()
        child.wait(10)
        other.release()


def test_through_pgbouncer_the_election_needs_a_direct_address():
    url = "postgresql+psycopg://postgres@127.0.0.1:6432/x"
    problem = configuration_problem(Settings(database_url=url, db_pgbouncer=True))
    assert problem is not None and problem.code == "CONFIG_JOBS_DATABASE_URL"
    direct = "postgresql+psycopg://postgres@127.0.0.1:5432/x"
    assert configuration_problem(Settings(database_url=url, db_pgbouncer=True, jobs_database_url=direct)) is None
    assert configuration_problem(Settings(database_url=url)) is None
    lock = lock_for(Settings(database_url=url, db_pgbouncer=True, jobs_database_url=direct))
    assert isinstance(lock, AdvisoryLock) and lock.engine.url.port == 5432
