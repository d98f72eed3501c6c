"""Profile the collection path: `python -m bench.profile_ingest [--db sqlite|postgres] [--records N]`.

Runs `run_import` on a fresh database under cProfile and prints the functions with the most
own time and the most cumulative time (a tool for optimising, not a figure).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
from pathlib import Path

from bench.common import DEPARTMENT, ITEM, drop_database, fresh_database, log
from bench.data import write_penalty_csv
from chengxin.catalog.rules import default_catalog
from chengxin.clock import today
from chengxin.crypto import Keys
from chengxin.db import make_engine, make_sessionmaker
from chengxin.records.imports import ImportSpec, run_import
from chengxin.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_ingest")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    csv_path = args.out / f"profile-{args.records}.csv"
    write_penalty_csv(csv_path, args.records, 2026, today())
    db = fresh_database(args.db, "chengxin_bench_p" if args.db == "postgres" else "profile", args.out)
    engine = make_engine(db.url)
    factory = make_sessionmaker(engine)
    spec = ImportSpec(DEPARTMENT, csv_path.name, ITEM, Settings().import_chunk_rows)
    keys = Keys(os.urandom(32), os.urandom(32))
    catalog = default_catalog()
    profiler = cProfile.Profile()
    with csv_path.open("rb") as fh:
        profiler.enable()
        batch = run_import(factory, catalog, keys, fh, spec)
        profiler.disable()
    log(f"created {batch.created}, rejected {batch.rejected}")
    engine.dispose()
    drop_database(db)
    csv_path.unlink()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(args.top)
    stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
