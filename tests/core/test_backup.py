"""Backup and restore through the CLI: a database with data is backed up, restored into a fresh
one, and the row counts, the schema revision and the access log's signed tree head match."""

from __future__ import annotations

import importlib.util
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from typer.testing import CliRunner

from chengxin.backup import service
from chengxin.cli import app
from chengxin.errors import DomainError
from chengxin.settings import get_settings
from helpers import scratch_database

runner = CliRunner()
HAS_AUDIT = importlib.util.find_spec("chengxin.access.verify") is not None



@pytest.fixture
def platform(tmp_path: Path, monkeypatch, database_url: str):
    """A data directory and a source and a target database; CHENGXIN_DATABASE_URL points at the source."""
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path))
    source, target = scratch_database(database_url, tmp_path, "bsrc"), scratch_database(database_url, tmp_path, "bdst")
    monkeypatch.setenv("CHENGXIN_DATABASE_URL", source)
    get_settings.cache_clear()
    yield tmp_path, source, target
    get_settings.cache_clear()
    for name in ("bsrc", "bdst"):
        scratch_database(database_url, tmp_path, name, create=False)


def use(monkeypatch, url: str) -> None:
    monkeypatch.setenv("CHENGXIN_DATABASE_URL", url)
    get_settings.cache_clear()


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return service.table_counts(conn)
    finally:
        engine.dispose()


def add_reads(url: str) -> None:
    """A few access-log entries (reads of personal data) to seal into the Merkle tree."""
    from chengxin.access.service import Read, log_reads
    from chengxin.callers import Caller
    from chengxin.db import make_engine, make_sessionmaker, unit_of_work

    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        caller = Caller.of(frozenset({"operator"}), account_id="01BACKUPTESTOPERATOR000001")
        log_reads(session, caller, "file", [Read(f"{i:032x}", "ok") for i in range(25)], purpose="备份测试")
    engine.dispose()


def verify_log(url: str):
    """The audit helper's full check of the access log (leaves, tree, signed heads)."""
    from chengxin.access.verify import verify
    from chengxin.db import make_engine, make_sessionmaker
    from chengxin.signing import load_public_keys

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return verify(session, load_public_keys(get_settings()))
    finally:
        engine.dispose()


def test_backup_restores_into_a_fresh_database_with_the_same_counts_and_tree_head(platform, monkeypatch):
    data_dir, source, target = platform
    res = runner.invoke(app, ["demo", "--persons", "120", "--no-serve"])
    assert res.exit_code == 0, res.output
    add_reads(source)
    if HAS_AUDIT:
        res = runner.invoke(app, ["audit", "seal"])
        assert res.exit_code == 0, res.output
    before = counts(source)
    assert before["persons"] == 120 and before["access_log"] >= 25

    out = data_dir / "b" / "chengxin.tar"
    res = runner.invoke(app, ["backup", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "密钥文件" in res.output and "另行" in res.output  # the operator is told to back up keys apart
    assert (out.stat().st_mode & 0o777) == 0o600
    manifest = service.read_manifest(out)
    assert manifest["tables"] == before and manifest["alembic_revisions"]
    # Never a secret in the backup: none of the key file's values appear anywhere in it.
    key_doc = json.loads((data_dir / "keys.json").read_text())
    raw = out.read_bytes()
    for name in ("hash_secret", "encryption_key", "signing_key"):
        if key_doc.get(name):
            assert key_doc[name].encode() not in raw
    if HAS_AUDIT:
        assert manifest["tree_head"] and manifest["tree_head"]["tree_size"] == before["access_leaves"]

    use(monkeypatch, target)
    res = runner.invoke(app, ["restore", str(out)])
    assert res.exit_code == 0, res.output
    assert counts(target) == before
    if HAS_AUDIT:
        report = verify_log(target)
        assert report.ok, [p.line() for p in report.problems]
        assert report.tree_size == manifest["tree_head"]["tree_size"]
        assert report.root_hash.hex() == manifest["tree_head"]["root_hash"]

    # The restored database is not empty now: restoring again needs --force.
    res = runner.invoke(app, ["restore", str(out)])
    assert res.exit_code == 2 and "RESTORE_TARGET_NOT_EMPTY" in res.output
    res = runner.invoke(app, ["restore", str(out), "--force"])
    assert res.exit_code == 0, res.output
    assert counts(target) == before


def test_a_damaged_backup_is_refused(platform, monkeypatch):
    data_dir, _, target = platform
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    out = data_dir / "b.tar"
    assert runner.invoke(app, ["backup", "--out", str(out)]).exit_code == 0
    damaged = data_dir / "damaged.tar"
    with tarfile.open(out) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name != "manifest.json":
                data = data[:-1] + bytes([data[-1] ^ 1])
            member.size = len(data)
            dst.addfile(member, __import__("io").BytesIO(data))
    use(monkeypatch, target)
    res = runner.invoke(app, ["restore", str(damaged)])
    assert res.exit_code == 2 and "BACKUP_CORRUPT" in res.output
    (data_dir / "junk.tar").write_bytes(b"not a tar file")
    res = runner.invoke(app, ["restore", str(data_dir / "junk.tar")])
    assert res.exit_code == 2 and "BACKUP_INVALID" in res.output


def test_restore_reports_counts_that_do_not_match(platform):
    data_dir, source, _ = platform
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    out = data_dir / "b.tar"
    service.backup(source, out)
    doc = service.read_manifest(out)
    doc["tables"]["departments"] += 1
    with pytest.raises(DomainError) as err:
        service.check(source, doc)
    assert err.value.code == "RESTORE_COUNTS_MISMATCH" and "departments" in err.value.message
    doc = service.read_manifest(out)
    doc["tree_head"] = {"tree_size": 1, "root_hash": "00" * 32}
    with pytest.raises(DomainError) as err:
        service.check(source, doc)
    assert err.value.code == "RESTORE_TREE_HEAD_MISMATCH"


def test_missing_postgresql_tools_are_a_clear_error(monkeypatch):
    monkeypatch.setattr(service.shutil, "which", lambda name: None)
    with pytest.raises(DomainError) as err:
        service._tool("pg_dump")
    assert err.value.code == "BACKUP_TOOL_MISSING" and "pg_dump" in err.value.message and "PATH" in err.value.message


def _backup_of_a_sealed_demo(data_dir: Path) -> Path:
    assert runner.invoke(app, ["demo", "--persons", "30", "--no-serve"]).exit_code == 0
    add_reads(get_settings().resolved_database_url)
    assert runner.invoke(app, ["audit", "seal"]).exit_code == 0
    out = data_dir / "b.tar"
    assert runner.invoke(app, ["backup", "--out", str(out)]).exit_code == 0
    return out


def _replace_in_key_file(data_dir: Path, name: str) -> bytes:
    """Put a fresh value under `name` in the key file; returns the file as it was."""
    from chengxin.crypto import new_secret

    path = data_dir / "keys.json"
    before = path.read_bytes()
    doc = json.loads(before)
    doc[name] = new_secret()
    path.write_text(json.dumps(doc))
    return before


@pytest.mark.parametrize(("name", "named"), [("encryption_key", "加密密钥"), ("hash_secret", "主体键密钥"),
                                             ("signing_key", "签名密钥")])
def test_a_restore_with_keys_that_are_not_the_backups_is_refused_before_the_target_is_touched(
        platform, monkeypatch, name, named):
    data_dir, _, target = platform
    out = _backup_of_a_sealed_demo(data_dir)
    original = _replace_in_key_file(data_dir, name)
    use(monkeypatch, target)
    res = runner.invoke(app, ["restore", str(out)])
    assert res.exit_code == 2 and "RESTORE_KEYS_MISMATCH" in res.output, res.output
    flat = "".join(res.output.split())
    assert named in flat and "目标数据库没有改动" in flat
    assert not any(counts(target).values())  # nothing restored
    (data_dir / "keys.json").write_bytes(original)  # the backup's keys: restored and said so
    res = runner.invoke(app, ["restore", str(out)])
    assert res.exit_code == 0, res.output
    assert "密钥与恢复的数据一致" in "".join(res.output.split())


def test_a_backup_made_before_key_samples_is_checked_on_its_data(platform, monkeypatch):
    data_dir, _, target = platform
    out = _backup_of_a_sealed_demo(data_dir)
    old = data_dir / "old.tar"
    with tarfile.open(out) as src, tarfile.open(old, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "manifest.json":
                doc = json.loads(data)
                del doc["key_check"]
                data = json.dumps(doc).encode()
            member.size = len(data)
            dst.addfile(member, __import__("io").BytesIO(data))
    _replace_in_key_file(data_dir, "encryption_key")
    use(monkeypatch, target)
    res = runner.invoke(app, ["restore", str(old)])
    assert res.exit_code == 2 and "RESTORE_KEYS_MISMATCH" in res.output, res.output
