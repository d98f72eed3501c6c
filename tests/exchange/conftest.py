"""The `platforms` factory: real nodes (see platforms.py), all ended and their data gone after the test."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from platforms import Platform

from helpers import drop_database, scratch_database

StartPlatform = Callable[..., Platform]


@pytest.fixture
def platforms(request: pytest.FixtureRequest, tmp_path: Path, database_url: str) -> Iterator[StartPlatform]:
    """`platforms("county", "341021", "凤台县公共信用信息平台")` -> a started Platform with its own data
    directory, database (`<test database>_x_county` on PostgreSQL), keys and port. Keyword
    `exchange_interval` sets CHENGXIN_EXCHANGE_INTERVAL_SECONDS ("0": no background exchange), `env`
    more CHENGXIN_* settings."""
    made: list[Platform] = []
    request.node.exchange_platforms = made  # their consoles go into a failed test's report

    def start(name: str, node_code: str, node_name: str, *, exchange_interval: str = "0",
              env: dict[str, str] | None = None) -> Platform:
        if any(p.name == name for p in made):
            raise ValueError(f"本测试已有名为 {name} 的平台")
        data_dir = tmp_path / name
        data_dir.mkdir(mode=0o700)
        url = scratch_database(database_url, data_dir, f"x_{name}", sqlite_file="chengxin.db")
        node = Platform(name, node_code, node_name, data_dir, url, exchange_interval=exchange_interval,
                        extra_env=env or {})
        made.append(node)
        return node.start()

    try:
        yield start
    finally:
        for node in made:
            node.kill()
        for node in made:
            drop_database(node.database_url)
            shutil.rmtree(node.data_dir, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed and report.when in ("setup", "call"):
        for node in getattr(item, "exchange_platforms", ()):
            report.sections.append((f"平台 {node.name}（{node.url}）的控制台", node.console()[-20000:]))
