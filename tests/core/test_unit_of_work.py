"""The boundary's transaction under concurrency: a writer takes the write lock before it reads,
a reader is read-only (SQLite), and a request holding the lock can always commit.

Each test has a database of its own (committed data, an engine of its own), as `chengxin
serve` and the CLI have it."""

from __future__ import annotations

import threading
import time

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.departments import repository as departments
from chengxin.migrate import upgrade
from chengxin.settings import get_settings
from helpers import own_database_app, penalty, submit


@pytest.fixture
def factory(data_dir):
    engine = make_engine(get_settings().resolved_database_url)
    upgrade(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_a_writer_that_read_first_still_writes_after_another_writer(factory):
    """On SQLite a transaction that had read could not write once another had committed meanwhile
    ("database is locked" at once); a unit of work now holds the write lock from its first read,
    so the other writer waits for it instead, and both are kept."""
    read = threading.Event()
    failures: list[BaseException] = []

    def other() -> None:
        read.wait()
        try:
            with unit_of_work(factory) as session:
                departments.ensure(session, {"other_writer": "另一写入者"})
        except BaseException as exc:  # reported below
            failures.append(exc)

    thread = threading.Thread(target=other)
    thread.start()
    with unit_of_work(factory) as session:
        assert departments.get(session, "first_writer") is None
        read.set()
        thread.join(0.5)  # SQLite: the other waits for this transaction; PostgreSQL: it commits meanwhile
        departments.ensure(session, {"first_writer": "先读后写者"})
    thread.join()
    assert not failures
    with factory() as session:
        assert {"first_writer", "other_writer"} <= departments.all_codes(session)


def test_a_reading_unit_of_work_cannot_write_on_sqlite_and_leaves_its_connection_writable(factory, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL has no write lock to keep readers from; a reading transaction is a plain one")
    with pytest.raises(OperationalError, match="readonly"), unit_of_work(factory, writes=False) as session:
        departments.ensure(session, {"by_a_reader": "读者"})
    with unit_of_work(factory) as session:  # the same pooled connection, writable again
        departments.ensure(session, {"by_a_writer": "写者"})
    with factory() as session:
        codes = departments.all_codes(session)
    assert "by_a_writer" in codes and "by_a_reader" not in codes


def test_a_request_holding_the_write_lock_commits_while_others_wait_for_it(data_dir, keys):
    """Requests run their endpoints on the server's worker threads. Were every one of them taken
    by a request waiting for the write lock, the request holding it could not get the thread it
    needs before it commits (FastAPI validates the answer on one), and all waited out the busy
    timeout ("database is locked"). Four worker threads, eight writers at once: all answered."""
    app, engine, _ = own_database_app(keys, tokens=True)
    try:
        with TestClient(app) as client:

            async def four_worker_threads() -> None:
                to_thread.current_default_thread_limiter().total_tokens = 4

            client.portal.call(four_worker_threads)
            assert submit(client, [penalty(801)]).status_code == 201  # the token is verified and cached
            answers: list[int] = []

            def send(n: int) -> None:
                answers.append(submit(client, [penalty(n)]).status_code)

            started = time.monotonic()
            threads = [threading.Thread(target=send, args=(n,)) for n in range(810, 818)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
    finally:
        engine.dispose()
    assert answers == [201] * 8
    assert elapsed < 5  # not after a busy timeout (10 s)
