"""Programmatic Alembic: `chengxin db upgrade` and the test suite use this, no alembic.ini."""

from __future__ import annotations

from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("chengxin") / "migrations"))
    cfg.set_main_option("file_template",
                        "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(slug)s")
    if engine is not None:
        cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` inside one connection."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Autogenerate's filter: a partition of a partitioned table (PostgreSQL, created by the
    partitions migration and the access-log partition job) is part of its parent, not a table
    of the models; its indexes come with it. Nor are the PostgreSQL-only tables below."""
    table = obj if type_ == "table" else getattr(obj, "table", None)
    if reflected and compare_to is None and table is not None:
        return not table.dialect_options["postgresql"].get("inherits") and table.name not in POSTGRES_ONLY
    return True


# Tables the migrations create on PostgreSQL only, outside the models (kept by triggers).
POSTGRES_ONLY = frozenset({"record_source_ids"})
