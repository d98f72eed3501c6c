"""Integrity-points benchmark (诚信积分): `python -m bench.points [--persons N] [--reuse] [--keep]`.

Two figures, each beside its baseline, measured in one run on PostgreSQL:

- `points_recompute_1m`: a full grading run (`chengxin.points.grading.compute`, what the office's
  page queues: every opted-in person's grade under the packaged model, counted by grade, region,
  sex and age group) over 1,000,000 opted-in persons of a generated database (`bench.city_data`:
  4,000,000 records), target ≤ 60 s; baseline: one SQL aggregate of the same inputs (the consents,
  the persons and their matters, each item's points summed per person, then counted by grade and
  group): the cost of reading and summing them in the database, without the model's rules
  (publicity, repair, caps, decay).
- `points_submission_cost`: what points add to a submission. Points are worked out when read, so a
  submission does no points work; measured as the collection path (`run_import`) of 200,000 new
  records for 66,666 persons who all opted in, against the same import into an identical database
  where nobody did (ratio = seconds with / seconds without, target ≤ 1.10; four fresh databases in
  the order without, with, with, without, each figure the mean of its two).

`--reuse` measures the database an earlier run kept (`--keep`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import psycopg

from bench.city_data import Built, Scale, build_city
from bench.common import DEPARTMENT, ITEM, Figure, drop_database, fresh_database, log
from bench.data import write_penalty_csv
from chengxin.catalog.rules import default_catalog
from chengxin.clock import today
from chengxin.crypto import Keys
from chengxin.db import make_engine, make_sessionmaker
from chengxin.editions.rules import packaged_text
from chengxin.points import grading
from chengxin.points.models import PointsRun
from chengxin.points.rules import default_model
from chengxin.publicity.rules import default_tiers
from chengxin.records.imports import ImportSpec, run_import
from chengxin.settings import Settings

NAME = "chengxin_bench_points"
CONSENT_SQL = ("INSERT INTO points_consents (person_key, opted_in_at, model_version) "
               "SELECT person_key, now(), %s FROM persons ORDER BY person_key LIMIT %s ON CONFLICT DO NOTHING")


def obtain(args: argparse.Namespace) -> Built:
    saved = args.out / f"city-{NAME}.json"
    if args.reuse and saved.exists():
        built = Built.load(saved)
        log(f"points: reusing {NAME} ({built.scale.label()})")
        return built
    scale = Scale(args.persons, args.persons * 4, args.persons // 25, 1_000)
    built = build_city(NAME, scale, args.seed, Keys(os.urandom(32), os.urandom(32)), args.out, args.workers)
    built.save(saved)
    return built


def baseline_sql(model_points: dict[str, int]) -> str:
    """One statement: each opted-in person's matters' points summed, then counted by grade and group."""
    values = ", ".join(f"('{code}', {points})" for code, points in model_points.items())
    model = default_model()
    grade = " ".join(f"WHEN score >= {g.min} THEN '{g.code}'" for g in model.grades[:-1])
    return f"""
WITH pts(item_code, points) AS (VALUES {values}),
scores AS (
  SELECT c.person_key, p.region_code, p.sex, p.birth_date, {model.base} + coalesce(sum(pts.points), 0) AS score
    FROM points_consents c JOIN persons p ON p.person_key = c.person_key
    LEFT JOIN matters m ON m.subject_key = c.person_key
    LEFT JOIN pts ON pts.item_code = m.item_code
   GROUP BY 1, 2, 3, 4)
SELECT CASE {grade} ELSE '{model.grades[-1].code}' END AS grade, region_code, sex,
       least(6, date_part('year', age(%s, birth_date))::int / 10) AS age, count(*)
  FROM scores GROUP BY 1, 2, 3, 4"""


def recompute(built: Built, persons: int) -> Figure:
    dsn = built.db.psycopg_dsn()
    with psycopg.connect(dsn) as conn:
        conn.execute("DELETE FROM points_runs")
        conn.execute(CONSENT_SQL, ("2026.1", persons))
        conn.execute("ANALYZE points_consents")
        opted = conn.execute("SELECT count(*) FROM points_consents").fetchone()[0]  # type: ignore[index]
    log(f"points: {opted:,} persons opted in")
    engine = make_engine(built.db.url)
    factory = make_sessionmaker(engine)
    tiers, model = default_tiers(), default_model()
    with factory() as session:
        run = grading.start(session, model=model, model_text=packaged_text("points"), compare_text=None,
                            as_of=today(), by="bench")
        session.commit()
        run_id = run.id
    t0 = time.perf_counter()
    grading.compute(factory, run_id, packaged_text("catalog"), tiers)
    ours = time.perf_counter() - t0
    with factory() as session:
        done = session.get(PointsRun, run_id)
        assert done is not None and done.status == "done" and done.done == opted, (done and done.status)
        graded = sum((done.cells or {}).values())
    engine.dispose()
    log(f"points: grading run {ours:.1f}s for {opted:,} persons ({graded:,} adults graded)")
    points = {code: r.points for r in model.rules for code in r.items}
    with psycopg.connect(dsn) as conn:
        t0 = time.perf_counter()
        groups = conn.execute(baseline_sql(points), (today(),)).fetchall()
        theirs = time.perf_counter() - t0
    log(f"points: baseline SQL aggregate {theirs:.1f}s ({len(groups):,} groups)")
    return Figure("points_recompute_1m", ours, theirs, "s", "<= 60 s", ours <= 60,
                  f"grading.compute over {opted:,} opted-in persons (their matters, every rule)",
                  "one SQL aggregate of the same inputs (item points summed per person, counted by group)")


def submission_cost(args: argparse.Namespace) -> Figure:
    """Seconds of the same import into two identical databases, all its persons opted in or none."""
    keys = Keys(os.urandom(32), os.urandom(32))
    first, second = args.out / "points-first.csv", args.out / "points-second.csv"
    write_penalty_csv(first, args.submission, args.seed, today())
    write_penalty_csv(second, args.submission, args.seed, today(), first_serial=args.submission + 1)
    seconds: dict[bool, list[float]] = {False: [], True: []}
    # A B B A: each variant once early and once late, so that whatever drifts over the run (the
    # server's checkpoints of the databases dropped before, the file cache) weighs on both alike.
    for opted in (False, True, True, False):
        db = fresh_database("postgres", f"chengxin_bench_points_{'with' if opted else 'without'}", args.out)
        engine = make_engine(db.url)
        factory = make_sessionmaker(engine)
        catalog = default_catalog()
        try:
            for path, timed in ((first, False), (second, True)):
                spec = ImportSpec(DEPARTMENT, path.name, ITEM, Settings().import_chunk_rows)
                if timed and opted:
                    with psycopg.connect(db.psycopg_dsn()) as conn:
                        conn.execute(CONSENT_SQL, ("2026.1", 10**9))
                t0 = time.perf_counter()
                with path.open("rb") as fh:
                    batch = run_import(factory, catalog, keys, fh, spec)
                if timed:
                    seconds[opted].append(time.perf_counter() - t0)
                    assert batch.created == args.submission, batch.created
        finally:
            engine.dispose()
            drop_database(db)
        log(f"points: import of {args.submission:,} new records, persons opted in: {opted}: "
            f"{seconds[opted][-1]:.1f}s")
    first.unlink()
    second.unlink()
    with_, without = sum(seconds[True]) / 2, sum(seconds[False]) / 2
    return Figure("points_submission_cost", with_, without, "s", "ratio <= 1.10", with_ / without <= 1.10,
                  f"run_import of {args.submission:,} new records, every person opted in (mean of two)",
                  "the same import into an identical database, nobody opted in (mean of two, runs A B B A)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.points")
    parser.add_argument("--persons", type=int, default=1_000_000, help="opted-in persons (default 1,000,000)")
    parser.add_argument("--submission", type=int, default=200_000, help="records of the submission (default 200,000)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--skip-submission", action="store_true")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    figures = []
    built = obtain(args)
    figures.append(recompute(built, args.persons))
    print(figures[-1].table_line(), file=sys.stderr, flush=True)
    if not args.keep:
        drop_database(built.db)
        (args.out / f"city-{NAME}.json").unlink(missing_ok=True)
    if not args.skip_submission:
        figures.append(submission_cost(args))
        print(figures[-1].table_line(), file=sys.stderr, flush=True)
    print("\n== 诚信积分 points results ==", file=sys.stderr)
    for fig in figures:
        print(fig.table_line(), file=sys.stderr)
        print(f"{'':28}value: {fig.what}; baseline: {fig.against}", file=sys.stderr)
    for fig in figures:
        print(fig.json_line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
