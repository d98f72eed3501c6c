"""Figures of the tamper-evident access log.

`audit_verify_1m_<db>`: seconds of `chengxin audit verify` (a subprocess, as an operator runs it)
over 1,000,000 sealed log entries, against reading the same rows raw from the database.
`audit_seal_1m_<db>` (info): seconds to seal them (ten seals of a tenth each), against appending them.
`access_log_cost_<db>`: single checks per second of the check service path in-process
(`chengxin.checks.service.run_checks`, one transaction per check as a request has) with the
access-log append, against the same with `log_reads` replaced by a no-op; rounds alternate.
"""

from __future__ import annotations

import base64
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.check_data import Plan, build
from bench.common import Database, Figure, drop_database, fresh_database, log
from chengxin import ids
from chengxin.access.sealing import seal
from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller
from chengxin.clock import utcnow
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.signing import Signer

ROOT = Path(__file__).resolve().parent.parent
TARGET_VERIFY_S = 60.0
TARGET_COST_RATIO = 0.85
SEALS = 10
BLOCK = 100  # checks per block of the cost figure; the modes alternate block by block
CALL_ROWS = 200  # entries per log_reads call while filling (a batch check's worth, COPY on PostgreSQL)
DEPARTMENTS = ("human_resources", "market_regulation", "court", "tax", "housing", "transport")
PURPOSES = ("公务员招录资格审查", "行政许可审查", "政府采购供应商审查", "财政资金补助审核", "评优评先审核")
USCCS = ("91350100M000100Y43", "91110000600037341L", "91310115MA1K3BTP2B")


@dataclass(frozen=True)
class Sizes:
    entries: int  # log entries for the verify figure
    persons: int  # persons of the check data set for the cost figure
    list_entries: int
    checks: int  # single checks per round
    rounds: int  # rounds per mode, alternating


def sizes(quick: bool, entries: int | None) -> Sizes:
    if quick:
        return Sizes(entries or 100_000, 20_000, 2_000, 1_000, 2)
    return Sizes(entries or 1_000_000, 100_000, 10_000, 3_000, 3)


def figure_names(kind: str) -> list[str]:
    return [f"audit_verify_1m_{kind}", f"audit_seal_1m_{kind}", f"access_log_cost_{kind}"]


def _callers() -> list[Caller]:
    out = [Caller.of(frozenset({"checker"}), department_code=d, account_id=ids.new_id()) for d in DEPARTMENTS]
    out += [Caller.of(frozenset({"third_party"}), org_uscc=u, account_id=ids.new_id()) for u in USCCS]
    out += [Caller.of(frozenset({"operator"}), account_id=ids.new_id()),
            Caller.of(frozenset({"person"}), account_id=ids.new_id())]
    return out


def fill(db: Database, count: int, seed: int, signer: Signer) -> tuple[float, float]:
    """Append `count` synthetic entries through `log_reads` (the real append path), sealing after
    each tenth; returns (append seconds, seal seconds)."""
    rng = random.Random(seed + 53)
    engine = make_engine(db.url)
    factory = make_sessionmaker(engine)
    callers = _callers()
    start = utcnow() - timedelta(days=1)
    append_s = seal_s = 0.0
    done = 0
    per_seal = -(-count // SEALS)
    while done < count:
        part = min(per_seal, count - done)
        t0 = time.perf_counter()
        with unit_of_work(factory) as session:
            for first in range(done, done + part, CALL_ROWS):
                n = min(CALL_ROWS, done + part - first)
                caller = rng.choice(callers)
                reads = [Read(f"{rng.getrandbits(128):032x}", rng.choice(("clear", "clear", "block", "ok")),
                              ref) for ref in ids.new_ids(n)]
                log_reads(session, caller, "check" if caller.role == "checker" else "file", reads,
                          purpose=rng.choice(PURPOSES), basis="civil_service_recruitment",
                          business_ref=f"BENCH-{first:08d}", at=start + timedelta(milliseconds=first))
        t1 = time.perf_counter()
        with unit_of_work(factory) as session:
            seal(session, signer)
        t2 = time.perf_counter()
        append_s += t1 - t0
        seal_s += t2 - t1
        done += part
        log(f"audit [{db.kind}]: {done:,} entries appended and sealed")
    engine.dispose()
    return append_s, seal_s


def raw_read(db: Database) -> tuple[float, int]:
    """Seconds to read every log row in seq order on a raw driver connection, fetching all."""
    t0 = time.perf_counter()
    if db.kind == "sqlite":
        import sqlite3

        conn = sqlite3.connect(str(db.path))
        rows = len(conn.execute("SELECT * FROM access_log ORDER BY seq").fetchall())
        conn.close()
    else:
        import psycopg

        with psycopg.connect(db.psycopg_dsn()) as conn, conn.cursor(name="raw") as cur:
            cur.itersize = 20_000
            cur.execute("SELECT * FROM access_log ORDER BY seq")
            rows = sum(1 for _ in cur)
    return time.perf_counter() - t0, rows


def verify_cli(db: Database, signer_seed: bytes, out: Path) -> float:
    """Seconds of `chengxin audit verify --no-record` as a subprocess (start-up included)."""
    env = {**os.environ, "CHENGXIN_DATABASE_URL": db.url, "CHENGXIN_DATA_DIR": str(out),
           "CHENGXIN_SIGNING_KEY": base64.b64encode(signer_seed).decode(), "COLUMNS": "120",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from chengxin.cli import app; app()", "audit", "verify",
                           "--no-record"], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0 or "校验通过" not in done.stderr:
        raise SystemExit(f"audit verify failed ({done.returncode}):\n{done.stderr[-3000:]}")
    log(f"audit verify: {done.stderr.strip().splitlines()[-1]}")
    return seconds


def run_verify(kind: str, size: Sizes, chosen: list[str], seed: int, out: Path, keep: bool) -> list[Figure]:
    names = [n for n in (f"audit_verify_1m_{kind}", f"audit_seal_1m_{kind}") if n in chosen]
    if not names:
        return []
    seed_bytes = random.Random(seed).randbytes(32)
    signer = Signer.from_seed(seed_bytes)
    db = fresh_database(kind, "chengxin_bench_audit" if kind == "postgres" else "audit", out)
    log(f"audit [{kind}]: appending {size.entries:,} entries via log_reads, sealing every {SEALS}th")
    append_s, seal_s = fill(db, size.entries, seed, signer)
    if kind == "postgres":
        import psycopg

        with psycopg.connect(db.psycopg_dsn(), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    figures = []
    if f"audit_verify_1m_{kind}" in names:
        raw_s, rows = raw_read(db)
        assert rows == size.entries, (rows, size.entries)
        verify_s = verify_cli(db, seed_bytes, out)
        figures.append(Figure(
            f"audit_verify_1m_{kind}", verify_s, raw_s, "s", f"< {TARGET_VERIFY_S:g} s", verify_s < TARGET_VERIFY_S,
            f"chengxin audit verify over {size.entries:,} sealed entries in {SEALS} signed heads (subprocess)",
            "SELECT * FROM access_log ORDER BY seq, all rows fetched on a raw driver connection"))
    if f"audit_seal_1m_{kind}" in names:
        figures.append(Figure(
            f"audit_seal_1m_{kind}", seal_s, append_s, "s", "", None,
            f"chengxin.access.sealing.seal of {size.entries:,} entries in {SEALS} seals",
            f"appending the same entries through log_reads ({CALL_ROWS} per call)"))
    if not keep:
        drop_database(db)
    return figures


# --- the append's share of a check ---------------------------------------------------------------


def run_cost(kind: str, plan: Plan, size: Sizes, chosen: list[str], seed: int, out: Path,
             keep: bool) -> list[Figure]:
    name = f"access_log_cost_{kind}"
    if name not in chosen:
        return []
    from bench.checks import LISTED_SHARE, PURPOSE, SCENARIO, _listed_people
    from chengxin.catalog.rules import default_catalog
    from chengxin.checks import service as checks
    from chengxin.clock import today
    from chengxin.publicity.rules import default_tiers
    from chengxin.sanctions.measures import default_measures

    db, data = build(kind, plan, out, name="chengxin_bench_audit_checks" if kind == "postgres" else "audit_checks")
    engine = make_engine(db.url)
    factory = make_sessionmaker(engine)
    ctx = checks.CheckContext(default_catalog(), default_measures(), default_tiers())
    caller = Caller.of(frozenset({"checker"}), department_code="human_resources", account_id=ids.new_id())
    rng = random.Random(seed + 59)
    listed = _listed_people(data)
    hasher = plan.keys.hasher()
    people = [rng.choice(listed) if rng.random() < LISTED_SHARE else rng.randrange(len(data.numbers))
              for _ in range(size.checks * size.rounds * 2)]
    keys = [hasher("citizen_id", data.numbers[p]) for p in people]
    as_of = today()
    real = checks.log_reads

    def no_log(session: Any, caller: Caller, action: str, reads: Any, **kw: Any) -> int:
        return 0

    def block(with_log: bool, batch: list[str]) -> float:
        """Seconds for these checks, one transaction each."""
        checks.log_reads = real if with_log else no_log
        t0 = time.perf_counter()
        for n, key in enumerate(batch):
            with unit_of_work(factory) as session:
                checks.run_checks(session, ctx, caller, [key], scenario=SCENARIO, business_ref=f"COST-{n:07d}",
                                  purpose=PURPOSE, as_of=as_of)
        return time.perf_counter() - t0

    # Blocks of BLOCK checks alternate between the modes (which one goes first alternates too), so a
    # change in the machine's load falls on both alike; each mode's rate is over all its blocks.
    log(f"{name}: {size.rounds} rounds x {size.checks:,} single checks per mode, in alternating blocks of {BLOCK}")
    spent = {True: 0.0, False: 0.0}
    done = {True: 0, False: 0}
    times: dict[bool, list[float]] = {True: [], False: []}
    try:
        for mode in (True, False):  # warm-up: caches, plans, the pool
            block(mode, keys[: size.checks // 4])
        at = 0
        for r in range(size.rounds):
            before = dict(spent)
            for b in range(size.checks // BLOCK):
                for mode in ((True, False) if b % 2 == 0 else (False, True)):
                    times[mode].append(block(mode, keys[at : at + BLOCK]))
                    spent[mode] += times[mode][-1]
                    done[mode] += BLOCK
                    at += BLOCK
            per = {m: size.checks / (spent[m] - before[m]) for m in (True, False)}
            log(f"{name}: round {r + 1}: {per[True]:,.0f} checks/s with the log, {per[False]:,.0f} without "
                f"(ratio {per[True] / per[False]:.3f})")
    finally:
        checks.log_reads = real
    engine.dispose()
    if not keep:
        drop_database(db)
    # The median block: a burst of another process's load on the machine falls on a few blocks.
    with_log, without = BLOCK / statistics.median(times[True]), BLOCK / statistics.median(times[False])
    log(f"{name}: over all blocks {done[True] / spent[True]:,.0f} checks/s with the log, "
        f"{done[False] / spent[False]:,.0f} without (ratio {spent[False] / spent[True]:.3f}); "
        f"median blocks {with_log:,.0f} and {without:,.0f} (ratio {with_log / without:.3f})")
    return [Figure(name, with_log, without, "checks/s", f"ratio >= {TARGET_COST_RATIO}",
                   with_log / without >= TARGET_COST_RATIO,
                   f"run_checks in-process, one check per transaction, access-log append on "
                   f"(median of {len(times[True])} blocks of {BLOCK})",
                   "the same with log_reads replaced by a no-op, blocks alternating with the value's")]
