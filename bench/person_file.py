"""Figures `person_file_p50/p95/p99_<db>`: latency of a person's credit file.

value: milliseconds of `chengxin.creditfile.service.build_file` called in-process (no HTTP),
in its own session and transaction as a request would have, for a random existing person
of the database the collection path filled (operator caller, today's file).

baseline: milliseconds of the raw SQL that fetches the same person's records by subject key
(`SELECT * FROM records WHERE subject_key = ?`, all rows fetched) on a raw driver connection
(sqlite3 / psycopg), same persons. The two alternate person by person, so both see the same
machine noise; a few warm-up calls are not counted.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable

import psycopg

from bench.common import Database, Figure, log, percentile
from chengxin.callers import Caller
from chengxin.catalog.rules import default_catalog
from chengxin.creditfile.service import build_file
from chengxin.crypto import Keys
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.publicity.rules import default_tiers

TARGET_P95_MS = 20.0
WARMUP = 30


def _person_keys(db: Database, samples: int, seed: int) -> list[str]:
    engine = make_engine(db.url)
    with engine.connect() as conn:
        if db.kind == "postgres":
            conn.exec_driver_sql("ANALYZE")  # a live database is analysed; a fresh bulk load is not yet
        keys = [k for (k,) in conn.exec_driver_sql("SELECT person_key FROM persons")]
        conn.commit()
    engine.dispose()
    rng = random.Random(seed)
    return rng.sample(keys, min(samples + WARMUP, len(keys)))


def _raw_fetch(db: Database) -> tuple[Callable[[str], int], Callable[[], None]]:
    if db.kind == "sqlite":
        conn = sqlite3.connect(str(db.path))

        def fetch(key: str) -> int:
            return len(conn.execute("SELECT * FROM records WHERE subject_key = ?", (key,)).fetchall())

        return fetch, conn.close
    pg = psycopg.connect(db.psycopg_dsn(), autocommit=True)

    def fetch_pg(key: str) -> int:
        return len(pg.execute("SELECT * FROM records WHERE subject_key = %s", (key,)).fetchall())

    return fetch_pg, pg.close


def run(db: Database, keys: Keys, samples: int, seed: int) -> list[Figure]:
    people = _person_keys(db, samples, seed)
    log(f"person_file_{db.kind}: {len(people) - WARMUP:,} random persons of {db.name} "
        f"(+{WARMUP} warm-up), build_file in-process vs raw SELECT")
    engine = make_engine(db.url)
    factory = make_sessionmaker(engine)
    catalog, tiers, caller = default_catalog(), default_tiers(), Caller("operator")
    fetch, close = _raw_fetch(db)
    ours: list[float] = []
    raw: list[float] = []
    records = 0

    def service(key: str) -> int:
        with unit_of_work(factory) as session:
            file = build_file(session, catalog=catalog, keys=keys, tiers=tiers,
                              person_key=key, caller=caller)
        return file.summary.total

    try:
        for n, key in enumerate(people):
            pair = [(service, ours), (fetch, raw)]
            if n % 2:
                pair.reverse()
            for call, sink in pair:
                t0 = time.perf_counter()
                got = call(key)
                elapsed = (time.perf_counter() - t0) * 1000
                if n >= WARMUP:
                    sink.append(elapsed)
                    if call is fetch:
                        records += got
    finally:
        close()
        engine.dispose()
    ours.sort()
    raw.sort()
    log(f"person_file_{db.kind}: {records / max(len(raw), 1):.2f} records per person on average")
    figures = []
    for p in (50, 95, 99):
        value, base = percentile(ours, p), percentile(raw, p)
        target = f"<= {TARGET_P95_MS:g} ms" if p == 95 else ""
        figures.append(Figure(
            f"person_file_p{p}_{db.kind}", value, base, "ms", target,
            value <= TARGET_P95_MS if p == 95 else None,
            f"build_file in-process, p{p} of {len(ours):,} persons",
            f"raw SELECT * FROM records WHERE subject_key = ?, p{p}"))
    return figures
