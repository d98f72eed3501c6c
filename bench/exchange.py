"""Exchange between platforms (issue 17, "Measured"): changes per second from county to city, and the lag.

    python -m bench.exchange [--db sqlite|postgres|both] [--quick] [--changes N] [--seconds S] [--profile]

Two real platforms, each its own data directory, database (SQLite file, or the PostgreSQL databases
`chengxin_bench_xcounty` / `chengxin_bench_xcity` on CHENGXIN_BENCH_POSTGRES_URL's server), key file and
`chengxin serve` subprocess on a free port: the county 341021 凤台县 sends up to the city 340400 淮南市
(neighbours.yaml on both, each with the other's public key). A market-regulation system account with an API
token on each platform, made in-process as `tests/exchange/platforms.py` seeds them. The platforms run on the
wall clock (no CHENGXIN_CLOCK_START), so the county's and the city's timestamps compare.

Rows: N synthetic 行政处罚 (XZCF-01) JSON batch rows (checksum-valid citizen IDs that belong to nobody, one
record per person), submitted in batches of 2,000. Each phase has its own persons (the same generator, the
same shape and count), so that every phase creates its persons at the city as a first ingest does: run on the
same persons, whichever came second would find them there and be cheaper.

- `exchange_service_<db>`: changes/s of `exchange.service.send_round` called in-process on the county's
  database with its keys (numbering and sealing, a signed batch of 2,000 POSTed to the city's real
  `chengxin serve`, which verifies and applies it whole and answers a signed receipt), N / the time until
  the county's acked_through covers the N changes; the rows were submitted at the county first, untimed.
  Baseline: the city's own raw ingest of N rows (`POST /api/v1/records/batches` at the city with its own
  market-regulation token, batches of 2,000), N / wall time. Target ratio >= 0.5.
- `exchange_file_<db>`: the whole file-mode path for N more changes, as deployed: `send_round` at the county
  writes batch files into its outbox (the city's inbox: the gate), the city's `serve` exchange loop (every
  0.2 s) imports each file whole and writes a signed receipt back, and the county reads the receipts; from
  the first file written until the county's acked_through covers the N changes.
  Same baseline and target.
- `exchange_lag_p50/p95/max_<db>`: the county's `serve` runs its exchange loop
  (CHENGXIN_EXCHANGE_INTERVAL_SECONDS=0.2) while a paced loop submits 100 records every 0.1 s to it (1,000
  changes/s) for `--seconds` (30; 10 with --quick). Lag of a change = city exchange_applied.applied_at -
  county exchange_outgoing.created_at for the same number (applied_at is stamped as the city starts applying
  its batch; the county's acked_at, after the city's commit and receipt, is logged beside it). Baseline: the
  same percentile of the county's own time to take a batch of 100 (the POST's round trip) under that load.
  `exchange_lag_rate_<db>`: changes/s the county actually took, beside the 1,000/s asked. Info only.
"""

from __future__ import annotations

import argparse
import base64
import cProfile
import io
import os
import pstats
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from sqlalchemy import text

from bench.checks import ROOT, server_pythonpath
from bench.common import Database, Figure, drop_database, fresh_database, log, percentile
from bench.data import persons as synthetic_persons
from bench.reports import machine_load
from chengxin.accounts import service as accounts
from chengxin.clock import today
from chengxin.crypto import create_key_file, load_keys
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.editions.service import current_or_packaged
from chengxin.exchange import feed, service
from chengxin.settings import Settings
from chengxin.signing import load_signer

COUNTY = ("county", "341021", "凤台县公共信用信息平台")
CITY = ("city", "340400", "淮南市公共信用信息平台")
DEPARTMENT = "market_regulation"
BATCH = 2000  # rows per POST of the city's own ingest (the baseline)
# Changes per exchange batch: the platform's default (CHENGXIN_EXCHANGE_BATCH_CHANGES).
EXCHANGE_BATCH = Settings.model_fields["exchange_batch_changes"].default
TARGET_RATIO = 0.5
PACE_RATE = 1000  # changes/s asked of the county during the lag run
PACE_BATCH = 100
WARM = 1000  # rows each server takes before anything is timed
SERVE = [sys.executable, "-c", "from chengxin.cli import app; app()"]  # `chengxin`, with this interpreter


def figure_names(kind: str) -> list[str]:
    return [f"exchange_service_{kind}", f"exchange_file_{kind}", f"exchange_lag_p50_{kind}",
            f"exchange_lag_p95_{kind}", f"exchange_lag_max_{kind}", f"exchange_lag_rate_{kind}"]


def sizes(quick: bool) -> dict[str, float]:
    if quick:
        return {"changes": 6000, "seconds": 10.0, "rounds": 2}
    # Two rounds of 10,000: a stream of five batches each way. Rounds of 5,000 (three batches, the last a
    # half) measured the pipeline's filling and draining more than the stream.
    return {"changes": 20000, "seconds": 30.0, "rounds": 2}


# --- the platforms --------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Node:
    """One platform: data directory, database, key file, a department token, `chengxin serve` on a port."""

    name: str
    code: str
    title: str
    data: Path
    db: Database
    port: int = field(default_factory=_free_port)
    token: str = ""
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> Settings:
        return Settings(data_dir=self.data, database_url=self.db.url, node_code=self.code, node_name=self.title,
                        neighbours_file=self.data / "neighbours.yaml", public_url=self.url, jobs_interval_seconds=0,
                        exchange_interval_seconds=0, exchange_batch_changes=EXCHANGE_BATCH)

    def start(self, interval: float = 0) -> None:
        """`chengxin serve` with the platform's settings and none of the shell's CHENGXIN_* (a signing key
        there would give both nodes the same key), on the wall clock; returns once /healthz answers."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CHENGXIN_")}
        env.update({"PYTHONPATH": server_pythonpath(), "CHENGXIN_DATA_DIR": str(self.data),
                    "CHENGXIN_DATABASE_URL": self.db.url, "CHENGXIN_NODE_CODE": self.code,
                    "CHENGXIN_NODE_NAME": self.title, "CHENGXIN_NEIGHBOURS_FILE": str(self.data / "neighbours.yaml"),
                    "CHENGXIN_PUBLIC_URL": self.url, "CHENGXIN_JOBS_INTERVAL_SECONDS": "0",
                    "CHENGXIN_EXCHANGE_INTERVAL_SECONDS": f"{interval:g}",
                    "CHENGXIN_EXCHANGE_BATCH_CHANGES": str(EXCHANGE_BATCH)})
        with (self.data / "serve.log").open("ab") as console:
            self.proc = subprocess.Popen([*SERVE, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                                         cwd=ROOT, env=env, stdout=console, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"{self.name} did not start:\n{(self.data / 'serve.log').read_text()[-3000:]}")
            time.sleep(0.2)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def submit(self, http: httpx.Client, rows: list[dict[str, Any]]) -> None:
        res = http.post(f"{self.url}/api/v1/records/batches", json={"records": rows},
                        headers={"Authorization": f"Bearer {self.token}"})
        body = res.json() if res.headers.get("content-type", "").endswith("json") else {}
        if res.status_code != 201 or body.get("rejected"):
            raise SystemExit(f"{self.name} refused a batch: {res.status_code} {res.text[:1000]}")

    def submit_all(self, rows: list[dict[str, Any]], batch: int = BATCH) -> float:
        """POST the rows in batches; the wall time."""
        with httpx.Client(timeout=600) as http:
            t0 = time.perf_counter()
            for i in range(0, len(rows), batch):
                self.submit(http, rows[i:i + batch])
            return time.perf_counter() - t0

    def public_key(self) -> str:
        return base64.b64encode(load_signer(self.settings()).public_key()).decode()

    def scalar(self, sql: str, **params: Any) -> Any:
        engine = make_engine(self.db.url)
        try:
            with engine.connect() as conn:
                return conn.execute(text(sql), params).scalar()
        finally:
            engine.dispose()

    def rows(self, sql: str, **params: Any) -> list[Any]:
        engine = make_engine(self.db.url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(text(sql), params).all())
        finally:
            engine.dispose()


def make_node(kind: str, spec: tuple[str, str, str], out: Path) -> Node:
    """Data directory, database at head with the catalog's departments, key file and the department's token."""
    name, code, title = spec
    data = Path(tempfile.mkdtemp(prefix=f"bench-x{name}-", dir=out))
    db = fresh_database(kind, f"chengxin_bench_x{name}", data)
    node = Node(name, code, title, data, db)
    settings = node.settings()
    create_key_file(settings.resolved_key_file)
    engine = make_engine(db.url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            acc = accounts.create_account(session, kind="department", display_name=f"{DEPARTMENT} 报送系统（基准）",
                                          roles=["submitter", "checker"], department_code=DEPARTMENT)
            node.token = accounts.issue_token(session, settings, acc.id, name="bench-exchange").token
    finally:
        engine.dispose()
    return node


def write_neighbours(county: Node, city: Node, mode: str, shared: Path) -> None:
    """county --up--> city, in service or file mode (file: the county's outbox is the city's inbox)."""
    up, down = shared / "341021-to-340400", shared / "340400-to-341021"
    for folder in (up, down):
        folder.mkdir(parents=True, exist_ok=True)

    def entry(other: Node, direction: str, outbox: Path, inbox: Path) -> dict[str, Any]:
        e: dict[str, Any] = {"code": other.code, "name": other.title, "direction": direction, "mode": mode,
                             "public_key": other.public_key()}
        if mode == "service":
            e["url"] = other.url
        else:
            e.update({"outbox": str(outbox), "inbox": str(inbox)})
        return e

    for node, doc in ((county, entry(city, "up", up, down)), (city, entry(county, "down", down, up))):
        path = node.data / "neighbours.yaml"
        path.write_text(yaml.safe_dump({"neighbours": [doc]}, allow_unicode=True), encoding="utf-8")
        os.utime(path, ns=(time.time_ns(), time.time_ns()))  # a new mtime: the serve re-reads it at once


class InProcess:
    """A platform's database, keys, catalog and signer in this process, as `chengxin exchange` loads them."""

    def __init__(self, node: Node) -> None:
        self.settings = node.settings()
        self.engine = make_engine(node.db.url)
        self.factory = make_sessionmaker(self.engine)
        self.keys = load_keys(self.settings)
        self.catalog, _ = current_or_packaged(self.factory)
        self.signer = load_signer(self.settings)

    def node(self) -> Any:
        """This platform's node; its settings become the ones the feed's hooks read (this process plays
        the county and the city in turn)."""
        feed.install(self.settings)
        return feed.current_node(self.settings)

    def send(self) -> service.Round:
        node = self.node()
        return service.send_round(self.factory, self.keys, self.catalog, self.signer, node, node.neighbours[0],
                                  batch=EXCHANGE_BATCH)

    def import_files(self) -> service.Imported:
        node = self.node()
        return service.import_inbox(self.factory, self.keys, self.catalog, self.signer, node, node.neighbours[0],
                                    max_bytes=self.settings.exchange_max_batch_bytes)

    def close(self) -> None:
        self.engine.dispose()


# --- rows -----------------------------------------------------------------------------------------


def penalty_rows(people: list[Any], tag: str, day: date, seed: int) -> list[dict[str, Any]]:
    """One XZCF-01 JSON batch row per person (fields as a market regulator fills them)."""
    rng = random.Random(seed)
    rows = []
    for n, person in enumerate(people, 1):
        decided = day - timedelta(days=rng.randrange(30, 330))
        fine = rng.random() < 0.6
        rows.append({
            "item_code": "XZCF-01", "id_type": "citizen_id", "id_number": person.number, "name": person.name,
            "source_record_id": f"SCJG-X{tag}-{n:08d}", "decision_date": decided.isoformat(),
            "fields": {"decision_no": f"淮市监罚〔{decided.year}〕{tag}{n}号",
                       "violation": rng.choice(("无证经营", "虚假宣传", "超范围经营", "销售过期食品")),
                       "facts": "经查，当事人在经营活动中存在上述违法行为，事实清楚，证据确凿。",
                       "penalty_type": "罚款" if fine else "警告",
                       **({"fine_amount": f"{rng.uniform(0.05, 20):.2f}"} if fine else {}),
                       "basis": "《中华人民共和国行政处罚法》第二十八条", "authority": "市市场监督管理局"}})
    return rows


# --- the phases -----------------------------------------------------------------------------------


def _acked(county: Node) -> int:
    return int(county.scalar("SELECT acked_through FROM exchange_peers WHERE code = :c", c=CITY[1]) or 0)


def _applied(city: Node) -> int:
    return int(city.scalar("SELECT count(*) FROM exchange_applied WHERE sender = :s AND status = 'applied'",
                           s=COUNTY[1]) or 0)


def _profiled(call: Any, profile: bool, what: str) -> Any:
    if not profile:
        return call()
    prof = cProfile.Profile()
    result = prof.runcall(call)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(45)
    log(f"cProfile of {what} (cumulative):\n{buf.getvalue()}")
    return result


def service_phase(county: Node, city: Node, rows: list[dict[str, Any]], profile: bool) -> float:
    before = _acked(county)
    t0 = time.perf_counter()
    county.submit_all(rows)
    log(f"exchange service: {len(rows):,} rows submitted at the county in {time.perf_counter() - t0:.1f}s (untimed)")
    proc = InProcess(county)
    try:
        t0 = time.perf_counter()
        got = _profiled(proc.send, profile, "send_round (service mode)")
        elapsed = time.perf_counter() - t0
    finally:
        proc.close()
    acked = _acked(county)
    if got.error or acked != before + len(rows):
        raise SystemExit(f"service mode: acked through {acked}, expected {before + len(rows)}; {got}")
    return elapsed


def file_phase(county: Node, city: Node, rows: list[dict[str, Any]], profile: bool) -> dict[str, float]:
    """The file-mode path as deployed: the county writes batch files into the shared folder (the gate),
    the city's `serve` exchange loop (every 0.2 s) imports them and writes receipts back, and the county
    reads the receipts; from the first file written until the county holds receipts for all."""
    before = _acked(county)
    t0 = time.perf_counter()
    county.submit_all(rows)
    log(f"exchange file: {len(rows):,} rows submitted at the county in {time.perf_counter() - t0:.1f}s (untimed)")
    at_county = InProcess(county)
    target = before + len(rows)
    try:
        t0 = time.perf_counter()
        sent = _profiled(at_county.send, profile, "send_round (file mode, batch files written)")
        t1 = time.perf_counter()
        receipts = 0
        while _acked(county) < target:
            if time.perf_counter() - t1 > 300:
                raise SystemExit(f"file mode: the city's loop did not confirm {target} in 300 s")
            time.sleep(0.05)
            receipts += at_county.send().files_read
        t2 = time.perf_counter()
    finally:
        at_county.close()
    log(f"exchange file: {sent.files_written} files written in {t1 - t0:.2f}s; the city's loop imported them and "
        f"the county read {receipts} receipts {t2 - t1:.2f}s later")
    return {"export": t1 - t0, "import": t2 - t1, "receipts": 0.0, "total": t2 - t0}


@dataclass
class Lag:
    asked: float
    achieved: float
    taken: int
    seconds: float
    backlog_at_end: int
    drained_in: float | None
    applied: list[float]  # seconds, sorted
    acked: list[float]
    posts: list[float]  # seconds of each 100-record POST, sorted
    missing: int
    refused: dict[str, int]  # records the county refused under the load, by status and code


def lag_phase(county: Node, city: Node, people: list[Any], seconds: float, seed: int) -> Lag:
    """The county's serve runs its exchange loop while a paced loop submits 1,000 changes/s to it."""
    county.stop()
    county.start(interval=0.2)
    rows = penalty_rows(people, "L", today(), seed + 3)
    # The restarted county warmed first, as the servers were before the rounds: a cold server's first
    # batches (imports, templates, connections) would be charged to the exchange's lag.
    warm, rows = rows[:WARM], rows[WARM:]
    county.submit_all(warm, batch=PACE_BATCH)
    t0 = time.perf_counter()
    while int(county.scalar("SELECT count(*) FROM exchange_outgoing WHERE neighbour = :c AND acked_at IS NULL",
                            c=CITY[1]) or 0) and time.perf_counter() - t0 < 60:
        time.sleep(0.1)
    base = int(county.scalar("SELECT last_seq FROM exchange_peers WHERE code = :c", c=CITY[1]) or 0)
    batches = [rows[i:i + PACE_BATCH] for i in range(0, len(rows), PACE_BATCH)]
    posts: list[float] = []
    lock = threading.Lock()
    local = threading.local()

    failed: dict[str, int] = {}

    def post(batch: list[dict[str, Any]]) -> None:
        http = getattr(local, "http", None) or httpx.Client(timeout=120)
        local.http = http
        t0 = time.perf_counter()
        res = http.post(f"{county.url}/api/v1/records/batches", json={"records": batch},
                        headers={"Authorization": f"Bearer {county.token}"})
        with lock:
            posts.append(time.perf_counter() - t0)
            if res.status_code != 201:  # counted, not fatal: a county that refuses under load is a finding
                code = res.json().get("code") if "json" in res.headers.get("content-type", "") else ""
                key = f"{res.status_code} {code}"
                failed[key] = failed.get(key, 0) + len(batch)

    log(f"exchange lag: {PACE_RATE:,} changes/s asked of the county ({PACE_BATCH} every "
        f"{PACE_BATCH / PACE_RATE:g}s) for {seconds:g}s, its exchange loop every 0.2s; {machine_load()}")
    # An open loop: a batch is sent at its time even when earlier ones are still being answered (up to 8 at
    # once); one that cannot be sent on time goes as soon as a sender is free, so a county that cannot keep
    # the pace shows it in the achieved rate.
    pool = ThreadPoolExecutor(max_workers=8)
    start = time.perf_counter()
    futures = []
    for k, batch in enumerate(batches):
        due = start + k * PACE_BATCH / PACE_RATE
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        futures.append(pool.submit(post, batch))
    for f in futures:
        f.result()
    pool.shutdown()
    took = time.perf_counter() - start
    if failed:
        errors = [line for line in (county.data / "serve.log").read_text(errors="replace").splitlines()
                  if "Error" in line or "locked" in line][-5:]
        log(f"exchange lag: the county refused batches under the load (records by status): {failed}; "
            f"its console: {errors}")
    taken = len(rows) - sum(failed.values())
    backlog = int(county.scalar("SELECT count(*) FROM exchange_outgoing WHERE neighbour = :c AND acked_at IS NULL",
                                c=CITY[1]) or 0)
    log(f"exchange lag: {taken:,} records taken in {took:.1f}s ({taken / took:,.0f}/s); backlog at the end "
        f"{backlog:,}; {machine_load()}")
    t0, drained = time.perf_counter(), None
    while time.perf_counter() - t0 < 120:
        left = int(county.scalar("SELECT count(*) FROM exchange_outgoing WHERE neighbour = :c AND acked_at IS NULL",
                                 c=CITY[1]) or 0)
        if left == 0:
            drained = time.perf_counter() - t0
            break
        time.sleep(0.1)
    made = {int(s): (c, a) for s, c, a in county.rows(
        "SELECT seq, created_at, acked_at FROM exchange_outgoing WHERE neighbour = :c AND seq > :b",
        c=CITY[1], b=base)}
    applied_at = {int(s): a for s, a in city.rows(
        "SELECT seq, applied_at FROM exchange_applied WHERE sender = :s AND seq > :b", s=COUNTY[1], b=base)}
    lags, acks = [], []
    for seq, (created, acked) in made.items():
        if seq in applied_at:
            lags.append((_aware(applied_at[seq]) - _aware(created)).total_seconds())
        if acked is not None:
            acks.append((_aware(acked) - _aware(created)).total_seconds())
    county.stop()
    county.start()
    return Lag(PACE_RATE, taken / took, taken, took, backlog, drained, sorted(lags), sorted(acks),
               sorted(posts), taken - len(lags), failed)


def _aware(value: Any) -> datetime:
    from datetime import UTC

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- the figures ----------------------------------------------------------------------------------


def run(kind: str, chosen: list[str], out: Path, *, changes: int, seconds: float, rounds: int = 4,
        seed: int = 2026, keep: bool = False, profile: bool = False) -> list[Figure]:
    wanted = [n for n in figure_names(kind) if n in chosen]
    if not wanted:
        return []
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    lag_rows = int(PACE_RATE * seconds)
    people = synthetic_persons(3 * changes + WARM + lag_rows + 2 * WARM, seed)
    day = today()
    warm = people[3 * changes + WARM + lag_rows:]
    raw_rows = penalty_rows(people[:changes], "R", day, seed)
    service_rows = penalty_rows(people[changes:2 * changes], "S", day, seed + 1)
    file_rows = penalty_rows(people[2 * changes:3 * changes], "F", day, seed + 2)
    county, city = make_node(kind, COUNTY, out), make_node(kind, CITY, out)
    shared = Path(tempfile.mkdtemp(prefix="bench-xfiles-", dir=out))
    figures: list[Figure] = []
    try:
        write_neighbours(county, city, "service", shared)
        county.start()
        city.start(interval=0.2)  # the city's exchange loop imports file-mode batches as a deployment does
        log(f"exchange_{kind}: county {county.url} and city {city.url} up, databases {county.db.name} / "
            f"{city.db.name} ({time.perf_counter() - t0:.1f}s); {changes:,} changes per phase, exchange batches of "
            f"{EXCHANGE_BATCH:,}")
        # Both servers warmed first (catalog, templates, connections, the first persons): a cold server's
        # first batches are slower, and the baseline would be charged for them.
        city.submit_all(penalty_rows(warm[:WARM], "WC", day, seed + 4), batch=WARM // 2)
        county.submit_all(penalty_rows(warm[WARM:], "WK", day, seed + 5), batch=WARM // 2)
        warming = InProcess(county)
        warming.send()  # the county's warm-up rows go up too: the city's intake is warm as well
        warming.close()
        # Rounds: a share of each phase per round, the order reversed every other round, so that a burst of
        # other load on the machine falls on the baseline and the exchange alike.
        per = changes // rounds
        raw = svc = 0.0
        files = {"export": 0.0, "import": 0.0, "receipts": 0.0, "total": 0.0}
        for r in range(rounds):
            part = slice(r * per, (r + 1) * per)
            for phase in (("raw", "service", "file") if r % 2 == 0 else ("file", "service", "raw")):
                if phase == "raw":
                    took = city.submit_all(raw_rows[part])
                    raw += took
                elif phase == "service":
                    write_neighbours(county, city, "service", shared)
                    took = service_phase(county, city, service_rows[part], profile)
                    svc += took
                else:
                    write_neighbours(county, city, "file", shared)
                    got = file_phase(county, city, file_rows[part], profile)
                    files = {k: files[k] + got[k] for k in files}
                    took = got["total"]
                log(f"exchange_{kind}: round {r + 1}/{rounds}, {phase}: {per:,} in {took:.2f}s, {per / took:,.0f}/s; "
                    f"{machine_load()}")
        changes = per * rounds
        raw_rate, svc_rate, file_rate = changes / raw, changes / svc, changes / files["total"]
        log(f"exchange_{kind}: {changes:,} each: the city's own ingest {raw:.2f}s ({raw_rate:,.0f}/s); service mode "
            f"{svc:.2f}s ({svc_rate:,.0f}/s, ratio {svc_rate / raw_rate:.2f}); file mode {files['total']:.2f}s "
            f"({file_rate:,.0f}/s, ratio {file_rate / raw_rate:.2f}: files written {files['export']:.2f}s, all "
            f"confirmed {files['import']:.2f}s later)")
        if _applied(city) != 2 * changes + WARM:
            raise SystemExit(f"the city applied {_applied(city)} changes from the county, expected "
                             f"{2 * changes + WARM}")
        what_raw = f"the city's own POST /api/v1/records/batches of {changes:,} rows in batches of {BATCH:,}, rows/s"
        figures += [
            Figure(f"exchange_service_{kind}", svc_rate, raw_rate, "changes/s", f"ratio >= {TARGET_RATIO:g}",
                   svc_rate / raw_rate >= TARGET_RATIO,
                   f"send_round (service mode) county -> city serve, {changes:,} changes until acked", what_raw),
            Figure(f"exchange_file_{kind}", file_rate, raw_rate, "changes/s", f"ratio >= {TARGET_RATIO:g}",
                   file_rate / raw_rate >= TARGET_RATIO,
                   f"file mode: files written {files['export']:.1f}s, all confirmed by the city's loop "
                   f"{files['import']:.1f}s later, {changes:,} changes", what_raw),
        ]
        if any(n.startswith("exchange_lag") for n in wanted):
            write_neighbours(county, city, "service", shared)
            lag = lag_phase(county, city, people[3 * changes:3 * changes + WARM + lag_rows], seconds, seed)
            p = {q: percentile(lag.applied, q) for q in (50, 95)}
            log(f"exchange_{kind}: lag to the city's apply p50 {p[50]:.2f}s p95 {p[95]:.2f}s max "
                f"{lag.applied[-1] if lag.applied else float('nan'):.2f}s over {len(lag.applied):,} changes; "
                f"to the county's ack p50 {percentile(lag.acked, 50):.2f}s p95 {percentile(lag.acked, 95):.2f}s; "
                f"{lag.missing:,} not applied after the drain; county took {lag.achieved:,.0f}/s of "
                f"{lag.asked:,.0f}/s, POST of 100 p50 {percentile(lag.posts, 50) * 1000:.0f} ms "
                f"p95 {percentile(lag.posts, 95) * 1000:.0f} ms; "
                f"backlog {lag.backlog_at_end:,} when the load stopped, "
                + (f"drained {lag.drained_in:.1f}s later" if lag.drained_in is not None else "not drained in 120s"))
            what = f"{lag.taken:,} changes at {lag.asked:,.0f}/s asked for {seconds:g}s, exchange loop every 0.2s"
            if lag.refused:
                what += f"; records refused by the county under the load: {lag.refused}"
            post = "the county's own POST of 100 records under that load"
            figures += [
                Figure(f"exchange_lag_p50_{kind}", p[50], percentile(lag.posts, 50), "s", "info", None,
                       f"lag county created_at -> city applied_at, p50, {what}", f"{post}, p50"),
                Figure(f"exchange_lag_p95_{kind}", p[95], percentile(lag.posts, 95), "s", "info", None,
                       f"lag county created_at -> city applied_at, p95, {what}", f"{post}, p95"),
                Figure(f"exchange_lag_max_{kind}", lag.applied[-1] if lag.applied else float("nan"),
                       lag.posts[-1], "s", "info", None,
                       f"lag, max; backlog {lag.backlog_at_end:,} when the load stopped", f"{post}, max"),
                Figure(f"exchange_lag_rate_{kind}", lag.achieved, lag.asked, "changes/s", ">= 990/s",
                       lag.achieved >= 990, "records/s the county took (answered 201) during the lag run"
                       + (f", refused {lag.refused}" if lag.refused else ""), "the pace asked"),
            ]
    finally:
        county.stop()
        city.stop()
        if keep:
            log(f"exchange_{kind}: kept {county.db.url}, {city.db.url} ({county.data}, {city.data}, {shared})")
        else:
            for node in (county, city):
                drop_database(node.db)
                shutil.rmtree(node.data, ignore_errors=True)
            shutil.rmtree(shared, ignore_errors=True)
    return [f for f in figures if f.bench in wanted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.exchange", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "postgresql", "both"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="6,000 changes per phase, a 10 s lag run")
    parser.add_argument("--changes", type=int, default=None, help="changes per phase (default 20,000)")
    parser.add_argument("--seconds", type=float, default=None, help="seconds of the 1,000/s lag run (default 30)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds of raw ingest / service / file, alternating (default 2)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the in-process send_round and import_inbox (slows them: not for figures)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--keep", action="store_true", help="keep the databases and data directories")
    args = parser.parse_args(argv)
    size = sizes(args.quick)
    kinds = ("sqlite", "postgres") if args.db == "both" else ("postgres" if args.db == "postgresql" else args.db,)
    figures: list[Figure] = []
    for kind in kinds:
        for fig in run(kind, figure_names(kind), args.out, changes=args.changes or int(size["changes"]),
                       seconds=args.seconds or size["seconds"], rounds=args.rounds or int(size["rounds"]),
                       seed=args.seed, keep=args.keep,
                       profile=args.profile):
            figures.append(fig)
            print(fig.table_line(), file=sys.stderr, flush=True)
    print("\n== 结果 results " + "=" * 100, file=sys.stderr)
    for fig in figures:
        print(fig.table_line(), file=sys.stderr)
        print(f"   {'':<24} value: {fig.what}; baseline: {fig.against}", file=sys.stderr)
    sys.stderr.flush()
    for fig in figures:
        print(fig.json_line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
