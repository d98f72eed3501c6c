"""`chengxin serve` checks before it listens and says in Chinese what is wrong or missing: the
database (not found when started elsewhere), its schema, the keys and whether they are the data's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from chengxin.cli import app
from chengxin.crypto import new_secret
from chengxin.db import make_engine
from chengxin.errors import DomainError
from chengxin.settings import Settings, get_settings
from chengxin.startup import prepare
from helpers import process_env

runner = CliRunner()
# An address no server can bind: were a check to let `serve` through, it fails at once instead of
# serving for ever inside the test.
SERVE = ["serve", "--host", "256.0.0.1", "--port", "1"]


def flat(output: str) -> str:
    return "".join(output.split())  # rich wraps lines at the terminal width


def demo(persons: int = 12) -> None:
    assert runner.invoke(app, ["demo", "--persons", str(persons), "--no-serve"]).exit_code == 0


def replace_key(data_dir: Path, name: str) -> None:
    path = data_dir / "keys.json"
    doc = json.loads(path.read_text())
    doc[name] = new_secret()
    path.write_text(json.dumps(doc))


def test_serve_started_in_another_directory_says_where_it_looked_without_a_traceback(tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in process_env().items() if k not in ("CHENGXIN_DATA_DIR", "CHENGXIN_DATABASE_URL")}
    done = subprocess.run([sys.executable, "-c", "from chengxin.cli import app; app()", *SERVE],
                          cwd=elsewhere, env=env, capture_output=True, text=True, encoding="utf-8", timeout=60)
    said = flat(done.stdout + done.stderr)
    assert done.returncode == 2, said
    assert "Traceback" not in said and "CONFIG_DATABASE_MISSING" in said
    assert str(elsewhere / "var") in said and "CHENGXIN_DATA_DIR" in said
    assert list(elsewhere.iterdir()) == []  # no empty database or key file left behind


def test_serve_refuses_keys_that_are_not_the_datas_and_names_which(data_dir: Path):
    demo()
    replace_key(data_dir, "encryption_key")
    res = runner.invoke(app, SERVE)
    assert res.exit_code == 2 and "CONFIG_KEYS_MISMATCH" in res.output
    assert "加密密钥" in flat(res.output) and "Traceback" not in res.output


def test_without_keys_for_existing_data_serve_does_not_advise_new_ones(data_dir: Path):
    demo()
    (data_dir / "keys.json").rename(data_dir / "keys.elsewhere.json")
    res = runner.invoke(app, SERVE)
    said = flat(res.output)
    assert res.exit_code == 2 and "CONFIG_KEYS_MISSING" in said
    assert "已有个人数据" in said and "不要运行chengxinkeysinit" in said
    assert not (data_dir / "keys.json").exists()


def test_serve_refuses_a_database_not_at_this_versions_schema(data_dir: Path):
    demo()
    engine = create_engine(get_settings().resolved_database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    engine.dispose()
    res = runner.invoke(app, SERVE)
    assert res.exit_code == 2 and "CONFIG_DATABASE_NOT_MIGRATED" in res.output
    assert "chengxindbupgrade" in flat(res.output)


def test_with_only_the_two_secrets_start_up_says_nothing_can_be_signed(data_dir: Path, monkeypatch):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    monkeypatch.setenv("CHENGXIN_HASH_SECRET", new_secret())
    monkeypatch.setenv("CHENGXIN_ENCRYPTION_KEY", new_secret())
    ready = prepare(Settings())
    assert len(ready.warnings) == 1
    assert "未配置签名密钥" in ready.warnings[0] and "查询日志不会封存" in ready.warnings[0]
    monkeypatch.setenv("CHENGXIN_SIGNING_KEY", new_secret())
    assert prepare(Settings()).warnings == []


def test_a_signing_key_that_did_not_sign_the_log_is_refused(data_dir: Path):
    from chengxin.access.service import Read, log_reads
    from chengxin.callers import Caller
    from chengxin.db import make_engine, make_sessionmaker, unit_of_work

    demo()
    engine = make_engine(get_settings().resolved_database_url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        log_reads(session, Caller.of(frozenset({"operator"}), account_id="01STARTUPTESTOPERATOR00001"), "file",
                  [Read("0" * 32, "ok")], purpose="启动测试")
    engine.dispose()
    assert "已封存" in runner.invoke(app, ["audit", "seal"]).output
    assert prepare(get_settings()).warnings == []
    replace_key(data_dir, "signing_key")
    with pytest.raises(DomainError) as err:
        prepare(get_settings())
    assert err.value.code == "CONFIG_KEYS_MISMATCH" and "签名密钥" in err.value.message


def test_the_data_directory_and_the_database_are_the_owners_only(tmp_path: Path, monkeypatch):
    # The SQLite database holds every person's data whichever database the suite runs on.
    fresh, loose = tmp_path / "fresh", tmp_path / "loose"
    loose.mkdir(mode=0o755)
    loose.chmod(0o755)
    (loose / "chengxin.db").touch()
    (loose / "chengxin.db").chmod(0o644)
    for data in (fresh, loose):
        monkeypatch.setenv("CHENGXIN_DATA_DIR", str(data))
        monkeypatch.setenv("CHENGXIN_DATABASE_URL", f"sqlite:///{data / 'chengxin.db'}")
        get_settings.cache_clear()
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        assert runner.invoke(app, ["keys", "init"]).exit_code == 0
        engine = make_engine(get_settings().resolved_database_url)
        with engine.begin() as conn:  # a write while connected: the WAL and shared-memory files exist
            conn.execute(text("UPDATE departments SET name = name"))
            files = {p.name: p.stat().st_mode & 0o777 for p in data.iterdir() if p.name.startswith("chengxin.db")}
        engine.dispose()
        assert data.stat().st_mode & 0o777 == 0o700, data
        assert set(files) == {"chengxin.db", "chengxin.db-wal", "chengxin.db-shm"}, files
        assert set(files.values()) == {0o600}, files
        assert (data / "keys.json").stat().st_mode & 0o777 == 0o600
    get_settings.cache_clear()
