"""What `chengxin serve` makes sure of before it listens, said in Chinese when it cannot.

A server that starts on the wrong footing fails later, on every request, in ways an operator
reads as bugs: started in another directory it found no database and advised making keys in a
new empty one; given a key file that is not the data's it answered 500 to every read of a
number. So before serving: the database is there and at this version's schema, the keys are
configured and are the data's (`keyring.rules.key_problems`); a missing signing key is said
at once (the server runs, but nothing can be signed and the access log stays unsealed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from chengxin.crypto import Keys, load_keys
from chengxin.db import private_dir, refresh_statistics, settings_engine
from chengxin.errors import DomainError
from chengxin.keyring import repository as keyring_repo
from chengxin.keyring.rules import SAMPLE_SIZE, KeySample, key_problems
from chengxin.migrate import alembic_config
from chengxin.settings import Settings
from chengxin.signing import load_public_keys, load_signer


@dataclass
class Ready:
    """The keys to serve with, and what is missing but does not stop the server."""

    keys: Keys
    warnings: list[str] = field(default_factory=list)


def prepare(settings: Settings) -> Ready:
    """Check the database, the schema and the keys; a DomainError (Chinese) names what is wrong."""
    _database_file(settings)
    if settings.data_dir.is_dir():
        private_dir(settings.data_dir)
    engine = settings_engine(settings)
    try:
        with engine.connect() as conn:
            _schema(conn)
            sample = keyring_repo.key_sample(conn, SAMPLE_SIZE)
        with engine.begin() as conn:
            refresh_statistics(conn)
    except DBAPIError as exc:
        url = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
        reason = (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0][:200]
        raise DomainError("CONFIG_DATABASE_UNREACHABLE", f"无法连接数据库 {url}：{reason}", 500) from None
    finally:
        engine.dispose()
    keys = _keys(settings, sample)
    problems = key_problems(sample, keys, load_public_keys(settings))
    if problems:
        raise DomainError("CONFIG_KEYS_MISMATCH", "密钥与数据库中的数据不符，服务未启动：" + "；".join(problems)
                          + "。请使用生成这些数据时的密钥文件或环境变量（见 README“生产部署清单”）。", 500)
    return Ready(keys, [w for w in (_signing(settings),) if w])


def _database_file(settings: Settings) -> None:
    """A SQLite database must already exist: a missing one means the wrong directory, and
    creating an empty one there would only hide that."""
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    if path.exists():
        return
    data_dir = settings.data_dir.resolve()
    where = "不存在" if not data_dir.exists() else "中没有数据库文件"
    raise DomainError(
        "CONFIG_DATABASE_MISSING",
        f"找不到数据库：数据目录 {data_dir} {where}（数据目录由 CHENGXIN_DATA_DIR 指定，缺省为当前目录下的 var，"
        f"当前目录是 {Path.cwd()}）。请在平台原来的目录中运行，或把 CHENGXIN_DATA_DIR 设为原有的数据目录；"
        "确是全新安装时，先运行 chengxin db upgrade 与 chengxin keys init。", 500)


def _schema(conn: Connection) -> None:
    """The database is at the schema this version was built for."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    current = set(MigrationContext.configure(conn).get_current_heads())
    if not current:
        raise DomainError("CONFIG_DATABASE_NOT_MIGRATED",
                          "数据库尚未初始化（没有结构版本）：请先运行 chengxin db upgrade", 500)
    if current != heads:
        raise DomainError(
            "CONFIG_DATABASE_NOT_MIGRATED",
            f"数据库结构版本（{'、'.join(sorted(current))}）不是本版本软件所需的（{'、'.join(sorted(heads))}）："
            "请先备份（chengxin backup），再运行 chengxin db upgrade", 500)


def _keys(settings: Settings, sample: KeySample) -> Keys:
    try:
        return load_keys(settings)
    except DomainError as err:
        if err.code != "CONFIG_KEYS_MISSING" or not sample.needs_keys:
            raise
    raise DomainError(
        "CONFIG_KEYS_MISSING",
        f"未配置密钥：没有设置 CHENGXIN_HASH_SECRET 与 CHENGXIN_ENCRYPTION_KEY，也没有密钥文件 "
        f"{settings.resolved_key_file.resolve()}。数据库中已有个人数据，只能用生成这些数据时的密钥：请把原密钥文件"
        "放回该位置（或设置 CHENGXIN_KEY_FILE、环境变量）。不要运行 chengxin keys init：新生成的密钥解不开已有数据。",
        500)


def _signing(settings: Settings) -> str | None:
    """Said at start-up when nothing can be signed (the server still runs)."""
    try:
        load_signer(settings)
    except DomainError as err:
        return (f"{err.message}。在配置之前：查询日志不会封存（/healthz 报告 degraded），授权回执、信用承诺与"
                "上级平台通报无法签署。")
    return None
