"""Figures of the joint reward-and-punishment checks, over HTTP on a real uvicorn server.

`check_throughput_<db>`: checks per second of `POST /api/v1/checks` (closed loop, N keep-alive
connections) against lookups per second of a minimal FastAPI endpoint on the same server set-up.
`check_latency_p{50,95,99}_at_1000rps_<db>` and `check_latency_rate_at_1000rps_<db>`: an open-loop
load of 1,000 requests/s on each, latencies from the scheduled send time, and the rate achieved.
`batch_check_100k_<db>`: seconds of one `POST /api/v1/checks/batch` until its last NDJSON line,
against a minimal streaming endpoint answering the same body from a dict.

Servers (`bench.check_server`) and the load generator (`bench.check_load`) are separate
processes; the data set is `bench.check_data`. After the run the benchmark checks that every
successful check left exactly one row in `checks` and one in `access_log`.
"""

from __future__ import annotations

import base64
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.check_data import CheckData, Plan, build
from bench.common import Database, Figure, drop_database, log
from chengxin.crypto import Keys
from chengxin.db import make_engine

ROOT = Path(__file__).resolve().parent.parent


def server_pythonpath() -> str:
    """The servers run the code of this tree (its `src` first), not whatever copy of `chengxin`
    the interpreter has installed (an editable install may point at another checkout)."""
    return os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)


def checker_headers(url: str) -> dict[str, str]:
    """A real checker account and API token of human_resources in the bench database: checks
    authenticate as a business system does (the token is verified, then cached per process)."""
    from chengxin.accounts import service as accounts
    from chengxin.db import make_engine, make_sessionmaker, unit_of_work
    from chengxin.settings import Settings

    engine = make_engine(url)
    with unit_of_work(make_sessionmaker(engine)) as session:
        acc = accounts.create_account(session, kind="department", display_name="人社局招录系统（基准）",
                                      roles=["checker"], department_code="human_resources")
        token = accounts.issue_token(session, Settings(), acc.id, name="bench").token
    engine.dispose()
    return {"Authorization": f"Bearer {token}"}
SCENARIO = "civil_service_recruitment"
PURPOSE = "公务员招录资格审查"
CHECK_PATH, LOOKUP_PATH = "/api/v1/checks", "/lookup"
BATCH_PATH, LOOKUP_BATCH_PATH = "/api/v1/checks/batch", "/lookup/batch"
TARGET_RATIO = 0.6
TARGET_P99_MS = 20.0
TARGET_BATCH_S = 5.0
RATE = 1000
LISTED_SHARE = 0.2  # of single-check requests: persons on a list or answering for a listed organisation
PERCENTILES = (50, 95, 99)


@dataclass(frozen=True)
class Sizes:
    persons: int
    entries: int
    batch: int
    requests: int  # distinct persons cycled through by the single-check load
    connections: int
    throughput_seconds: float
    rounds: int
    latency_seconds: float
    warmup: float


def sizes(quick: bool, persons: int | None, entries: int | None, batch: int | None) -> Sizes:
    if quick:
        return Sizes(persons or 20_000, entries or 2_000, batch or 5_000, 2_000, 16, 3.0, 1, 4.0, 1.0)
    return Sizes(persons or 1_000_000, entries or 100_000, batch or 100_000, 50_000, 16, 10.0, 2, 15.0, 2.0)


def figure_names(kind: str) -> list[str]:
    return [f"check_throughput_{kind}",
            *(f"check_latency_p{p}_at_1000rps_{kind}" for p in PERCENTILES),
            f"check_latency_rate_at_1000rps_{kind}", f"batch_check_100k_{kind}"]


# --- requests ---------------------------------------------------------------------------------


def _listed_people(data: CheckData) -> list[int]:
    return sorted({*data.listed.get("black", ()), *data.listed.get("watch", ()),
                   *data.listed.get("red", ()), *data.via_org})


def single_bodies(data: CheckData, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed + 31)
    listed = _listed_people(data)
    people = [rng.choice(listed) if rng.random() < LISTED_SHARE else rng.randrange(len(data.numbers))
              for _ in range(count)]
    return [{"id_type": "citizen_id", "id_number": data.numbers[p], "scenario": SCENARIO,
             "department": "human_resources", "business_ref": f"BENCH-{n:07d}", "purpose": PURPOSE}
            for n, p in enumerate(people)]


def batch_identifiers(data: CheckData, count: int, seed: int) -> tuple[list[Any], dict[str, int]]:
    """`count` batch elements: distinct persons (15 % listed), 0.5 % invalid numbers, 0.5 % repeats
    of earlier lines, a tenth as objects with a reference."""
    if count > len(data.numbers):
        raise SystemExit(f"a batch of {count:,} distinct persons needs at least as many persons (have "
                         f"{len(data.numbers):,}); use --persons")
    rng = random.Random(seed + 37)
    listed = _listed_people(data)
    invalid = count // 200
    repeats = count // 200
    fresh = count - invalid - repeats
    chosen: set[int] = set(rng.sample(listed, min(len(listed), int(fresh * 0.15))))
    while len(chosen) < fresh:
        chosen.add(rng.randrange(len(data.numbers)))
    numbers = [data.numbers[p] for p in chosen]
    rng.shuffle(numbers)
    for _ in range(invalid):
        n = rng.choice(numbers)
        bad = n[:17] + ("0" if n[17] != "0" else "1")  # wrong check character
        numbers.insert(rng.randrange(len(numbers)), bad)
    for _ in range(repeats):
        numbers.insert(rng.randrange(len(numbers)), rng.choice(numbers))
    items: list[Any] = [{"id_number": n, "ref": f"报名号-{i:06d}"} if i % 10 == 0 else n
                        for i, n in enumerate(numbers)]
    return items, {"invalid": invalid, "repeats": repeats, "distinct": fresh}


# --- processes --------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server subprocess (`python -m bench.check_server`), up until `stop()`."""

    def __init__(self, kind: str, env: dict[str, str], out: Path, table: Path | None = None,
                 name: str | None = None) -> None:
        self.kind, self.port = kind, _free_port()
        self.log_path = out / f"server-{name or kind}.log"
        argv = [sys.executable, "-m", "bench.check_server", kind, str(self.port)]
        if table is not None:
            argv.append(str(table))
        with self.log_path.open("wb") as log_file:
            self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as res:
                    if res.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"{kind} server did not start:\n{self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def load(spec: dict[str, Any], out: Path) -> dict[str, Any]:
    """Run the load generator in its own process; its JSON result."""
    path = out / f"load-{spec['mode']}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bench.check_load", str(path)], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"load generator failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


# --- the figures ------------------------------------------------------------------------------


def _rows(db: Database) -> tuple[int, int, int]:
    engine = make_engine(db.url)
    with engine.connect() as conn:
        checks = conn.execute(text("SELECT count(*) FROM checks")).scalar_one()
        logged = conn.execute(text(
            "SELECT count(*) FROM access_log WHERE action IN ('check', 'batch_check')")).scalar_one()
        hits = conn.execute(text("SELECT count(*) FROM check_hits")).scalar_one()
    engine.dispose()
    return checks, logged, hits


def _fmt(result: dict[str, Any]) -> str:
    lat = result["latency_ms"]
    return (f"{result['rate']:,.0f}/s, p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms, "
            f"statuses {result['statuses']}, decisions {result['decisions']}")


def _bursts(slow: list[list[float]]) -> str:
    """The open loop's bursts of answers over 20 ms (a stall of the server shows as one)."""
    if not slow:
        return "no answer over 20 ms"
    shown = ", ".join(f"{n} at {at:.1f}s (over {span:.0f} ms, worst {worst:.0f} ms)"
                      for at, span, n, worst in sorted(slow, key=lambda b: -b[2])[:3])
    return f"{sum(b[2] for b in slow)} answers over 20 ms in {len(slow)} bursts; largest: {shown}"


def run(kind: str, plan: Plan, size: Sizes, chosen: list[str], seed: int, out: Path,
        keep: bool) -> list[Figure]:
    if not [n for n in figure_names(kind) if n in chosen]:
        return []
    db, data = build(kind, plan, out)
    figures = run_on(kind, db, data, plan.keys, size, chosen, seed, out)
    if not keep:
        drop_database(db)
    return figures


def server_env(db: Database, keys: Keys, out: Path) -> dict[str, str]:
    """The environment of a `chengxin` server on `db` (its keys, jobs off)."""
    return {**os.environ, "CHENGXIN_DATABASE_URL": db.url, "CHENGXIN_DATA_DIR": str(out),
            "CHENGXIN_HASH_SECRET": base64.b64encode(keys.hash_secret).decode(),
            "CHENGXIN_ENCRYPTION_KEY": base64.b64encode(keys.encryption_key).decode(),
            "CHENGXIN_JOBS_INTERVAL_SECONDS": "0",
            "PYTHONPATH": server_pythonpath()}


def run_on(kind: str, db: Database, data: CheckData, keys: Keys, size: Sizes, chosen: list[str], seed: int,
           out: Path) -> list[Figure]:
    """The check figures on a database already filled (`data`: what it holds)."""
    wanted = [n for n in figure_names(kind) if n in chosen]
    headers = checker_headers(db.url)
    figures: list[Figure] = []
    bodies = single_bodies(data, size.requests, seed)
    items, mix = batch_identifiers(data, size.batch, seed)
    black = {data.numbers[p] for p in data.listed.get("black", ())}
    numbers = {b["id_number"] for b in bodies} | {i if isinstance(i, str) else i["id_number"] for i in items}
    table = {n: "block" if n in black else "clear" for n in numbers}
    table_path, bodies_path, batch_path = out / "lookup-table.json", out / "check-bodies.json", out / "batch.json"
    table_path.write_text(json.dumps(table), encoding="utf-8")
    bodies_path.write_text(json.dumps(bodies, ensure_ascii=False), encoding="utf-8")
    batch_path.write_text(json.dumps({"scenario": SCENARIO, "department": "human_resources",
                                      "business_ref": "BENCH-BATCH", "purpose": PURPOSE,
                                      "identifiers": items}, ensure_ascii=False), encoding="utf-8")
    env = server_env(db, keys, out)
    before = _rows(db)
    ok_checks = 0
    unsure = 0  # requests given up on (the server may still have answered them)
    ours_srv = Server("chengxin", env, out)
    base_srv = Server("baseline", env, out, table_path)
    try:
        common = {"headers": headers, "bodies": str(bodies_path)}
        if f"check_throughput_{kind}" in wanted:
            log(f"check_throughput_{kind}: closed loop, {size.connections} keep-alive connections, "
                f"{size.rounds} x {size.throughput_seconds:g}s (+{size.warmup:g}s warm-up) each, "
                f"{len(bodies):,} distinct persons")
            ours, theirs = [], []
            for r in range(size.rounds):
                order = [("baseline", base_srv, LOOKUP_PATH, theirs), ("chengxin", ours_srv, CHECK_PATH, ours)]
                if r % 2:
                    order.reverse()
                for name, srv, path, sink in order:
                    res = load({**common, "mode": "closed", "port": srv.port, "path": path,
                                "connections": size.connections, "duration": size.throughput_seconds,
                                "warmup": size.warmup}, out)
                    sink.append(res)
                    log(f"check_throughput_{kind}: {name} round {r + 1}: {_fmt(res)}")
            ok_checks += sum(r["answered_ok"] for r in ours)
            best, base = max(ours, key=lambda r: r["rate"]), max(theirs, key=lambda r: r["rate"])
            ratio = best["rate"] / base["rate"] if base["rate"] else 0.0
            figures.append(Figure(
                f"check_throughput_{kind}", best["rate"], base["rate"], "req/s", f"ratio >= {TARGET_RATIO}",
                ratio >= TARGET_RATIO,
                f"POST /api/v1/checks, {size.connections} connections, best of {size.rounds} rounds",
                "minimal FastAPI dict-lookup endpoint, same server set-up and client"))
        if any(n.startswith("check_latency") for n in wanted):
            log(f"check_latency_{kind}: open loop at {RATE:,}/s for {size.latency_seconds:g}s "
                f"(+{size.warmup:g}s warm-up)")
            spec = {**common, "mode": "open", "rate": RATE, "duration": size.latency_seconds,
                    "warmup": size.warmup, "max_connections": 512}
            theirs_l = load({**spec, "port": base_srv.port, "path": LOOKUP_PATH}, out)
            log(f"check_latency_{kind}: baseline: {_fmt(theirs_l)}")
            ours_l = load({**spec, "port": ours_srv.port, "path": CHECK_PATH}, out)
            log(f"check_latency_{kind}: chengxin: {_fmt(ours_l)}; {ours_l['connections']} connections, "
                f"max send lag {ours_l['max_send_lag_ms']:.1f} ms, drained {ours_l['drain_s']:.1f}s after the "
                f"last send; {_bursts(ours_l['slow'])}")
            ok_checks += ours_l["answered_ok"]
            unsure += ours_l["unanswered"]
            for p in PERCENTILES:
                value, base = ours_l["latency_ms"][f"p{p}"], theirs_l["latency_ms"][f"p{p}"]
                figures.append(Figure(
                    f"check_latency_p{p}_at_1000rps_{kind}", value, base, "ms",
                    f"<= {TARGET_P99_MS:g} ms" if p == 99 else "", value <= TARGET_P99_MS if p == 99 else None,
                    f"POST /api/v1/checks at {RATE:,}/s offered, p{p} from the scheduled send time",
                    "minimal dict-lookup endpoint at the same offered rate"))
            figures.append(Figure(
                f"check_latency_rate_at_1000rps_{kind}", ours_l["rate"], theirs_l["rate"], "req/s",
                f">= {RATE * 0.99:,.0f}/s", ours_l["rate"] >= RATE * 0.99,
                f"checks answered per second under {RATE:,}/s offered", "lookups answered per second"))
        if f"batch_check_100k_{kind}" in wanted:
            log(f"batch_check_100k_{kind}: {len(items):,} identifiers ({mix['invalid']} invalid, "
                f"{mix['repeats']} repeated), {batch_path.stat().st_size / 1e6:.1f} MB body")
            spec = {"mode": "batch", "headers": headers, "body": str(batch_path)}
            theirs_b = load({**spec, "port": base_srv.port, "path": LOOKUP_BATCH_PATH}, out)
            log(f"batch_check_100k_{kind}: baseline {theirs_b['seconds']:.2f}s, {theirs_b['lines']:,} lines")
            ours_b = load({**spec, "port": ours_srv.port, "path": BATCH_PATH}, out)
            summary = (ours_b["last"] or {}).get("summary", {})
            log(f"batch_check_100k_{kind}: chengxin {ours_b['seconds']:.2f}s (first line after "
                f"{ours_b['first_line_s'] or 0:.2f}s), {ours_b['lines']:,} lines, status {ours_b['status']}, "
                f"summary {summary}")
            expected_errors = mix["invalid"] + mix["repeats"]
            if (ours_b["status"] != 200 or ours_b["lines"] != len(items) + 1
                    or summary.get("total") != len(items) or summary.get("errors") != expected_errors):
                raise SystemExit(f"batch answer incomplete: {ours_b}")
            ok_checks += len(items) - expected_errors
            figures.append(Figure(
                f"batch_check_100k_{kind}", ours_b["seconds"], theirs_b["seconds"], "s",
                f"<= {TARGET_BATCH_S:g} s", ours_b["seconds"] <= TARGET_BATCH_S,
                f"POST /api/v1/checks/batch with {len(items):,} identifiers until the last line",
                "the same body to a minimal streaming dict-lookup endpoint"))
    finally:
        ours_srv.stop()
        base_srv.stop()
    after = _rows(db)
    made, logged, hits = (a - b for a, b in zip(after, before, strict=True))
    log(f"checks_{kind}: {ok_checks:,} successful checks; {made:,} check rows, {logged:,} access-log rows, "
        f"{hits:,} hit rows written")
    if made != logged or not ok_checks <= made <= ok_checks + unsure:
        raise SystemExit(f"every check must be recorded and logged once: {ok_checks} checks answered, "
                         f"{made} check rows, {logged} access-log rows")
    return figures
