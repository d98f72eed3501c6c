"""Figures `ingest_<db>` and `ingest_with_persons_<db>`: the collection path against a raw bulk insert.

value: records/s of `chengxin.records.imports.run_import` on a CSV file written beforehand,
into a fresh migrated database (CSV parsing, row validation, ID parsing, keyed hashing,
encryption of new persons, idempotency look-ups, person upserts, record inserts, chunked
commits -- everything `chengxin import` does except drawing the progress bar).

baseline: records/s of inserting the very record rows the collection path stored (read back
from its database, in insertion order) into a second fresh, identically migrated database of
the same kind, in one transaction, on a raw driver connection: `executemany` on sqlite3
(WAL, synchronous=NORMAL, foreign keys on, as the platform's connections) or `COPY` via psycopg.

`ingest_with_persons_<db>` has the same value; its baseline also counts the person rows the
collection path wrote (read back and inserted the same way, after the records, in a second
transaction), since a raw insert of the records alone leaves out a third of what the path
stores. `ingest_<db>` is the figure with the target; this one is for reference.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from bench.common import DEPARTMENT, ITEM, Database, Figure, drop_database, fresh_database, log
from chengxin.catalog.rules import default_catalog
from chengxin.crypto import Keys
from chengxin.db import make_engine, make_sessionmaker
from chengxin.persons.models import Person
from chengxin.records.imports import ImportSpec, run_import
from chengxin.records.repository import RECORD_COLUMNS
from chengxin.settings import Settings

TARGET = 0.5
PERSON_COLUMNS = tuple(c.name for c in Person.__table__.columns)


@dataclass
class Collected:
    db: Database
    seconds: float
    records: int
    persons: int


def collect(kind: str, csv_path: Path, keys: Keys, expected: dict[str, int], out: Path) -> Collected:
    """Import the CSV through the real collection path into a fresh database."""
    db = fresh_database(kind, "chengxin_bench_a" if kind == "postgres" else "ingest_a", out)
    engine = make_engine(db.url)
    factory = make_sessionmaker(engine)
    chunk = Settings().import_chunk_rows  # what `chengxin import` uses
    spec = ImportSpec(DEPARTMENT, csv_path.name, ITEM, chunk)
    log(f"ingest_{kind}: 归集路径 collection path (run_import, chunk {chunk}) -> {db.name}")
    with csv_path.open("rb") as fh:
        t0 = time.perf_counter()
        batch = run_import(factory, default_catalog(), keys, fh, spec)
        seconds = time.perf_counter() - t0
    if batch.created != expected["records"] or batch.rejected or batch.status != "done":
        raise SystemExit(f"collection path did not take every row: total {batch.total}, created "
                         f"{batch.created}, rejected {batch.rejected}, status {batch.status}")
    with engine.connect() as conn:
        records = conn.exec_driver_sql("SELECT count(*) FROM records").scalar_one()
        persons = conn.exec_driver_sql("SELECT count(*) FROM persons").scalar_one()
    engine.dispose()
    if records != expected["records"] or persons != expected["persons"]:
        raise SystemExit(f"unexpected counts: {records} records, {persons} persons")
    log(f"ingest_{kind}: {records:,} records, {persons:,} persons in {seconds:.1f}s "
        f"({records / seconds:,.0f}/s)")
    return Collected(db, seconds, records, persons)


@dataclass
class Baseline:
    records: float  # seconds to insert the record rows
    persons: float  # seconds to insert the person rows afterwards


def read_back(db: Database, table: str = "records", columns: tuple[str, ...] = RECORD_COLUMNS
              ) -> list[tuple[Any, ...]]:
    """The stored rows of `table`, in insertion order, as the driver hands them over."""
    names = ", ".join(columns)
    if db.kind == "sqlite":
        conn = sqlite3.connect(str(db.path))
        try:
            return conn.execute(f"SELECT {names} FROM {table} ORDER BY rowid").fetchall()
        finally:
            conn.close()
    cols = ", ".join("data::text" if c == "data" else c for c in columns)
    with psycopg.connect(db.psycopg_dsn()) as conn:
        return conn.execute(f"SELECT {cols} FROM {table} ORDER BY ctid").fetchall()


def raw_insert(db: Database, rows: list[tuple[Any, ...]], table: str = "records",
               columns: tuple[str, ...] = RECORD_COLUMNS) -> float:
    """Seconds to insert `rows` in one transaction on a raw driver connection."""
    names = ", ".join(columns)
    if db.kind == "sqlite":
        conn = sqlite3.connect(str(db.path), isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
            t0 = time.perf_counter()
            conn.execute("BEGIN")
            conn.executemany(sql, rows)
            conn.execute("COMMIT")
            return time.perf_counter() - t0
        finally:
            conn.close()
    with psycopg.connect(db.psycopg_dsn()) as conn:
        t0 = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return time.perf_counter() - t0


def baseline(kind: str, collected: Collected, out: Path, keep: bool) -> Baseline:
    rows = read_back(collected.db)
    assert len(rows) == collected.records
    db = fresh_database(kind, "chengxin_bench_b" if kind == "postgres" else "ingest_b", out)
    log(f"ingest_{kind}: 基线 baseline raw insert of the same {len(rows):,} rows -> {db.name}")
    seconds = raw_insert(db, rows)
    del rows
    log(f"ingest_{kind}: baseline {seconds:.1f}s ({collected.records / seconds:,.0f}/s)")
    persons = read_back(collected.db, "persons", PERSON_COLUMNS)
    assert len(persons) == collected.persons
    person_seconds = raw_insert(db, persons, "persons", PERSON_COLUMNS)
    del persons
    log(f"ingest_{kind}: then the same {collected.persons:,} person rows in {person_seconds:.1f}s")
    if not keep:
        drop_database(db)
    return Baseline(seconds, person_seconds)


def figures(kind: str, collected: Collected, base: Baseline) -> list[Figure]:
    value = collected.records / collected.seconds
    rate = collected.records / base.records
    rate_all = collected.records / (base.records + base.persons)
    how = "executemany (sqlite3)" if kind == "sqlite" else "COPY (psycopg)"
    what = f"run_import of {collected.records:,} CSV rows ({collected.persons:,} persons)"
    return [
        Figure(f"ingest_{kind}", value, rate, "records/s", f"ratio >= {TARGET}", value / rate >= TARGET,
               what, f"raw {how} of the same record rows, one transaction"),
        Figure(f"ingest_with_persons_{kind}", value, rate_all, "records/s", "reference", None,
               what, f"raw {how} of the same record rows, then of the same {collected.persons:,} person "
               "rows, one transaction each; CSV records per second of both"),
    ]
