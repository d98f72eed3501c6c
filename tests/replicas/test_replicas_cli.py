"""`chengxin replicas status`: each standby in use or not, and why, in Chinese; exit 1 when one is not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from chengxin.cli import app
from chengxin.settings import get_settings


@pytest.fixture
def env(cluster, tmp_path, monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHENGXIN_DATABASE_URL", cluster.primary.url("chengxin"))
    monkeypatch.setenv("CHENGXIN_REPLICA_URLS", cluster.standby_url())
    monkeypatch.setenv("CHENGXIN_REPLICA_MAX_LAG_SECONDS", "1")
    monkeypatch.setenv("CHENGXIN_REPLICA_CHECK_SECONDS", "0.1")
    get_settings.cache_clear()
    if not cluster.standby.running:
        cluster.standby.start()
    cluster.standby.resume_replay()
    yield
    get_settings.cache_clear()


def status() -> tuple[int, str]:
    res = CliRunner().invoke(app, ["replicas", "status"])
    return res.exit_code, res.output


def test_status_says_whether_each_standby_is_in_use(env, cluster, monkeypatch):
    code, out = status()
    assert code == 0, out
    assert "备库 standby1：使用中；延迟" in out and "上限 1 秒" in out
    assert str(cluster.standby.port) not in out  # no address
    cluster.standby.stop()
    try:
        code, out = status()
        assert code == 1
        assert "未使用，读取改走主库（无法连接）" in out
    finally:
        cluster.standby.start()
    monkeypatch.setenv("CHENGXIN_REPLICA_URLS", "")
    get_settings.cache_clear()
    code, out = status()
    assert code == 0 and "未配置只读备库" in out
