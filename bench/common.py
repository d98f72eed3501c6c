"""What every benchmark shares: figures and their output, logging, fresh databases."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chengxin.catalog.rules import default_catalog
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.departments import repository as departments
from chengxin.migrate import upgrade

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEPARTMENT = "market_regulation"
ITEM = "XZCF-01"
_START = time.perf_counter()


def log(message: str) -> None:
    """A progress line on stderr, stamped with the seconds since the run started."""
    print(f"[{time.perf_counter() - _START:8.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass
class Figure:
    """One measured figure beside its baseline; `higher_is_better` decides how the target reads."""

    bench: str
    value: float
    baseline: float
    unit: str
    target: str
    met: bool | None
    what: str  # what `value` measures (Chinese / English)
    against: str  # what `baseline` measures

    @property
    def ratio(self) -> float:
        return self.value / self.baseline if self.baseline else math.nan

    def json_line(self) -> str:
        return json.dumps({"bench": self.bench, "value": round(self.value, 4),
                           "baseline": round(self.baseline, 4), "ratio": round(self.ratio, 4),
                           "unit": self.unit, "target": self.target}, ensure_ascii=False)

    def table_line(self) -> str:
        status = {True: "达标 met", False: "未达标 MISSED", None: "参考 info"}[self.met]
        return (f"{self.bench:<26} {_num(self.value):>12} {self.unit:<10} "
                f"基线 baseline {_num(self.baseline):>12}  比值 ratio {self.ratio:8.3f}  "
                f"目标 target {self.target:<22} {status}")


def _num(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


# --- databases ---------------------------------------------------------------------------


@dataclass
class Database:
    """A benchmark database: a SQLite file or a dedicated PostgreSQL database."""

    kind: str  # sqlite | postgres
    url: str  # SQLAlchemy URL
    path: Path | None = None  # SQLite file

    @property
    def name(self) -> str:
        return self.path.name if self.path else make_url(self.url).database or ""

    def psycopg_dsn(self) -> str:
        url = make_url(self.url)
        return url.set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_server() -> str:
    return os.environ.get("CHENGXIN_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)


def fresh_database(kind: str, name: str, out: Path) -> Database:
    """A new, empty database migrated to head with the catalog's departments registered
    (exactly what `chengxin db upgrade` does)."""
    if kind == "sqlite":
        path = out / f"{name}.db"
        remove_sqlite(path)
        db = Database("sqlite", f"sqlite:///{path}", path)
    else:
        server = make_url(postgres_server())
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        db = Database("postgres", server.set(database=name).render_as_string(hide_password=False))
    engine = make_engine(db.url)
    upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        departments.ensure(session, default_catalog().departments)
    engine.dispose()
    return db


def drop_database(db: Database) -> None:
    if db.kind == "sqlite":
        assert db.path is not None
        remove_sqlite(db.path)
        return
    admin = create_engine(make_url(postgres_server()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)'))
    admin.dispose()


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
