"""Browser fixtures: a live server per module and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from browser_tab import Tab
from live_server import Live, start

from helpers import drop_database

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, database_url: str) -> Iterator[Live]:
    server, proc, url = start(tmp_path_factory.mktemp("live"), database_url)
    try:
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:
            proc.kill()
            proc.wait()
        drop_database(url)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"浏览器测试需要 Debian 的 chromium 软件包（{CHROMIUM}）：请运行 ./run test，"
                    "或 apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        # The test machine runs as root, where Chromium's sandbox cannot start.
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--lang=zh-CN"])
        yield chromium
        chromium.close()


@pytest.fixture
def tab(browser, live: Live) -> Iterator[Tab]:
    opened = Tab(browser, live, viewport={"width": 1280, "height": 860})
    yield opened
    opened.context.close()
    assert not opened.problems, opened.problems  # no CSP violation, no script error on any page
