"""Shared fixtures: one migrated database per run, a rolled-back transaction per test.

The database is SQLite by default; set CHENGXIN_TEST_DATABASE_URL to a PostgreSQL
URL to run the very same suite there (CI does both). An unreachable PostgreSQL is
a hard failure, never a silent skip.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

import helpers
from chengxin import clock as platform_clock
from chengxin.app import create_app
from chengxin.catalog.rules import Catalog, default_catalog
from chengxin.crypto import Keys
from chengxin.db import WRITES, make_engine, set_read_only, unit_of_work
from chengxin.departments import repository as departments
from chengxin.migrate import upgrade
from chengxin.settings import Settings, get_settings
from chengxin.signing import Signer
from helpers import scratch_database

TEST_KEYS = Keys(hash_secret=b"h" * 32, encryption_key=b"e" * 32)

# Every test runs with the platform clock started at this moment (Beijing time): no test reads
# the wall clock. CI runs the date-sensitive folders again from other moments (see `run`).
TEST_NOW = platform_clock.parse_start(os.environ.get("CHENGXIN_TEST_NOW") or "2026-11-18T10:00:00+08:00")
platform_clock.run_from(TEST_NOW)  # for what test modules compute when they are collected


class Clock:
    """The test's handle on the platform clock: `set` a moment, `advance` it, read `now`/`today`."""

    start = TEST_NOW

    def set(self, moment: datetime | date) -> None:
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, time(10), platform_clock.CHINA)
        platform_clock.run_from(moment)

    def advance(self, by: timedelta) -> None:
        platform_clock.run_from(platform_clock.utcnow() + by)

    def now(self) -> datetime:
        return platform_clock.utcnow()

    def today(self) -> date:
        return platform_clock.today()


@pytest.fixture(scope="session", autouse=True)
def _session_clock() -> Iterator[None]:
    """The session's own fixtures (test accounts and tokens) are made at the test moment too."""
    platform_clock.run_from(TEST_NOW)
    yield
    platform_clock.reset()


@pytest.fixture(autouse=True)
def clock() -> Iterator[Clock]:
    """Each test starts at TEST_NOW; a test about another day sets it (`clock.set(...)`)."""
    platform_clock.run_from(TEST_NOW)
    yield Clock()
    platform_clock.run_from(TEST_NOW)


def _postgres_database(url: str) -> str:
    """Create a fresh database for this run; fail loudly when the server is unreachable."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    except Exception as exc:  # pragma: no cover - the point is to fail
        pytest.exit(f"无法连接测试用 PostgreSQL（{target.host}:{target.port}）：{exc}", returncode=3)
    finally:
        admin.dispose()
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("CHENGXIN_TEST_DATABASE_URL")
    if url:
        return _postgres_database(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    upgrade(eng)
    with unit_of_work(sessionmaker(eng)) as session:
        departments.ensure(session, default_catalog().departments)
        helpers.issue_test_tokens(session, default_catalog().departments)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions whose commits are savepoints inside the test's outer transaction."""
    maker = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    event.listen(maker, "after_begin", _begin_as_served)
    event.listen(maker, "after_transaction_end", _end_as_served)
    return maker


_RESTORE = "test_restore_read_only"


def _begin_as_served(session: Session, transaction: SessionTransaction, conn: Connection) -> None:
    """What the engine's BEGIN does for a boundary's declared transaction on a connection of its
    own (`chengxin.db.WRITES`), done for the sessions that share the test's connection: on SQLite
    a reading one is read-only while it lasts, so a request that writes without declaring it
    fails here, every time. And none may begin on the event loop, where waiting for the write
    lock (or a pooled connection) would stop the very request that holds it."""
    if transaction.parent is not None or WRITES not in session.execution_options:
        return
    assert asyncio._get_running_loop() is None, "a request's transaction began on the event loop"
    if conn.dialect.name == "sqlite":
        writes = conn.get_execution_options()[WRITES]  # the session's, or what `read_transaction` asked
        session.info[_RESTORE] = (conn, set_read_only(conn, writes is False))


def _end_as_served(session: Session, transaction: SessionTransaction) -> None:
    restore = session.info.pop(_RESTORE, None) if transaction.parent is None else None
    if restore is not None:
        set_read_only(*restore)


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    s = factory()
    yield s
    s.close()


@pytest.fixture
def keys() -> Keys:
    return TEST_KEYS


@pytest.fixture
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url)


@pytest.fixture
def signer() -> Signer:
    """The platform signing key of the test app (receipts and tree heads); folders may override it."""
    return Signer.from_seed(b"s" * 32)


@pytest.fixture
def app(settings: Settings, engine: Engine, factory: sessionmaker[Session], keys: Keys, signer: Signer):
    application = create_app(settings, engine=engine, keys=keys)
    application.state.sessionmaker = factory
    application.state.signer = signer
    return application


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch, database_url: str) -> Path:
    """A fresh data directory and a fresh database of the suite's kind for CLI tests (env set)."""
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHENGXIN_DATABASE_URL",
                       scratch_database(database_url, tmp_path, "cli", sqlite_file="chengxin.db"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
