"""Backup and restore.

A backup is one tar file, owner-only: `manifest.json` (table row counts, Alembic revision,
time, the latest signed tree head of the access log, and the key-check sample: a few
persons' encrypted numbers with their keys, a few organisations' keys, the signing key id
of the newest tree head; never a secret, never a plain number) and the database itself — a
SQLite copy made with the online backup API (writers carry on meanwhile), or a `pg_dump`
custom-format archive taken in the same snapshot as the counts. A restore first checks the
configured keys against the sample and refuses, leaving the target untouched, when they are
not the data's (a server on the wrong keys answers 500 to every read of a number); then it
makes the target exactly the backup and checks the counts, the revision, the tree head and
the keys again on the restored data.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import Connection, make_url

from chengxin import __version__
from chengxin.backup import rules
from chengxin.clock import utcnow
from chengxin.crypto import load_keys
from chengxin.db import make_engine, owner_only_database
from chengxin.errors import DomainError
from chengxin.keyring import repository as keyring_repo
from chengxin.keyring.rules import SAMPLE_SIZE, KeySample, key_problems
from chengxin.settings import Settings
from chengxin.signing import load_public_keys

Progress = Callable[[int, int], None]  # (done, total) pages of a SQLite copy


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    tables: dict[str, int]
    keys_checked: KeySample  # what the keys were checked against on the restored data


def dialect_of(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in rules.PAYLOADS:
        raise DomainError("BACKUP_DATABASE_UNSUPPORTED", f"不支持备份此类数据库：{name}")
    return name


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table (every table of the database, the Alembic table included)."""
    return {name: conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in sorted(inspect(conn).get_table_names())}


def revisions(conn: Connection) -> list[str]:
    if "alembic_version" not in inspect(conn).get_table_names():
        return []
    return sorted(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def latest_tree_head(conn: Connection) -> dict[str, Any] | None:
    """The newest signed tree head of the access log, if the database has any."""
    if "tree_heads" not in inspect(conn).get_table_names():
        return None
    row = conn.execute(text("SELECT tree_size, root_hash FROM tree_heads ORDER BY tree_size DESC LIMIT 1")).first()
    return None if row is None else {"tree_size": int(row[0]), "root_hash": bytes(row[1]).hex()}


def key_sample(conn: Connection) -> KeySample:
    """The key-check sample of a database (empty before it is migrated)."""
    if "persons" not in inspect(conn).get_table_names():
        return KeySample()
    return keyring_repo.key_sample(conn, SAMPLE_SIZE)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# -- backup -----------------------------------------------------------------------------------

def backup(url: str, out: Path, progress: Progress | None = None) -> dict[str, Any]:
    """Write a backup of the database at `url` to `out`; returns its manifest."""
    dialect = dialect_of(url)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".chengxin-backup-") as tmp:
        payload = Path(tmp) / rules.PAYLOADS[dialect]
        if dialect == "sqlite":
            counts, revs, head, sample = _sqlite_copy(url, payload, progress)
        else:
            counts, revs, head, sample = _pg_dump(url, payload)
        doc = rules.manifest(created_at=utcnow().isoformat(), dialect=dialect, revisions=revs, tables=counts,
                             payload_sha256=_sha256(payload), version=__version__, tree_head=head,
                             key_check=sample.to_json())
        partial = Path(tmp) / "backup.tar"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            data = json.dumps(doc, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(rules.MANIFEST)
            info.size, info.mode, info.mtime = len(data), 0o600, int(utcnow().timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(payload, arcname=payload.name)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, out)
    return doc


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise DomainError("BACKUP_DATABASE_UNSUPPORTED", "内存数据库无法备份")
    return Path(database)


Snapshot = tuple[dict[str, int], list[str], Any, KeySample]  # counts, revisions, tree head, key sample


def _sqlite_copy(url: str, payload: Path, progress: Progress | None) -> Snapshot:
    source = _sqlite_path(url)
    if not source.exists():
        raise DomainError("BACKUP_DATABASE_MISSING", f"数据库文件不存在：{source}")
    src = sqlite3.connect(source)
    dst = sqlite3.connect(payload)
    try:
        # Page by page, letting writers in between steps; a write during the copy restarts it.
        src.backup(dst, pages=1024, progress=(lambda _s, left, total: progress(total - left, total))
                   if progress else None)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        src.close()
        dst.close()
    engine = create_engine(f"sqlite:///{payload}")  # plain: the platform's engine would switch it to WAL
    try:
        with engine.connect() as conn:  # count the copy itself: exactly what the backup holds
            return table_counts(conn), revisions(conn), latest_tree_head(conn), key_sample(conn)
    finally:
        engine.dispose()


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DomainError("BACKUP_TOOL_MISSING",
                          f"未找到 {name}：PostgreSQL 的备份与恢复需要与服务器版本一致的客户端工具"
                          f"（如 apt-get install postgresql-client-15），并确保其在 PATH 中", 500)
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it (so
    it never shows in the process list)."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return u.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["（无输出）"])[-1][:300]
        raise DomainError("BACKUP_TOOL_FAILED", f"{what}失败（退出码 {done.returncode}）：{last}", 500)


def _pg_dump(url: str, payload: Path) -> Snapshot:
    """pg_dump in the very snapshot the counts are read in, so the manifest matches the dump."""
    pg_dump = _tool("pg_dump")
    dsn, env = _libpq(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                counts, revs, head = table_counts(conn), revisions(conn), latest_tree_head(conn)
                sample = key_sample(conn)
                _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                      f"--file={payload}", f"--dbname={dsn}"], env, "pg_dump 备份")
    finally:
        engine.dispose()
    return counts, revs, head, sample


# -- restore ----------------------------------------------------------------------------------

def read_manifest(file: Path) -> dict[str, Any]:
    try:
        with tarfile.open(file, "r") as tar:
            member = tar.extractfile(rules.MANIFEST)
            doc = json.loads(member.read()) if member else None
    except (OSError, KeyError, ValueError, tarfile.TarError) as exc:
        raise DomainError("BACKUP_INVALID", f"不是有效的备份文件：{file.name}") from exc
    if not isinstance(doc, dict) or doc.get("format") != rules.FORMAT or doc.get("database") not in rules.PAYLOADS:
        raise DomainError("BACKUP_INVALID", f"备份清单无法识别：{file.name}")
    return doc


def is_empty(url: str) -> bool:
    """No table of the database holds a row (a freshly migrated database is empty)."""
    if dialect_of(url) == "sqlite" and not _sqlite_path(url).exists():
        return True
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return not any(table_counts(conn).values())
    finally:
        engine.dispose()


def restore(url: str, file: Path, settings: Settings, force: bool = False, progress: Progress | None = None
            ) -> Restored:
    """Make the database at `url` exactly the backup, then check it against the manifest. Refused
    before the target is touched when the configured keys are not the backup's."""
    doc = read_manifest(file)
    dialect = dialect_of(url)
    if doc["database"] != dialect:
        raise DomainError("BACKUP_DATABASE_MISMATCH",
                          f"该备份来自 {doc['database']} 数据库，不能恢复到 {dialect} 数据库")
    if not force and not is_empty(url):
        raise DomainError("RESTORE_TARGET_NOT_EMPTY", "目标数据库已有数据；确认要覆盖时请加 --force", 409)
    target_dir = _sqlite_path(url).parent if dialect == "sqlite" else None
    with tempfile.TemporaryDirectory(dir=target_dir, prefix=".chengxin-restore-") as tmp:
        payload = _extract(file, doc, Path(tmp))
        sample = _sample_of(doc, payload)
        if sample is not None:
            check_keys(sample, settings, before=True)
        if dialect == "sqlite":
            _sqlite_restore(url, payload, progress)
        else:
            _pg_restore(url, payload)
    counts = check(url, doc)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:  # the restored data itself (a backup made before samples)
            restored = key_sample(conn)
    finally:
        engine.dispose()
    check_keys(restored, settings, before=False)
    return Restored(doc, counts, restored)


def _sample_of(doc: dict[str, Any], payload: Path) -> KeySample | None:
    """The key-check sample: the manifest's, else read from a SQLite payload; None for an older
    PostgreSQL backup (checked on the restored data only)."""
    if doc.get("key_check") is not None:
        return KeySample.from_json(doc["key_check"])
    if doc["database"] != "sqlite":
        return None
    engine = create_engine(f"sqlite:///{payload}")
    try:
        with engine.connect() as conn:
            return key_sample(conn)
    finally:
        engine.dispose()


def check_keys(sample: KeySample, settings: Settings, *, before: bool) -> None:
    """Refuse when the configured keys are not the ones the data was made with."""
    keys = None
    if sample.needs_keys:
        try:
            keys = load_keys(settings)
        except DomainError as err:
            raise DomainError("RESTORE_KEYS_MISSING", f"{err.message}。备份中有个人数据，恢复前请先放好备份时的密钥文件"
                              "（或设置密钥环境变量），以便核对；" + _STATE[before], 500) from None
    problems = key_problems(sample, keys, load_public_keys(settings) if sample.head_key_id else None)
    if problems:
        raise DomainError("RESTORE_KEYS_MISMATCH", "备份中的数据与当前配置的密钥不符：" + "；".join(problems)
                          + "。请使用备份时的密钥文件（CHENGXIN_KEY_FILE）或环境变量中的密钥；" + _STATE[before], 500)


_STATE = {True: "未作恢复，目标数据库没有改动。",
          False: "数据库已恢复为备份内容，但在换上正确的密钥之前服务会拒绝启动。"}


def _extract(file: Path, doc: dict[str, Any], into: Path) -> Path:
    name = doc["payload"]
    if name not in rules.PAYLOADS.values():
        raise DomainError("BACKUP_INVALID", "备份清单中的数据文件名无法识别")
    with tarfile.open(file, "r") as tar:
        member = tar.getmember(name)
        if not member.isfile():
            raise DomainError("BACKUP_INVALID", "备份中的数据文件无效")
        src = tar.extractfile(member)
        assert src is not None
        path = into / name  # a fixed name: nothing in the archive chooses where we write
        with path.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    if _sha256(path) != doc["payload_sha256"]:
        raise DomainError("BACKUP_CORRUPT", "备份中的数据文件校验和不符：文件已损坏或被改动")
    return path


def _sqlite_restore(url: str, payload: Path, progress: Progress | None) -> None:
    target = _sqlite_path(url)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    owner_only_database(str(target))
    src = sqlite3.connect(payload)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst, pages=1024, progress=(lambda _s, left, total: progress(total - left, total))
                   if progress else None)
    finally:
        src.close()
        dst.close()


def _pg_restore(url: str, payload: Path) -> None:
    pg_restore = _tool("pg_restore")
    dsn, env = _libpq(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:  # the target becomes exactly the backup: nothing else is kept
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    _run([pg_restore, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
          f"--dbname={dsn}", str(payload)], env, "pg_restore 恢复")


def check(url: str, doc: dict[str, Any]) -> dict[str, int]:
    """Counts, revision and tree head of the restored database against the manifest."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counts, revs, head = table_counts(conn), revisions(conn), latest_tree_head(conn)
    finally:
        engine.dispose()
    wrong = rules.compare_counts(doc["tables"], counts)
    if wrong:
        raise DomainError("RESTORE_COUNTS_MISMATCH",
                          "恢复后的行数与备份清单不符：" + "；".join(m.line() for m in wrong[:10]), 500)
    if revs != doc["alembic_revisions"]:
        raise DomainError("RESTORE_REVISION_MISMATCH", "恢复后的数据库结构版本与备份清单不符", 500)
    if head != doc.get("tree_head"):
        raise DomainError("RESTORE_TREE_HEAD_MISMATCH", "恢复后查询日志的签名树头与备份清单不符", 500)
    return counts
