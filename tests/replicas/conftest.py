"""A primary and a streaming hot standby of the tests' own (tests/pgcluster.py), for the PostgreSQL run.

The SQLite run skips these tests: a hot standby is a PostgreSQL thing. In the PostgreSQL run a
machine without Debian's PostgreSQL binaries fails them (as an unreachable test server fails the
run): they are never skipped silently there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine

import helpers
import pgcluster
from chengxin.catalog.rules import default_catalog
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.departments import repository as departments
from chengxin.migrate import upgrade

DATABASE = "chengxin"
POSTGRES_RUN = os.environ.get("CHENGXIN_TEST_DATABASE_URL", "").startswith("postgres")


@dataclass
class Cluster:
    primary: pgcluster.Primary
    standby: pgcluster.Standby
    engine: Engine  # the platform's engine on the primary

    def standby_url(self) -> str:
        return self.standby.url(DATABASE)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the SQLite run, skip the tests that need the cluster (with the reason, in both languages)."""
    if POSTGRES_RUN:
        return
    skip = pytest.mark.skip(reason="只读备库测试只在 PostgreSQL 测试中运行（需设置 CHENGXIN_TEST_DATABASE_URL）"
                                   " / read replica tests run only in the PostgreSQL run")
    for item in items:
        if "cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """A primary migrated to head with the departments and the test tokens, and one standby caught up."""
    problem = pgcluster.available()
    if problem:
        pytest.fail(f"无法启动测试用 PostgreSQL 主备库：{problem}")
    primary = pgcluster.Primary.start()
    try:
        primary.query(f"CREATE DATABASE {DATABASE}")
        engine = make_engine(primary.url(DATABASE))
        upgrade(engine)
        with unit_of_work(make_sessionmaker(engine)) as session:
            departments.ensure(session, default_catalog().departments)
            helpers.issue_test_tokens(session, default_catalog().departments)
        standby = primary.add_standby()
        primary.wait_caught_up()
        yield Cluster(primary, standby, engine)
        engine.dispose()
    finally:
        primary.stop()
