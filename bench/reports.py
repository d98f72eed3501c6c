"""Credit reports (issue 16, "Measured"): how long a signed report takes, and how fast one is verified.

    python -m bench.reports [--db sqlite|postgres|both] [--runs N] [--seconds S] [--load-seconds S]

One person with 50 matters, submitted through the JSON batch API (`POST /api/v1/records/batches`, the
real ingest) by the departments that decide them: penalties (general and simple procedure) from five
departments, a court's 失信被执行人 listing and a consumption restriction, tax arrears, awards and
honours, volunteer service, blood donation, qualifications, practice registrations and licences,
decided over the last three years; and a few checks and file queries by others, so the self report has
its "who queried the file" summary. A fresh database (SQLite in a temporary directory, or the
PostgreSQL database `chengxin_bench_report` on CHENGXIN_BENCH_POSTGRES_URL's server), a fresh key file
and the demo seal (`reports.seal`), as `chengxin serve` makes them.

- `report_issue_p50/p95_<db>`: seconds of `reports.service.issue` for the self report (content from the
  credit file, WeasyPrint layout, PAdES seal with pyHanko, register row and access-log entry, committed),
  called in-process in a transaction of its own as the request has; baseline: `render_pdf` of the same
  `Content` (same template, font and library), no signature, no register. The two alternate run by run.
- `report_rate_<db>`: reports per minute, one process issuing back to back for `--seconds`; baseline:
  unsigned layouts of the same content per minute, same harness.
- `report_rate_2proc_<db>`: the same with two processes at once (separate interpreters: layout is
  Python and holds the GIL, so threads would not help); baseline: the one-process rate.
- `report_pdf_kb_<db>`: the signed PDF's size (and pages); baseline: the unsigned PDF.
- `report_verify_rate_<db>`: `GET /api/v1/reports/verify?number=..&code=..` per second on a real uvicorn
  server (`bench.check_server chengxin`: the app as `chengxin serve` builds it, one process) over every
  report the run issued, 16 keep-alive connections of a separate load process (`bench.mixed_load`);
  baseline: `GET /api/v1/repairs/commitment` on the same server, the same way: the cheapest public JSON
  route (public permission and its rate limiter, no database). `report_verify_vs_healthz_<db>` is the
  same rate beside `GET /healthz` (public, one database read). The public rate limiter is off
  (CHENGXIN_PUBLIC_RATE_PER_MINUTE=0): all requests come from one address.
"""

from __future__ import annotations

import argparse
import base64
import json
import multiprocessing
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from bench.checks import ROOT, Server, server_pythonpath
from bench.common import Database, Figure, drop_database, fresh_database, log, percentile
from chengxin.accounts import service as accounts
from chengxin.app import create_app
from chengxin.callers import Caller
from chengxin.catalog.rules import default_catalog
from chengxin.clock import today
from chengxin.crypto import create_key_file, load_keys
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.demo.generate import LISTING_NOTICE
from chengxin.demo.generate import _value as demo_value
from chengxin.demo.synth import citizen_id
from chengxin.reports import service
from chengxin.reports.document import font_path, render_pdf
from chengxin.reports.endpoints import own_request
from chengxin.reports.schemas import OwnReportIn
from chengxin.reports.seal import load_seal
from chengxin.settings import Settings

DB_NAME = "chengxin_bench_report"
TARGET_P95_S = 1.0
TARGET_VERIFY_RATIO = 0.5
CONNECTIONS = 16
ID_NUMBER = citizen_id("110105", date(1985, 6, 15), 317)  # synthetic: checksum-valid, belongs to nobody
NAME = "王建国"
VERIFY = "/api/v1/reports/verify"
BARE = "/api/v1/repairs/commitment"
HEALTH = "/healthz"
# The 50 records: (item, department, how many). Every field the catalog declares for the item is filled
# by the demo generator's rules (required ones always, the others most of the time).
MIX: tuple[tuple[str, str, int], ...] = (
    ("XZCF-01", "market_regulation", 8), ("XZCF-01", "tax", 3), ("XZCF-01", "transport", 3),
    ("XZCF-01", "health", 2), ("XZCF-02", "transport", 4), ("XZCF-02", "public_security", 4),
    ("SFCP-01", "court", 1), ("SFCP-02", "court", 1), ("QTXZ-01", "tax", 2),
    ("XZJL-01", "market_regulation", 5), ("BZJL-01", "human_resources", 3), ("ZYFW-02", "civilization_office", 1),
    ("ZYFW-01", "civil_affairs", 2), ("WCXX-01", "blood_center", 1), ("ZYZG-01", "human_resources", 2),
    ("ZYZG-01", "education", 2), ("ZYZG-02", "health", 2), ("XZXK-01", "market_regulation", 2),
    ("XZXK-01", "transport", 2),
)


def machine_load() -> str:
    """The machine's load averages (1 and 5 min): the figures of a shared machine read in their light."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f}/{five:.2f} on {os.cpu_count()} CPUs"


def figure_names(kind: str) -> list[str]:
    return [f"report_issue_p50_{kind}", f"report_issue_p95_{kind}", f"report_rate_{kind}",
            f"report_rate_2proc_{kind}", f"report_pdf_kb_{kind}", f"report_verify_rate_{kind}",
            f"report_verify_vs_healthz_{kind}"]


# --- the data set -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bench:
    """The bench's platform: its data directory, database, settings and the measured person."""

    kind: str
    data: Path
    db: Database
    person_key: str
    account_id: str

    def settings(self) -> Settings:
        return Settings(data_dir=self.data, database_url=self.db.url, jobs_interval_seconds=0,
                        public_rate_per_minute=0, report_per_person_day=0)


def _rows(day: date, seed: int) -> dict[str, list[dict[str, Any]]]:
    """The person's 50 records as JSON batch rows, by department."""
    rng = random.Random(seed)
    catalog = default_catalog()
    rows: dict[str, list[dict[str, Any]]] = {}
    serial = 0
    for code, dept, count in MIX:
        item = catalog.items[code]
        for _ in range(count):
            serial += 1
            # The court listing within its two years; the rest over the last three years.
            decided = day - timedelta(days=rng.randrange(120, 600) if code == "SFCP-01" else rng.randrange(10, 3 * 365))
            fields = {spec.name: demo_value(rng, spec, decided, catalog.departments[dept], serial)
                      for spec in item.fields if spec.required or spec.name in LISTING_NOTICE or rng.random() < 0.7}
            rows.setdefault(dept, []).append({
                "item_code": code, "id_type": "citizen_id", "id_number": ID_NUMBER, "name": NAME,
                "source_record_id": f"BENCH-RPT-{dept.upper()}-{serial:04d}", "decision_date": decided.isoformat(),
                "fields": fields})
    return rows


def build(kind: str, out: Path, seed: int) -> Bench:
    data = Path(tempfile.mkdtemp(prefix="bench-report-", dir=out))
    db = fresh_database(kind, DB_NAME, data)
    settings = Settings(data_dir=data, database_url=db.url, jobs_interval_seconds=0, public_rate_per_minute=0)
    create_key_file(settings.resolved_key_file)
    engine = make_engine(db.url)
    factory = make_sessionmaker(engine)
    rows = _rows(today(), seed)

    def bearer(account_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {accounts.issue_token(session, settings, account_id, name='bench').token}"}

    with unit_of_work(factory) as session:
        submitters = {dept: bearer(accounts.create_account(
            session, kind="department", display_name=f"{dept} 报送系统（基准）", roles=["submitter", "checker"],
            department_code=dept).id) for dept in [*rows, "human_resources"]}
        operator = bearer(accounts.create_account(session, kind="staff", display_name="信用办（基准）",
                                                  roles=["operator"]).id)
        key = load_keys(settings).subject_key("citizen_id", ID_NUMBER)
        account = accounts.create_account(session, kind="person", display_name=NAME, roles=["person"],
                                          person_key=key)
        account_id = account.id
    client = TestClient(create_app(settings, engine=engine))
    for dept, dept_rows in rows.items():
        res = client.post("/api/v1/records/batches", json={"records": dept_rows}, headers=submitters[dept])
        body = res.json()
        if res.status_code != 201 or body.get("rejected"):
            raise SystemExit(f"bench records of {dept} rejected: {res.status_code} {res.text[:1000]}")
    # Others who read the file: a recruiting department's checks and the credit office's file queries.
    for n in range(3):
        res = client.post("/api/v1/checks", headers=submitters["human_resources"], json={
            "id_type": "citizen_id", "id_number": ID_NUMBER, "scenario": "civil_service_recruitment",
            "department": "human_resources", "business_ref": f"BENCH-RPT-{n}", "purpose": "公务员招录资格审查"})
        assert res.status_code == 200, res.text
    for _ in range(2):
        res = client.post("/api/v1/files/query", headers=operator, json={"id_number": ID_NUMBER})
        assert res.status_code == 200, res.text
    client.close()
    engine.dispose()
    return Bench(kind, data, db, key, account_id)


# --- issuing --------------------------------------------------------------------------------------


class Issuer:
    """`service.issue` for the person's self report, as `POST /api/v1/me/reports` calls it."""

    def __init__(self, bench: Bench) -> None:
        settings = bench.settings()
        self.engine = make_engine(settings.resolved_database_url)
        self.factory = make_sessionmaker(self.engine)
        app = create_app(settings, engine=self.engine)
        state = app.state
        self.ctx = service.Context(catalog=state.catalog, keys=state.keys, tiers=state.tiers,
                                   seal=load_seal(settings), settings=settings, site=state.site)
        self.font = font_path(settings.report_font)
        self.caller = Caller.of(frozenset({"person"}), account_id=bench.account_id, person_key=bench.person_key)

    def issue(self) -> service.Issued:
        """Content, layout, seal and register, committed (the request's transaction)."""
        with unit_of_work(self.factory) as session:
            return service.issue(session, own_request(self.caller, OwnReportIn(variant="self")), self.ctx)

    def issue_timed(self) -> tuple[service.Issued, float]:
        """`issue`, and the seconds its own layout (`render_pdf` inside it) took: what the rest (content,
        seal, register) costs is the difference within the same run, whatever the machine's noise."""
        layout = service.render_pdf
        spent: list[float] = []

        def timed(*args: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return layout(*args, **kw)
            finally:
                spent.append(time.perf_counter() - t0)

        service.render_pdf = timed  # type: ignore[assignment]
        try:
            return self.issue(), sum(spent)
        finally:
            service.render_pdf = layout  # type: ignore[assignment]

    def render(self, content: Any) -> bytes:
        """The baseline: the same content laid out by the same library, unsigned, unregistered."""
        return render_pdf(content, self.font).pdf

    def close(self) -> None:
        self.engine.dispose()


def _worker(bench: Bench, commands: Any, results: Any) -> None:
    """A process that issues (or lays out) reports back to back in the windows it is given."""
    issuer = Issuer(bench)
    content = issuer.issue().content  # warm-up: templates, fonts, seal, connections
    issuer.render(content)
    results.put(("ready", 0, 0.0))
    while (command := commands.get()) is not None:
        mode, begin, seconds = command
        while time.time() < begin:
            time.sleep(0.001)
        done, end = 0, begin + seconds
        while time.time() < end:
            if mode == "issue":
                issuer.issue()
            else:
                issuer.render(content)
            done += 1
        results.put((mode, done, time.time() - begin))  # the last one may end past the window: its time counts
    issuer.close()


def rates(bench: Bench, seconds: float, rounds: int = 2) -> dict[str, float]:
    """Per minute: signed reports from one process (`issue`), unsigned layouts from one process (`render`)
    and signed reports from two processes at once (`issue2`). Two worker processes (each its own
    interpreter) are started and warmed up once; the three kinds of window then alternate, `rounds`
    times each in all for `seconds` in all, so that other load on the machine falls on all three."""
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    commands = [spawn.Queue(), spawn.Queue()]
    procs = [spawn.Process(target=_worker, args=(bench, q, results)) for q in commands]
    for p in procs:
        p.start()
    try:
        for _ in procs:
            results.get(timeout=300)
        totals = {"issue": [0, 0.0], "render": [0, 0.0], "issue2": [0, 0.0]}
        plan = list(totals)
        for r in range(rounds):
            for kind in (plan if r % 2 == 0 else plan[::-1]):
                begin = time.time() + 0.05
                workers = commands if kind == "issue2" else commands[:1]
                for q in workers:
                    q.put(("render" if kind == "render" else "issue", begin, seconds / rounds))
                got = [results.get(timeout=600) for _ in workers]
                totals[kind][0] += sum(n for _, n, _ in got)
                totals[kind][1] += max(e for _, _, e in got)
    finally:
        for q in commands:
            q.put(None)
        for p in procs:
            p.join(timeout=120)
    for p in procs:
        if p.exitcode != 0:
            raise SystemExit(f"report worker failed with {p.exitcode}")
    return {kind: 60.0 * n / elapsed for kind, (n, elapsed) in totals.items()}


def issue_figures(bench: Bench, runs: int, seconds: float) -> tuple[list[Figure], dict[str, Any]]:
    kind = bench.kind
    issuer = Issuer(bench)
    try:
        for _ in range(3):  # warm-up: templates compiled, the font loaded, connections open
            issued = issuer.issue()
            issuer.render(issued.content)
        content = issued.content
        log(f"report_{kind}: {content.matter_count} matters in {len(content.sections)} categories, "
            f"{len(content.lists)} list lines, {len(getattr(content, 'queries', ()) or ())} query lines; "
            f"{runs} runs of issue and of the unsigned layout, alternating; {machine_load()}")
        ours: list[float] = []
        base: list[float] = []
        rest: list[float] = []  # issue minus its own layout: content, seal, register
        signed_pdf, plain_pdf, pages = issued.pdf, issuer.render(content), issued.report.pages

        def one_issue() -> None:
            nonlocal content, signed_pdf, pages
            t0 = time.perf_counter()
            got, layout = issuer.issue_timed()
            ours.append(time.perf_counter() - t0)
            rest.append(ours[-1] - layout)
            content, signed_pdf, pages = got.content, got.pdf, got.report.pages

        def one_render() -> None:
            nonlocal plain_pdf
            t0 = time.perf_counter()
            plain_pdf = issuer.render(content)
            base.append(time.perf_counter() - t0)

        for i in range(runs):
            for call in ((one_issue, one_render) if i % 2 == 0 else (one_render, one_issue)):
                call()
    finally:
        issuer.close()
    ours.sort()
    base.sort()
    rest.sort()
    log(f"report_{kind}: issue p50 {percentile(ours, 50):.3f}s p95 {percentile(ours, 95):.3f}s max {ours[-1]:.3f}s, "
        f"of which all but its own layout (content, seal, register) p50 {percentile(rest, 50):.3f}s "
        f"p95 {percentile(rest, 95):.3f}s; "
        f"unsigned layout p50 {percentile(base, 50):.3f}s p95 {percentile(base, 95):.3f}s; "
        f"signed PDF {len(signed_pdf) / 1024:.0f} KB, {pages} pages (unsigned {len(plain_pdf) / 1024:.0f} KB); "
        f"{machine_load()}")
    log(f"report_{kind}: reports per minute: windows of 1 process issuing, 1 process laying out, 2 processes "
        f"issuing, alternating, {seconds:g}s of each in all")
    per_minute = rates(bench, seconds)
    one, layouts, two = per_minute["issue"], per_minute["render"], per_minute["issue2"]
    log(f"report_{kind}: {one:.1f} reports/min in 1 process, {two:.1f} in 2 processes "
        f"({os.cpu_count()} CPUs); {layouts:.1f} unsigned layouts/min in 1 process; {machine_load()}")
    what = f"{content.matter_count} matters, {pages} pages"
    figures = [
        Figure(f"report_issue_p50_{kind}", percentile(ours, 50), percentile(base, 50), "s", "info", None,
               f"service.issue, self report ({what}): content + layout + seal + register, p50 of {runs}",
               "render_pdf of the same Content (WeasyPrint), no signature, no register, p50"),
        Figure(f"report_issue_p95_{kind}", percentile(ours, 95), percentile(base, 95), "s",
               f"p95 <= {TARGET_P95_S:g} s", percentile(ours, 95) <= TARGET_P95_S,
               f"service.issue, self report ({what}), p95 of {runs}", "render_pdf of the same Content, p95"),
        Figure(f"report_rate_{kind}", one, layouts, "rep/min", "info", None,
               f"signed self reports per minute, 1 process back to back ({seconds:g}s in 2 windows)",
               "unsigned layouts of the same content per minute, 1 process"),
        Figure(f"report_rate_2proc_{kind}", two, one, "rep/min", "info", None,
               f"signed self reports per minute, 2 processes at once ({os.cpu_count()} CPUs)",
               "the same from 1 process"),
        Figure(f"report_pdf_kb_{kind}", len(signed_pdf) / 1024, len(plain_pdf) / 1024, "KB", "info", None,
               f"signed PDF ({pages} pages, A4, font subset embedded)", "the unsigned PDF of the same content"),
    ]
    return figures, {"pages": pages}


# --- verification ---------------------------------------------------------------------------------


def _get(path: str) -> str:
    head = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    return base64.b64encode(head.encode()).decode()


def _load(port: int, kind: str, raws: list[str], seconds: float, warmup: float, out: Path) -> dict[str, Any]:
    spec = {"port": port, "connections": CONNECTIONS, "warmup": warmup, "duration": seconds, "cycle": [kind],
            "expected": {kind: 200}, "requests": {kind: raws}}
    path = out / f"report-load-{kind}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bench.mixed_load", str(path)], cwd=ROOT, capture_output=True,
                          text=True)
    path.unlink(missing_ok=True)
    if done.returncode != 0:
        raise SystemExit(f"load generator failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def _verify_log(db: Database) -> dict[str, int]:
    engine = make_engine(db.url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT result, count(*) FROM access_log WHERE action = 'report_verify' "
                                 "GROUP BY result")).all()
    engine.dispose()
    return {str(r): int(n) for r, n in rows}


def verify_figures(bench: Bench, seconds: float, warmup: float, rounds: int) -> list[Figure]:
    kind = bench.kind
    engine = make_engine(bench.db.url)
    with engine.connect() as conn:
        issued = conn.execute(text("SELECT number, check_code FROM reports")).all()
    engine.dispose()
    env = {**os.environ, "CHENGXIN_DATABASE_URL": bench.db.url, "CHENGXIN_DATA_DIR": str(bench.data),
           "CHENGXIN_JOBS_INTERVAL_SECONDS": "0", "CHENGXIN_PUBLIC_RATE_PER_MINUTE": "0",
           "PYTHONPATH": server_pythonpath()}
    for name in ("HASH_SECRET", "ENCRYPTION_KEY", "SIGNING_KEY", "KEY_FILE"):
        env.pop(f"CHENGXIN_{name}", None)  # the bench's own key file in its data directory
    verify = [_get(f"{VERIFY}?number={n}&code={c}") for n, c in issued]
    paths = {"verify": verify, "bare": [_get(BARE)], "healthz": [_get(HEALTH)]}
    server = Server("chengxin", env, bench.data)
    results: dict[str, list[dict[str, Any]]] = {k: [] for k in paths}
    try:
        number, code = issued[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{VERIFY}?number={number}&code={code}") as res:
            answer = json.loads(res.read())
        if answer["status"] != "valid":
            raise SystemExit(f"a report the bench just issued does not verify as valid: {answer}")
        before = _verify_log(bench.db)
        log(f"report_verify_{kind}: {len(issued):,} issued reports; {CONNECTIONS} keep-alive connections, "
            f"{rounds} x {seconds:g}s (+{warmup:g}s warm-up) each of verify, {BARE} and {HEALTH}, alternating")
        for r in range(rounds):
            order = ["bare", "verify", "healthz"] if r % 2 == 0 else ["healthz", "verify", "bare"]
            for name in order:
                res = _load(server.port, name, paths[name], seconds, warmup, bench.data)
                results[name].append(res)
                lat = res["latency_ms"]
                log(f"report_verify_{kind}: {name} round {r + 1}: {res['rate']:,.1f}/s, p50 {lat['p50']:.1f} ms, "
                    f"p99 {lat['p99']:.1f} ms, statuses {res['statuses']}; {machine_load()}")
    finally:
        server.stop()
    after = _verify_log(bench.db)
    answered = sum(res["statuses"].get("verify", {}).get("200", 0) for res in results["verify"])
    logged = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    log(f"report_verify_{kind}: {answered:,} verifications answered 200; access-log entries by result {logged}")
    if logged.get("valid", 0) < answered or set(logged) - {"valid"}:
        raise SystemExit(f"every verification must say valid and be logged once: {answered} answered, {logged}")
    best = {k: max(r["rate"] for r in v) for k, v in results.items()}
    ratio = best["verify"] / best["bare"] if best["bare"] else 0.0
    return [
        Figure(f"report_verify_rate_{kind}", best["verify"], best["bare"], "req/s",
               f"ratio >= {TARGET_VERIFY_RATIO:g}", ratio >= TARGET_VERIFY_RATIO,
               f"GET {VERIFY} over {len(issued):,} reports of 50 matters, {CONNECTIONS} connections, "
               f"best of {rounds}", f"GET {BARE} (public, no database), same server and client"),
        Figure(f"report_verify_vs_healthz_{kind}", best["verify"], best["healthz"], "req/s", "info", None,
               f"GET {VERIFY}, best of {rounds}", f"GET {HEALTH} (public, one database read), same server and client"),
    ]


# --- the figures ----------------------------------------------------------------------------------


def sizes(quick: bool) -> dict[str, float]:
    if quick:
        return {"runs": 10, "seconds": 8.0, "load_seconds": 3.0, "warmup": 1.0, "rounds": 1}
    return {"runs": 40, "seconds": 20.0, "load_seconds": 5.0, "warmup": 1.0, "rounds": 2}


def run(kind: str, chosen: list[str], out: Path, *, runs: int, seconds: float, load_seconds: float,
        warmup: float, rounds: int, seed: int = 2026, keep: bool = False) -> list[Figure]:
    wanted = [n for n in figure_names(kind) if n in chosen]
    if not wanted:
        return []
    t0 = time.perf_counter()
    bench = build(kind, out, seed)
    log(f"report_{kind}: person with 50 records through the batch API, database {bench.db.name} "
        f"({time.perf_counter() - t0:.1f}s)")
    figures: list[Figure] = []
    try:
        if any(n.startswith("report_issue") or n.startswith("report_rate") or n.startswith("report_pdf")
               for n in wanted):
            made, _ = issue_figures(bench, runs, seconds)
            figures += made
        if any(n.startswith("report_verify") for n in wanted):
            if not figures:  # reports to verify
                issuer = Issuer(bench)
                for _ in range(runs):
                    issuer.issue()
                issuer.close()
            figures += verify_figures(bench, load_seconds, warmup, rounds)
    finally:
        if keep:
            log(f"report_{kind}: kept {bench.db.url} (data directory {bench.data})")
        else:
            drop_database(bench.db)
            shutil.rmtree(bench.data, ignore_errors=True)
    return [f for f in figures if f.bench in wanted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="10 runs, shorter rate and load windows")
    parser.add_argument("--runs", type=int, default=None, help="issues (and unsigned layouts) timed (default 40)")
    parser.add_argument("--seconds", type=float, default=None,
                        help="seconds of each reports-per-minute run (default 20)")
    parser.add_argument("--load-seconds", type=float, default=None,
                        help="seconds of each verification load round (default 5, after 1 s warm-up)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    parser.add_argument("--keep", action="store_true", help="keep the database and data directory")
    args = parser.parse_args(argv)
    size = sizes(args.quick)
    args.out.mkdir(parents=True, exist_ok=True)
    kinds = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    figures: list[Figure] = []
    for kind in kinds:
        for fig in run(kind, figure_names(kind), args.out, runs=args.runs or int(size["runs"]),
                       seconds=args.seconds or size["seconds"], load_seconds=args.load_seconds or size["load_seconds"],
                       warmup=size["warmup"], rounds=int(size["rounds"]), keep=args.keep):
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
