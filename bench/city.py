"""The city-sized benchmark (城市规模): `python -m bench.city` or `python -m bench --only city`.

Builds two PostgreSQL databases with `bench.city_data` (COPY at raw speed, every column as the
platform stores it): the city (`chengxin_bench_city`: 5,000,000 persons, 20,000,000 records,
100,000 list entries) and a twentieth of it (`chengxin_bench_city1m`: 250,000 persons, 1,000,000
records, the same 100,000 list entries), and measures on each, with the existing benchmarks'
functions and baselines:

- the build from empty (seconds), bytes on disk per record;
- `person_file` (build_file in-process vs a raw SELECT), p95 ≤ 20 ms;
- the checks over HTTP (`bench.checks`: throughput, latency at 1,000/s, batch of 100,000);
- ingest of 1,000,000 more records through the collection path (`run_import`) into the built
  database, against a raw COPY of the very rows it stored into the same database (deleted again
  first), ratio ≥ 0.5;

then prints each city figure beside the same figure on the small database (growth = city / 1 M).
On the city database it also measures checks per second with 1, 2 and 4 server processes, and (when
`tests/pgcluster.py` is there) the same read workload on a primary alone and on primary + standby.

`--reuse` measures databases built by an earlier run (their keys and sample of persons are kept in
`bench/out/city-<name>.json`); `--build-only` builds and stops; `--keep` keeps the databases
(otherwise they are dropped at the end; the generator stays).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import psycopg

from bench import checks, ingest, person_file
from bench.city_data import Built, Scale, build_city, sizes_on_disk
from bench.common import DEPARTMENT, ITEM, Figure, drop_database, log
from bench.data import write_penalty_csv
from chengxin.catalog.rules import default_catalog
from chengxin.clock import today
from chengxin.crypto import Keys
from chengxin.db import make_engine, make_sessionmaker
from chengxin.records.imports import ImportSpec, run_import
from chengxin.records.repository import RECORD_COLUMNS
from chengxin.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CITY_DB, BASE_DB = "chengxin_bench_city", "chengxin_bench_city1m"
CITY = Scale(5_000_000, 20_000_000, 100_000, 200_000)
BASE = Scale(250_000, 1_000_000, 100_000, 200_000)
QUICK_CITY = Scale(40_000, 160_000, 2_000, 10_000)
QUICK_BASE = Scale(10_000, 40_000, 2_000, 8_000)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.city",
        description="城市规模基准：500 万人、2,000 万条记录的 PostgreSQL 数据库上的各项指标，与 100 万条记录时并列。"
                    " City-sized figures beside the same figures at 1,000,000 records.")
    parser.add_argument("--city-persons", type=int, help="城市库人数 persons (default 5,000,000)")
    parser.add_argument("--city-records", type=int, help="城市库记录数 records (default 20,000,000)")
    parser.add_argument("--city-entries", type=int, help="城市库名单条目 list entries (default 100,000)")
    parser.add_argument("--base-persons", type=int, help="对照库人数 persons of the 1 M database (default 250,000)")
    parser.add_argument("--base-records", type=int, help="对照库记录数 (default 1,000,000)")
    parser.add_argument("--base-entries", type=int, help="对照库名单条目 (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="冒烟运行 smoke sizes")
    parser.add_argument("--ingest", type=int, help="records ingested through the collection path (default 1,000,000)")
    parser.add_argument("--workers", type=int, default=2, help="generator processes (default 2)")
    parser.add_argument("--processes", default="1,2,4", help="server processes for the check curve (default 1,2,4)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="只运行 only these parts (repeatable): build, size, person_file, check, batch_check, "
                             "ingest, processes, standby")
    parser.add_argument("--reuse", action="store_true", help="reuse databases built by an earlier run")
    parser.add_argument("--build-only", action="store_true", help="build the databases and stop (implies --keep)")
    parser.add_argument("--skip-base", action="store_true", help="city database only (no 1 M comparison)")
    parser.add_argument("--skip-city", action="store_true", help="1 M database only")
    parser.add_argument("--samples", type=int, help="persons sampled for person_file (default 1,000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--server", choices=("shared", "production"), default="shared",
                        help="shared: the server of CHENGXIN_BENCH_POSTGRES_URL (default); production: a server of "
                             "this run's own, with the README's production settings scaled to this machine's memory "
                             "(tests/pgcluster.py: Debian's PostgreSQL binaries, as the postgres user; its data stays "
                             "in OUT/production-server for --reuse)")
    args = parser.parse_args(argv)
    city, base = (QUICK_CITY, QUICK_BASE) if args.quick else (CITY, BASE)
    args.city = replace(city, persons=args.city_persons or city.persons, records=args.city_records or city.records,
                        entries=args.city_entries or city.entries)
    args.base = replace(base, persons=args.base_persons or base.persons, records=args.base_records or base.records,
                        entries=args.base_entries or base.entries)
    args.ingest = args.ingest or (20_000 if args.quick else 1_000_000)
    args.samples = args.samples or (200 if args.quick else 1_000)
    args.keep = args.keep or args.build_only
    return args


def obtain(name: str, scale: Scale, args: argparse.Namespace) -> Built:
    """The database `name` at `scale`: built now, or (`--reuse`) as an earlier run left it."""
    saved = args.out / f"city-{name}.json"
    if args.reuse and saved.exists():
        built = Built.load(saved)
        log(f"city: reusing {name} ({built.scale.label()}, built in {built.seconds['total']:.0f}s)")
        return built
    built = build_city(name, scale, args.seed, Keys(os.urandom(32), os.urandom(32)), args.out, args.workers)
    built.save(saved)
    return built


# --- figures -----------------------------------------------------------------------------------


def build_figures(b: Built) -> list[Figure]:
    s = b.seconds
    return [Figure("build_s", s["total"], s["load"], "s", "info", None,
                   f"从空库生成 build from empty: {b.scale.label()} (load {s['load']:.0f}s, keys and indexes "
                   f"{s['index']:.0f}s, VACUUM ANALYZE {s['analyse']:.0f}s)",
                   "the load phase alone: rows generated, validated and copied, no index yet")]


def size_figures(b: Built) -> list[Figure]:
    sz = sizes_on_disk(b.db)
    rows = sz["rows"]
    log(f"city: {b.db.name} sizes: " + ", ".join(f"{k} {v / 1e9:.2f} GB" for k, v in sz.items() if k != "rows"))
    return [
        Figure("record_bytes", sz["records_total"] / rows, sz["records_heap"] / rows, "bytes", "info", None,
               "pg_total_relation_size(records) / records (heap, TOAST and indexes)",
               "pg_relation_size(records) / records (heap alone)"),
        Figure("db_bytes_per_record", sz["database"] / rows, sz["records_total"] / rows, "bytes", "info", None,
               "pg_database_size / records (persons, matters and all else included)",
               "pg_total_relation_size(records) / records"),
    ]


def ingest_more(b: Built, csv_path: Path, records: int, out: Path) -> list[Figure]:
    """`records` more records through the collection path (`run_import`) into the built database,
    against a raw COPY of the very record rows it stored into the same database (they are deleted
    and the table vacuumed first, so both meet the same table and indexes)."""
    engine = make_engine(b.db.url)
    factory = make_sessionmaker(engine)
    spec = ImportSpec(DEPARTMENT, csv_path.name, ITEM, Settings().import_chunk_rows)
    log(f"city: ingest into {b.db.name}: run_import of {records:,} records (chunk {spec.chunk_rows})")
    with csv_path.open("rb") as fh:
        t0 = time.perf_counter()
        batch = run_import(factory, default_catalog(), b.keys, fh, spec)
        seconds = time.perf_counter() - t0
    engine.dispose()
    if batch.created != records or batch.rejected or batch.status != "done":
        raise SystemExit(f"collection path did not take every row: created {batch.created}, "
                         f"rejected {batch.rejected}, status {batch.status}")
    log(f"city: ingest: {records:,} records in {seconds:.1f}s ({records / seconds:,.0f}/s)")
    cols = ", ".join("data::text" if c == "data" else c for c in RECORD_COLUMNS)
    with psycopg.connect(b.db.psycopg_dsn(), autocommit=True) as conn:
        rows = conn.execute(f"SELECT {cols} FROM records WHERE batch_id = %s ORDER BY ctid", (batch.id,)).fetchall()
        conn.execute("DELETE FROM records WHERE batch_id = %s", (batch.id,))
        conn.execute("VACUUM records")
    assert len(rows) == records
    raw_seconds = ingest.raw_insert(b.db, rows)
    log(f"city: ingest baseline: the same rows by COPY in {raw_seconds:.1f}s ({records / raw_seconds:,.0f}/s)")
    value, base = records / seconds, records / raw_seconds
    return [Figure("ingest", value, base, "records/s", f"ratio >= {ingest.TARGET}", value / base >= ingest.TARGET,
                   f"run_import of {records:,} CSV rows into the built database",
                   "raw COPY (psycopg) of the same record rows into the same database, one transaction")]


def process_curve(b: Built, counts: list[int], quick: bool, seed: int, out: Path) -> list[Figure]:
    """Checks per second (closed loop, the check figures' requests) with N server processes of
    `bench.check_server chengxin` on the same database, the client's connections spread over them."""
    size = checks.sizes(quick, None, None, None)
    bodies = checks.single_bodies(b.data, size.requests, seed)
    bodies_path = out / "city-check-bodies.json"
    bodies_path.write_text(json.dumps(bodies, ensure_ascii=False), encoding="utf-8")
    headers = checks.checker_headers(b.db.url)
    env = checks.server_env(b.db, b.keys, out)
    connections = 32
    rates: dict[int, float] = {}
    for n in counts:
        servers = [checks.Server("chengxin", env, out, name=f"city-{n}-{i}") for i in range(n)]
        try:
            res = checks.load({"mode": "closed", "ports": [s.port for s in servers], "port": servers[0].port,
                               "path": checks.CHECK_PATH, "headers": headers, "bodies": str(bodies_path),
                               "connections": connections, "duration": size.throughput_seconds,
                               "warmup": size.warmup}, out)
        finally:
            for s in servers:
                s.stop()
        rates[n] = res["rate"]
        log(f"city: checks with {n} server process(es): {res['rate']:,.0f}/s, p50 {res['latency_ms']['p50']:.1f} ms, "
            f"p99 {res['latency_ms']['p99']:.1f} ms, statuses {res['statuses']}")
    one = rates[counts[0]]
    cores = os.cpu_count() or 1
    figures = [Figure(f"check_processes_{n}", rate, one, "req/s", "info", None,
                      f"POST /api/v1/checks, {n} uvicorn process(es), {connections} connections spread over them",
                      f"the same with {counts[0]} process") for n, rate in rates.items()]
    at_cores = rates.get(cores, max(rates.values()))
    figures.append(Figure("check_per_core", at_cores / cores, one, "req/s", "info", None,
                          f"checks/s with {cores} processes / {cores} cores",
                          f"checks/s with {counts[0]} process"))
    return figures


def _pgcluster() -> Any:
    """`tests/pgcluster.py` of this tree (or the file named by CHENGXIN_BENCH_PGCLUSTER), or None."""
    path = Path(os.environ.get("CHENGXIN_BENCH_PGCLUSTER") or ROOT / "tests" / "pgcluster.py")
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("bench_pgcluster", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The README's production settings (“生产环境设置”), memory scaled to this machine; durable (fsync and
# full-page writes on, as on any production server, unlike the test cluster's throw-away defaults).
PRODUCTION_SETTINGS = """
port = {port}
fsync = on
full_page_writes = on
shared_buffers = {shared_mb}MB
effective_cache_size = {cache_mb}MB
work_mem = 32MB
maintenance_work_mem = {maintenance_mb}MB
max_wal_size = 16GB
min_wal_size = 2GB
checkpoint_timeout = 15min
checkpoint_completion_target = 0.9
wal_compression = on
random_page_cost = 1.1
effective_io_concurrency = 200
max_connections = 300
autovacuum_vacuum_scale_factor = 0.02
autovacuum_analyze_scale_factor = 0.01
"""


def production_server(out: Path) -> Any:
    """Start (making it the first time) a PostgreSQL server of the benchmark's own with the production
    settings, its data in `out`/production-server (kept for --reuse, on the same port); the server object
    (`.url(db)`, `.stop()`). SystemExit when no server can start here."""
    pgcluster = _pgcluster()
    if pgcluster is None:
        raise SystemExit("--server production needs tests/pgcluster.py (or CHENGXIN_BENCH_PGCLUSTER)")
    problem = pgcluster.available()
    if problem:
        raise SystemExit(f"--server production: {problem}")
    root = (out / "production-server").resolve()
    port_file = root / "port"
    if not (root / "primary" / "PG_VERSION").exists():
        server = pgcluster.Primary.start(root)  # initdb, the test cluster's settings, started
        pgcluster.Server.stop(server)
        with open(server.data / "postgresql.conf", "a") as conf:
            conf.write("\ninclude_if_exists = 'production.conf'\n")  # last: its settings win
        port_file.write_text(str(server.port))
    port = int(port_file.read_text())
    server = pgcluster.Primary(root, port, owned_root=False)
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    settings = server.data / "production.conf"
    settings.write_text(PRODUCTION_SETTINGS.format(port=port, shared_mb=ram // 4, cache_mb=ram * 3 // 4,
                                                   maintenance_mb=min(2048, ram // 16)))
    owner = server.data.stat()
    os.chown(settings, owner.st_uid, owner.st_gid)
    try:
        pgcluster.Server.start(server)
    except Exception as exc:
        raise SystemExit(f"--server production: the server in {root} did not start on port {port} "
                         f"({exc}); its log: {server.log}") from exc
    log(f"city: production settings server on port {port} (shared_buffers {ram // 4} MB), data in {root}")
    return server


def standby(scale: Scale, args: argparse.Namespace) -> list[Figure]:
    """Primary only against primary + standby: a throw-away cluster (`tests/pgcluster.py`: a primary
    and a streaming hot standby from Debian's binaries, as the postgres user, on free ports), a
    database of `scale` generated on its primary, the standby caught up, then the same read workload."""
    pgcluster = _pgcluster()
    if pgcluster is None:
        log("city: standby: tests/pgcluster.py is not there; the primary/standby figure is skipped "
            "(bench.city.primary_vs_standby takes the two URLs)")
        return []
    problem = pgcluster.available()
    if problem:
        log(f"city: standby: no cluster can start here: {problem}")
        return []
    primary = pgcluster.Primary.start()
    try:
        server = os.environ.get("CHENGXIN_BENCH_POSTGRES_URL")
        os.environ["CHENGXIN_BENCH_POSTGRES_URL"] = primary.url("postgres")
        try:
            built = build_city(BASE_DB, scale, args.seed, Keys(os.urandom(32), os.urandom(32)), args.out, args.workers)
        finally:
            if server is None:
                os.environ.pop("CHENGXIN_BENCH_POSTGRES_URL")
            else:
                os.environ["CHENGXIN_BENCH_POSTGRES_URL"] = server
        t0 = time.monotonic()
        replica = primary.add_standby()
        primary.wait_caught_up(600)
        log(f"city: standby: {replica.name} made and caught up in {time.monotonic() - t0:.0f}s")
        with psycopg.connect(primary.dsn(BASE_DB)) as conn:
            people = [k for (k,) in conn.execute(
                "SELECT person_key FROM persons TABLESAMPLE SYSTEM (5) LIMIT 5000").fetchall()]
        return primary_vs_standby(primary.url(BASE_DB), replica.url(BASE_DB), built.keys, people,
                                  seconds=5.0 if args.quick else 15.0)
    finally:
        primary.stop()


def primary_vs_standby(primary_url: str, standby_url: str, keys: Keys, person_keys: list[str],
                       seconds: float = 10.0, processes: int = 2) -> list[Figure]:
    """The same read workload (credit files, `build_file` in-process, closed loop in `processes`
    processes) against the primary alone and spread over the primary and its standby (half the
    processes on each), after a warm-up on both, in rounds alone / both / both / alone of `seconds` / 2
    each. Both URLs must reach the same, replicated data."""
    log(f"city: read workload: credit files of {len(person_keys):,} persons, {processes} processes, "
        f"{seconds:g}s each way")
    one = [primary_url] * processes
    two = [primary_url if i % 2 == 0 else standby_url for i in range(processes)]
    _read_rate(two, keys, person_keys, seconds / 3)  # warm-up: both servers' caches
    rates: dict[str, list[float]] = {"alone": [], "both": []}
    for way in ("alone", "both", "both", "alone"):  # so that neither always goes first
        rates[way].append(_read_rate(one if way == "alone" else two, keys, person_keys, seconds / 2))
    alone, both = (sum(v) / len(v) for v in (rates["alone"], rates["both"]))
    log(f"city: read workload: primary alone {alone:,.0f} files/s, primary + standby {both:,.0f} files/s")
    return [Figure("read_primary_standby", both, alone, "files/s", "info", None,
                   f"build_file in {processes} processes, half on the standby",
                   f"the same {processes} processes all on the primary")]


def _read_rate(urls: list[str], keys: Keys, person_keys: list[str], seconds: float) -> float:
    jobs = [(url, keys.hash_secret, keys.encryption_key, person_keys[i::len(urls)], seconds)
            for i, url in enumerate(urls)]
    with multiprocessing.get_context("spawn").Pool(len(jobs)) as pool:
        return sum(pool.map(_read_files, jobs))


def _read_files(job: tuple[str, bytes, bytes, list[str], float]) -> float:
    """Credit files per second built in this process for `seconds` (a worker of `_read_rate`)."""
    from chengxin.callers import Caller
    from chengxin.creditfile.service import build_file
    from chengxin.db import unit_of_work
    from chengxin.publicity.rules import default_tiers

    url, hash_secret, encryption_key, person_keys, seconds = job
    keys = Keys(hash_secret, encryption_key)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    catalog, tiers, caller = default_catalog(), default_tiers(), Caller("operator")
    done = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with unit_of_work(factory, writes=False) as session:
            build_file(session, catalog=catalog, keys=keys, tiers=tiers,
                       person_key=person_keys[done % len(person_keys)], caller=caller)
        done += 1
    engine.dispose()
    return done / seconds


def growth_figures(base: list[Figure], city: list[Figure]) -> list[Figure]:
    """Each city figure over the same figure at 1 M records: how its cost grows with the data."""
    small = {f.bench.removeprefix("city1m_"): f for f in base}
    out = []
    for fig in city:
        name = fig.bench.removeprefix("city_")
        if name in small and small[name].value:
            out.append(Figure(f"city_growth_{name}", fig.value, small[name].value, fig.unit, "info", None,
                              f"city: {fig.what}", "the same figure on the 1 M-record database"))
    return out


def side_by_side(base: list[Figure], city: list[Figure]) -> str:
    small = {f.bench.removeprefix("city1m_"): f for f in base}
    lines = [f"{'figure':<34} {'1 M records':>14} {'city':>14} {'growth':>8}  target"]
    for fig in city:
        name = fig.bench.removeprefix("city_")
        other = small.get(name)
        growth = f"{fig.value / other.value:8.2f}" if other and other.value else f"{'-':>8}"
        lines.append(f"{name:<34} {other.value if other else float('nan'):>14,.2f} {fig.value:>14,.2f} {growth}  "
                     f"{fig.target}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    city_db, base_db = (f"{CITY_DB}_quick", f"{BASE_DB}_quick") if args.quick else (CITY_DB, BASE_DB)
    if args.server == "production":
        args.out = args.out / "production"  # its databases' keys and figures apart from the shared server's
        args.out.mkdir(parents=True, exist_ok=True)
        own = production_server(args.out)
        os.environ["CHENGXIN_BENCH_POSTGRES_URL"] = own.url("postgres")
        try:
            return _measure(args, city_db, base_db)
        finally:
            own.stop()
    return _measure(args, city_db, base_db)


def _measure(args: argparse.Namespace, city_db: str, base_db: str) -> int:
    plan = ([] if args.skip_base else [(base_db, args.base)]) + ([] if args.skip_city else [(city_db, args.city)])
    if args.only and set(args.only) <= {"standby"}:
        plan = []  # the standby figure builds its own database in its own cluster
    built: dict[str, Built] = {}
    for name, scale in plan:
        built[name] = obtain(name, scale, args)
        log(f"city: {name}: {sizes_on_disk(built[name].db)}")
    if args.build_only:
        return 0
    figures: dict[str, list[Figure]] = {}

    def report(tag: str, new: list[Figure]) -> None:
        for fig in new:
            fig = replace(fig, bench=f"{tag}_{fig.bench.removesuffix('_postgres')}")
            figures.setdefault(tag, []).append(fig)
            print(fig.table_line(), file=sys.stderr, flush=True)

    def wanted(part: str) -> bool:
        return not args.only or part in args.only

    for name, b in built.items():
        tag = "city" if name == city_db else "city1m"
        log(f"city: == {tag}: {b.scale.label()} ==")
        if wanted("build"):
            report(tag, build_figures(b))
        if wanted("size"):
            report(tag, size_figures(b))
        if wanted("person_file"):
            report(tag, person_file.run(b.db, b.keys, args.samples, args.seed))
        if wanted("check") or wanted("batch_check"):
            size = checks.sizes(args.quick, None, None, None)
            chosen = [n for n in checks.figure_names("postgres")
                      if wanted("batch_check" if n.startswith("batch") else "check")]
            report(tag, checks.run_on("postgres", b.db, b.data, b.keys, size, chosen, args.seed, args.out))
        if (tag == "city" or args.skip_city) and wanted("processes"):
            report(tag, process_curve(b, [int(n) for n in args.processes.split(",")], args.quick, args.seed, args.out))
        if wanted("ingest"):
            # A database measured again (`--reuse`) already holds the earlier runs' records: new ones each time.
            with psycopg.connect(b.db.psycopg_dsn()) as conn:
                runs = conn.execute("SELECT count(*) FROM batches WHERE filename LIKE 'city-ingest-%%'").fetchone()
            csv_path = args.out / f"city-ingest-{args.ingest}-{runs[0] if runs else 0}.csv"
            done = runs[0] if runs else 0  # records of other numbers than the earlier runs' (unchanged else)
            written = write_penalty_csv(csv_path, args.ingest, args.seed + 1 + done, today(),
                                        first_serial=1 + done * args.ingest)
            log(f"city: CSV of {written['records']:,} records for {written['persons']:,} persons")
            report(tag, ingest_more(b, csv_path, args.ingest, args.out))
            csv_path.unlink(missing_ok=True)
    if wanted("standby"):
        report("city1m", standby(args.base, args))
    for tag in ("city1m", "city"):
        saved = args.out / f"city-figures-{tag}{'-quick' if args.quick else ''}.json"
        if figures.get(tag):
            # Figures this run did not measure (`--only`) stay as the last run measured them.
            kept = {f["bench"]: f for f in (json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else [])}
            kept |= {f.bench: asdict(f) for f in figures[tag]}
            saved.write_text(json.dumps(list(kept.values()), ensure_ascii=False), encoding="utf-8")
        elif saved.exists():
            # Measured by an earlier run (`--skip-base` / `--skip-city`): compared with, marked as such.
            figures[tag] = [replace(Figure(**f), what=f"(earlier run) {f['what']}")
                            for f in json.loads(saved.read_text(encoding="utf-8"))]
            log(f"city: {tag} figures of an earlier run ({saved.name}) for the comparison")
    growth = growth_figures(figures.get("city1m", []), figures.get("city", []))
    print("\n== 城市规模 city results " + "=" * 90, file=sys.stderr)
    for fig in [f for tag in ("city1m", "city") for f in figures.get(tag, [])] + growth:
        print(fig.table_line(), file=sys.stderr)
        print(f"   {'':<24} value: {fig.what}; baseline: {fig.against}", file=sys.stderr)
    print(side_by_side(figures.get("city1m", []), figures.get("city", [])), file=sys.stderr, flush=True)
    for fig in [f for tag in ("city1m", "city") for f in figures.get(tag, [])] + growth:
        print(fig.json_line(), flush=True)
    if not args.keep:
        for b in built.values():
            drop_database(b.db)
            (args.out / f"city-{b.db.name}.json").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
