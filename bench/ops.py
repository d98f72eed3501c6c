"""Operations figures: the abnormal-use scan over a large access log, re-encryption and
re-keying throughput, backup and restore time. Informational (no targets in the issue).

    python -m bench.ops [--db sqlite|postgres|both] [--log N] [--persons N]

PostgreSQL databases: chengxin_test_ops_bench* (created and dropped here).
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from bench.common import Database, drop_database, fresh_database, log, remove_sqlite
from chengxin.access.models import AccessEntry
from chengxin.alerts import service as alerts
from chengxin.backup import service as backup
from chengxin.crypto import Keys
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.demo.synth import citizen_id
from chengxin.identity.rules import parse_identifier
from chengxin.keyring import service as keyring
from chengxin.persons import service as persons
from chengxin.records.models import Record
from chengxin.settings import Settings

NOW = datetime(2026, 11, 20, 3, 30, tzinfo=UTC)


def fill_log(factory, n: int, accounts: int = 50) -> None:
    """`n` access-log entries over the 14 days before NOW, from `accounts` accounts."""
    rnd = random.Random(7)
    start = NOW - timedelta(days=14)
    span = (NOW - start).total_seconds()
    done = 0
    while done < n:
        part = min(50_000, n - done)
        moments = sorted(start + timedelta(seconds=rnd.random() * span) for _ in range(part))
        rows = [{"at": at, "actor_role": "checker", "actor_department": "human_resources",
                 "actor_account": f"ACC{rnd.randrange(accounts):023d}", "subject_key": f"{rnd.getrandbits(128):032x}",
                 "action": "check", "purpose": "资格审查", "basis": "civil_service",
                 "business_ref": None if rnd.random() < 0.3 else "REF", "ref_id": None, "result": "clear"}
                for at in moments]
        with unit_of_work(factory) as session:
            session.execute(insert(AccessEntry), rows)
        done += part
    # Nothing sorts the appends of different sessions in real life either: the seq order is
    # the commit order, which the scan's seq bound tolerates (see alerts.repository).


def fill_persons(factory, keys: Keys, n: int) -> None:
    for lo in range(0, n, 2000):
        people = []
        for i in range(lo, min(n, lo + 2000)):  # distinct (birth date, sequence) pairs: distinct people
            number = citizen_id("110105", datetime(1960, 1, 1).date() + timedelta(days=i // 1000), i % 1000)
            people.append((parse_identifier("citizen_id", number), f"人{i}"))
        with unit_of_work(factory) as session:
            found = persons.ensure(session, keys, people, NOW)
            session.execute(insert(Record), [
                {"subject_key": k, "id": f"R{k[:25].upper()}", "subject_kind": "person",
                 "department_code": "market_regulation", "source_record_id": f"S-{k}", "version": 1,
                 "item_code": "XZCF-01", "catalog_version": "1", "nature": "negative", "severity": "general",
                 "decision_date": NOW.date(), "data": {}, "content_hash": k, "batch_id": "B" * 26,
                 "recorded_at": NOW} for k in set(found)])


def run(kind: str, log_rows: int, people: int, out: Path) -> list[str]:
    lines = []
    db: Database = fresh_database(kind, "chengxin_test_ops_bench", out)
    engine = make_engine(db.url)
    factory = make_sessionmaker(engine)
    try:
        log(f"{kind}: {log_rows:,} access-log entries")
        fill_log(factory, log_rows)
        settings = Settings(data_dir=out)
        t = time.perf_counter()
        with unit_of_work(factory) as session:
            first = alerts.scan(session, NOW, settings)
        cold = time.perf_counter() - t
        t = time.perf_counter()
        with unit_of_work(factory) as session:
            again = alerts.scan(session, NOW + timedelta(minutes=1), settings)
        lines.append(f"{kind} alerts scan over {log_rows:,} entries: {cold:.2f} s "
                     f"({first.raised} raised); rescan {time.perf_counter() - t:.2f} s ({again.raised} raised)")

        k1 = Keys(os.urandom(32), os.urandom(32), 1)
        log(f"{kind}: {people:,} persons with a record each")
        fill_persons(factory, k1, people)
        k2 = Keys(k1.hash_secret, os.urandom(32), 2, old_keys=((1, k1.encryption_key),))
        t = time.perf_counter()
        keyring.reencrypt(factory, k2, batch=1000)
        dt = time.perf_counter() - t
        lines.append(f"{kind} reencrypt: {people / dt:,.0f} ciphertexts/s ({people:,} in {dt:.1f} s)")
        k3 = Keys(os.urandom(32), k2.encryption_key, 2, k2.old_keys, hash_version=2,
                  previous_hash_secret=k1.hash_secret)
        t = time.perf_counter()
        result = keyring.rekey(factory, k3, batch=500)
        dt = time.perf_counter() - t
        lines.append(f"{kind} rekey: {result.persons / dt:,.0f} persons/s ({result.persons:,} persons, "
                     f"{sum(result.rows.values()):,} rows moved in {dt:.1f} s)")

        target = out / "ops-backup.tar"
        t = time.perf_counter()
        doc = backup.backup(db.url, target)
        dt = time.perf_counter() - t
        size = target.stat().st_size / 1e6
        lines.append(f"{kind} backup: {doc['rows']:,} rows, {size:,.0f} MB in {dt:.1f} s")
        restored = fresh_database(kind, "chengxin_test_ops_bench_restore", out)
        t = time.perf_counter()
        backup.restore(restored.url, target, force=True)
        lines.append(f"{kind} restore + verify counts: {time.perf_counter() - t:.1f} s")
        drop_database(restored) if kind != "sqlite" else remove_sqlite(restored.path)
        target.unlink()
    finally:
        engine.dispose()
        drop_database(db) if kind != "sqlite" else remove_sqlite(db.path)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--log", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    lines = [line for kind in kinds for line in run(kind, args.log, args.persons, args.out)]
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
