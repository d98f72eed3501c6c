"""Command line of the benchmarks: choose figures, run them in order, print the table and JSON."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
from pathlib import Path

from bench import audit, check_server, checks, exchange, idcheck, ingest, memory, mixed, person_file, reports
from bench.check_data import Plan
from bench.common import Figure, drop_database, log
from bench.data import write_penalty_csv
from chengxin.clock import today
from chengxin.crypto import Keys

DATABASES = ("sqlite", "postgres")
PERCENTILES = (50, 95, 99)


def figure_names(kinds: tuple[str, ...]) -> list[str]:
    names = ["id_validation"]
    for kind in kinds:
        names += [f"ingest_{kind}", f"ingest_with_persons_{kind}"]
        names += [f"person_file_p{p}_{kind}" for p in PERCENTILES]
    names.append("import_peak_memory")
    for kind in kinds:
        names += checks.figure_names(kind)
    for kind in kinds:
        names += audit.figure_names(kind)
    for kind in kinds:
        names += mixed.figure_names(kind)
    for kind in kinds:
        names += reports.figure_names(kind)
    for kind in kinds:
        names += exchange.figure_names(kind)
    return names


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="诚信平台性能基准：每个数字都与同一次运行中测得的基线并列，并以 JSON 行输出。"
                    " Each figure is printed beside a baseline measured in the same run.")
    parser.add_argument("--records", type=int, default=None,
                        help="记录数 records to ingest (default 1,000,000; 50,000 with --quick)")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both",
                        help="数据库 database(s) for the ingest, person-file and check figures (default both)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        help="只运行名称为 NAME 或以 NAME 开头的数字 run only figures named NAME or "
                             "starting with it (repeatable), e.g. ingest, person_file, id_validation, "
                             "check, batch_check, mixed, report, exchange")
    parser.add_argument("--quick", action="store_true",
                        help="冒烟运行 smoke run: 50,000 records, fewer IDs and persons, a small check data set")
    parser.add_argument("--ids", type=int, default=None,
                        help="distinct IDs for id_validation (default 200,000; 50,000 with --quick)")
    parser.add_argument("--samples", type=int, default=None,
                        help="persons sampled for person_file (default 1,000; 200 with --quick)")
    parser.add_argument("--persons", type=int, default=None,
                        help="persons in the check data set (default 1,000,000; 20,000 with --quick)")
    parser.add_argument("--entries", type=int, default=None,
                        help="list entries in the check data set (default 100,000; 2,000 with --quick)")
    parser.add_argument("--batch", type=int, default=None,
                        help="identifiers in the batch check (default 100,000; 5,000 with --quick)")
    parser.add_argument("--log-entries", type=int, default=None,
                        help="access-log entries for audit_verify/audit_seal (default 1,000,000; 100,000 with --quick)")
    parser.add_argument("--check-workers", type=int, default=1,
                        help="processes of the chengxin check server (as `chengxin serve --workers N`; default 1)")
    parser.add_argument("--ordinary-stack", action="store_true",
                        help="answer checks through the whole middleware stack, not routing.HotRouteApp")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out",
                        help="work directory for the CSV and SQLite files (default bench/out/)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and CSV afterwards")
    args = parser.parse_args(argv)
    args.records = args.records or (50_000 if args.quick else 1_000_000)
    args.ids = args.ids or (50_000 if args.quick else 200_000)
    args.samples = args.samples or (200 if args.quick else 1_000)
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    flags = [i for i, a in enumerate(argv) if a == "--only=city" or (a == "--only" and argv[i + 1 : i + 2] == ["city"])]
    if flags:
        # The city-sized figures have options of their own (bench/city.py): hand the rest to them.
        from bench import city

        drop = {j for i in flags for j in ((i,) if argv[i] == "--only=city" else (i, i + 1))}
        return city.main([a for i, a in enumerate(argv) if i not in drop])
    args = parse_args(argv)
    kinds = DATABASES if args.db == "both" else (args.db,)
    names = figure_names(kinds)
    chosen = [n for n in names if not args.only or any(n.startswith(o) for o in args.only)]
    if not chosen:
        print(f"no figure matches {args.only}; figures: {', '.join(names)}", file=sys.stderr)
        return 2
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    keys = Keys(os.urandom(32), os.urandom(32))  # fresh secrets per run
    # The check server's set-up (bench.check_server reads these from its environment).
    os.environ[check_server.WORKERS] = str(args.check_workers)
    os.environ[check_server.ORDINARY] = "1" if args.ordinary_stack else "0"
    log(f"chengxin bench: {args.records:,} records, db {'+'.join(kinds)}, figures {', '.join(chosen)}; "
        f"check server: {args.check_workers} process(es), "
        f"{'ordinary stack' if args.ordinary_stack else 'HotRouteApp'}; "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs")
    figures: list[Figure] = []

    def report(new: list[Figure]) -> None:
        for fig in new:
            figures.append(fig)
            print(fig.table_line(), file=sys.stderr, flush=True)

    if "id_validation" in chosen:
        report([idcheck.run(args.ids, rounds=3 if args.quick else 5, seed=args.seed)])

    csv_path = out / f"penalties-{args.records}.csv"
    needs_db = {k: [n for n in chosen if n.endswith(f"_{k}") and n.startswith(("ingest", "person_file"))]
                for k in kinds}
    if any(needs_db.values()) or "import_peak_memory" in chosen:
        t0 = time.perf_counter()
        written = write_penalty_csv(csv_path, args.records, args.seed, today())
        log(f"CSV {csv_path.name}: {written['records']:,} rows ({written['simple']:,} XZCF-02), "
            f"{written['persons']:,} persons, {csv_path.stat().st_size / 1e6:.0f} MB, "
            f"written in {time.perf_counter() - t0:.1f}s")
        expected = {"records": written["records"], "persons": written["persons"]}

    for kind in kinds:
        if not needs_db[kind]:
            continue
        collected = ingest.collect(kind, csv_path, keys, expected, out)
        if {f"ingest_{kind}", f"ingest_with_persons_{kind}"} & set(chosen):
            base = ingest.baseline(kind, collected, out, args.keep)
            report([f for f in ingest.figures(kind, collected, base) if f.bench in chosen])
        if any(n.startswith("person_file") for n in needs_db[kind]):
            report([f for f in person_file.run(collected.db, keys, args.samples, args.seed)
                    if f.bench in chosen])
        if not args.keep:
            drop_database(collected.db)

    if "import_peak_memory" in chosen:
        kind = "sqlite" if "sqlite" in kinds else "postgres"
        report([memory.run(kind, csv_path, args.records, keys, out, args.keep)])

    if not args.keep:
        csv_path.unlink(missing_ok=True)

    if any(n in chosen for k in kinds for n in checks.figure_names(k)):
        size = checks.sizes(args.quick, args.persons, args.entries, args.batch)
        plan = Plan(size.persons, size.entries, args.seed, today(), keys)
        for kind in kinds:
            report(checks.run(kind, plan, size, chosen, args.seed, out, args.keep))
    if any(n in chosen for k in kinds for n in audit.figure_names(k)):
        log_size = audit.sizes(args.quick, args.log_entries)
        cost_plan = None
        for kind in kinds:
            report(audit.run_verify(kind, log_size, chosen, args.seed, out, args.keep))
            if f"access_log_cost_{kind}" in chosen:
                cost_plan = cost_plan or Plan(log_size.persons, log_size.list_entries, args.seed, today(), keys)
                report(audit.run_cost(kind, cost_plan, log_size, chosen, args.seed, out, args.keep))
    for kind in kinds:
        report(mixed.run(kind, keys, args.quick, args.seed, chosen, out, args.keep))
    report_size = reports.sizes(args.quick)
    for kind in kinds:
        report(reports.run(kind, chosen, out, runs=int(report_size["runs"]), seconds=report_size["seconds"],
                           load_seconds=report_size["load_seconds"], warmup=report_size["warmup"],
                           rounds=int(report_size["rounds"]), seed=args.seed, keep=args.keep))
    exchange_size = exchange.sizes(args.quick)
    for kind in kinds:
        report(exchange.run(kind, chosen, out, changes=int(exchange_size["changes"]), seconds=exchange_size["seconds"],
                            rounds=int(exchange_size["rounds"]), seed=args.seed, keep=args.keep))
    print("\n== 结果 results " + "=" * 100, file=sys.stderr)
    for fig in figures:
        print(fig.table_line(), file=sys.stderr)
        print(f"   {'':<24} value: {fig.what}; baseline: {fig.against}", file=sys.stderr)
    sys.stderr.flush()
    for fig in figures:
        print(fig.json_line(), flush=True)
    return 0
