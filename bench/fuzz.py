"""Fuzz the whole HTTP API as every role: `python -m bench.fuzz [--db sqlite|postgres] [--requests N]`.

Builds a demo database of its own, starts a real `chengxin serve` on a free port of 127.0.0.1,
makes an API token for each identity (`IDENTITIES`) and runs schemathesis (its CLI, one run per
identity, over `/openapi.json`) with the check "no server error". Prints per identity the
requests sent and the answers by status class, every 5xx with what it takes to send it again,
and a total; exits 1 on any 5xx or request left without an answer. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench.common import log
from bench.fuzz_servers import free_port, server_errors, start_server, stop_server
from chengxin.clock import today

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/chengxin_fuzz_run"
OPERATIONS = 95  # a first guess of the schema's size; the runs measure what they send
COVERAGE_PER_IDENTITY = 3000  # what schemathesis's coverage phase sends for one identity, roughly
CLASSES = ("2xx", "3xx", "4xx", "5xx", "no_answer")
PERSON_PURPOSE = "个人住房贷款审批"


@dataclass(frozen=True)
class Identity:
    name: str
    label: str  # Chinese, for the table
    kind: str  # staff | department | person | third_party | anonymous
    roles: tuple[str, ...] = ()
    department: str | None = None


IDENTITIES = (
    Identity("anonymous", "匿名访问者", "anonymous"),
    Identity("platform_admin", "平台管理员", "staff", ("platform_admin",)),
    Identity("operator", "信用办工作人员", "staff", ("operator",)),
    Identity("auditor", "审计员", "staff", ("auditor",)),
    Identity("submitter", "部门报送（市场监管局）", "department", ("submitter",), "market_regulation"),
    Identity("checker", "部门核查（人社局）", "department", ("checker",), "human_resources"),
    Identity("department", "部门报送与核查（法院）", "department", ("submitter", "checker"), "court"),
    Identity("person", "信息主体本人", "person", ("person",)),
    Identity("third_party", "第三方机构（银行）", "third_party", ("third_party",)),
)


@dataclass
class Tally:
    """What one identity's runs sent and got back."""

    identity: Identity
    by_class: dict[str, int] = field(default_factory=dict)
    by_operation: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    rounds: int = 0
    crashed: list[str] = field(default_factory=list)  # schemathesis runs that ended in an error of their own

    @property
    def sent(self) -> int:
        return sum(self.by_class.values())

    def add(self, tally: dict[str, Any]) -> None:
        for cls, n in tally.get("by_class", {}).items():
            self.by_class[cls] = self.by_class.get(cls, 0) + n
        for op, counts in tally.get("by_operation", {}).items():
            mine = self.by_operation.setdefault(op, {})
            for cls, n in counts.items():
                mine[cls] = mine.get(cls, 0) + n


# --- the database ------------------------------------------------------------------------------


def fresh_postgres(url: str) -> str:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    return target.render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def build(settings: Any, persons: int, seed: int) -> tuple[dict[str, str], dict[str, str]]:
    """The demo database (`chengxin demo --no-serve`'s functions) and a token per identity;
    returns the tokens and the person's particulars (name, ID number, USCC of the bank)."""
    from chengxin.accounts import repository as accounts_repo
    from chengxin.accounts import service as accounts
    from chengxin.cli import prepare_database
    from chengxin.crypto import create_key_file, load_keys
    from chengxin.db import make_engine, make_sessionmaker, unit_of_work
    from chengxin.demo.accounts import THIRD_PARTY, ensure_demo_accounts
    from chengxin.demo.generate import build_demo, sample_persons
    from chengxin.objections.models import Objection

    create_key_file(settings.resolved_key_file)
    prepare_database(settings)
    built = build_demo(settings, persons=persons, seed=seed, console=Console(stderr=True, quiet=True))
    keys = load_keys(settings)
    engine = make_engine(settings.resolved_database_url)
    factory = make_sessionmaker(engine)
    tokens: dict[str, str] = {}
    with unit_of_work(factory) as session:
        ensure_demo_accounts(session, settings, built.samples)
        # The person with an objection under way (the first of the demo's sign-in examples).
        person_key = session.scalar(select(Objection.subject_key).order_by(Objection.filed_at, Objection.id))
        _, name, number = sample_persons(factory, keys)[0]
        for who in IDENTITIES:
            if who.kind == "anonymous":
                continue
            if who.kind == "person":
                account = accounts_repo.by_person_key(session, person_key) or accounts.create_account(
                    session, kind="person", display_name="本人", roles=["person"], person_key=person_key)
            elif who.kind == "third_party":
                account = next(a for a in accounts_repo.listing(session, "third_party")
                               if a.org_uscc == THIRD_PARTY[0])
            else:
                account = accounts.create_account(
                    session, kind=who.kind, display_name=f"模糊测试：{who.label}", roles=list(who.roles),
                    username=f"fuzz_{who.name}" if who.kind == "staff" else None, department_code=who.department)
            issued = accounts.issue_token(session, settings, account.id, name="模糊测试", days=30)
            tokens[who.name], tokens[f"{who.name}:id"] = issued.token, issued.id
    engine.dispose()
    return tokens, {"name": name, "id_number": number, "bank": THIRD_PARTY[0]}


def seed_over_http(url: str, tokens: dict[str, str], person: dict[str, str]) -> None:
    """Objects the demo does not make, made the way their owners make them: a check and a
    subscription by the checker, an authorisation of the bank by the person."""
    def post(who: str, path: str, body: dict[str, Any]) -> None:
        answer = httpx.post(url + path, json=body, headers={"Authorization": f"Bearer {tokens[who]}"}, timeout=30)
        if answer.status_code >= 300:
            log(f"准备数据 {path}：{answer.status_code} {answer.text[:200]}")

    post("checker", "/api/v1/checks", {"id_number": person["id_number"], "scenario": "civil_service_recruitment",
                                       "department": "human_resources", "purpose": "资格审查", "business_ref": "FZ-1"})
    post("checker", "/api/v1/watch/subscriptions", {"persons": [{"id_number": person["id_number"]}]})
    post("person", "/api/v1/me/authorisations", {
        "grantee_uscc": person["bank"], "purpose_code": "loan", "purpose": PERSON_PURPOSE, "scope": ["XZCF"],
        "valid_until": (today() + timedelta(days=60)).isoformat(), "use_mode": "repeated"})


# Path parameter -> where identifiers of objects that exist come from. `token_id` is left out on
# purpose: a real one in DELETE /api/v1/tokens/{token_id} would revoke a fuzzing identity's token.
KNOWN = {
    "check_id": "SELECT id FROM checks", "account_id": "SELECT id FROM accounts",
    "person_key": "SELECT person_key FROM persons", "uscc": "SELECT uscc FROM organisations",
    "batch_id": "SELECT id FROM batches", "entry_id": "SELECT id FROM matters WHERE origin <> 'record'",
    "record_id": "SELECT id FROM matters", "alert_id": "SELECT id FROM alerts",
    "authorisation_id": "SELECT id FROM authorisations", "seq": "SELECT seq FROM access_log",
    "objection_id": "SELECT id FROM objections", "evidence_id": "SELECT id FROM evidence_files",
    "repair_id": "SELECT id FROM repairs", "message_id": "SELECT id FROM inbox_messages",
    "tipoff_id": "SELECT id FROM tipoffs", "article_id": "SELECT id FROM articles",
    "version": "SELECT version FROM data_editions",
}


def known_ids(database_url: str) -> dict[str, list[Any]]:
    from chengxin.catalog.rules import default_catalog

    engine = create_engine(database_url)
    found: dict[str, list[Any]] = {"kind": ["catalog", "measures"], "code": sorted(default_catalog().items)[:20]}
    with engine.connect() as conn:
        for name, query in KNOWN.items():
            rows = [r[0] for r in conn.execute(text(f"{query} ORDER BY 1 LIMIT 20"))]
            if rows:
                found[name] = rows
    engine.dispose()
    return found


# --- schemathesis ----------------------------------------------------------------------------------


def run_identity(who: Identity, tokens: dict[str, str], url: str, out: Path, args: argparse.Namespace,
                 share: int, index: int) -> Tally:
    """schemathesis runs as `who` until `share` requests are sent: the first with every phase,
    then fuzzing and stateful rounds with new seeds (at most `args.max_rounds`)."""
    tally = Tally(who)
    started = time.perf_counter()
    fuzz_rate = 0.9  # requests per operation per example in the fuzzing phase, corrected as it goes
    for round_no in range(1, args.max_rounds + 1):
        remaining = share - tally.sent
        if remaining <= 0:
            break
        first = round_no == 1
        phases = "examples,coverage,fuzzing,stateful" if first and args.coverage else "examples,fuzzing,stateful"
        if not first:
            phases = "fuzzing,stateful"
        budget = remaining - (COVERAGE_PER_IDENTITY if first and args.coverage else 0)
        examples = max(1, min(args.max_examples, math.ceil(budget / (OPERATIONS * fuzz_rate))))
        stem = out / f"{who.name}-{round_no}"
        env = {**os.environ, "SCHEMATHESIS_HOOKS": "bench.fuzz_hooks", "PYTHONPATH": _pythonpath(),
               "CHENGXIN_FUZZ_TALLY": f"{stem}.tally.json", "CHENGXIN_FUZZ_FAILURES": f"{stem}.failures.jsonl",
               "CHENGXIN_FUZZ_IDS": str(out / "known-ids.json"), "NO_COLOR": "1",
               "CHENGXIN_FUZZ_KEEP_TOKENS": ",".join(v for k, v in tokens.items() if k.endswith(":id"))}
        command = [sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
                   "--checks", "not_a_server_error", "--phases", phases, "--max-examples", str(examples),
                   "--workers", str(args.workers), "--seed", str(args.seed + 1000 * index + round_no),
                   "--generation-database", "none", "--max-redirects", "0", "--request-timeout", "60",
                   "--continue-on-failure", "--no-color", "--suppress-health-check", "all"]
        if who.name in tokens:
            command += ["--header", f"Authorization: Bearer {tokens[who.name]}"]
        before = tally.sent
        with open(f"{stem}.log", "w", encoding="utf-8") as console:
            code = subprocess.run(command, env=env, cwd=out, stdout=console, stderr=subprocess.STDOUT).returncode
        if Path(f"{stem}.tally.json").exists():
            tally.add(json.loads(Path(f"{stem}.tally.json").read_text(encoding="utf-8")))
        if Path(f"{stem}.failures.jsonl").exists():
            lines = Path(f"{stem}.failures.jsonl").read_text(encoding="utf-8").splitlines()
            tally.failures += [json.loads(line) for line in lines if line.strip()]
        if code not in (0, 1):  # 1 is "a check failed", which the tally counts; anything else is its own error
            tally.crashed.append(f"{stem}.log（退出码 {code}）")
        tally.rounds = round_no
        sent = tally.sent - before
        log(f"{who.name} 第 {round_no} 轮（{phases}，每个接口至多 {examples} 例）：{sent:,} 个请求，"
            f"累计 {tally.sent:,}")
        if sent == 0 or code not in (0, 1):
            break
        if not first or not args.coverage:
            fuzz_rate = max(0.05, sent / (OPERATIONS * examples))
    tally.seconds = time.perf_counter() - started
    return tally


def _pythonpath() -> str:
    return os.pathsep.join(p for p in (str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH")) if p)


# --- the report ------------------------------------------------------------------------------------


def report(tallies: list[Tally], seconds: float, db: str, server_log: Path, show: int) -> dict[str, Any]:
    print(f"\n模糊测试（schemathesis，数据库 {db}）fuzzing over every role", flush=True)
    print(f"{'身份 identity':<18}{'请求 requests':>14}" + "".join(f"{c:>11}" for c in CLASSES) + f"{'秒 s':>9}")
    total: dict[str, int] = {}
    for t in tallies:
        print(f"{t.identity.name:<18}{t.sent:>14,}" + "".join(f"{t.by_class.get(c, 0):>11,}" for c in CLASSES)
              + f"{t.seconds:>9.0f}")
        for c, n in t.by_class.items():
            total[c] = total.get(c, 0) + n
    sent = sum(total.values())
    print(f"{'合计 total':<18}{sent:>14,}" + "".join(f"{total.get(c, 0):>11,}" for c in CLASSES) + f"{seconds:>9.0f}")
    failures = [(t.identity.name, f) for t in tallies for f in t.failures]
    if failures:
        print(f"\n服务器错误与未答复的请求 server errors and requests left unanswered：{len(failures)}")
        seen: dict[str, int] = {}
        for who, f in failures:
            key = f"{f['operation']} {f['status']}"
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > show:
                continue
            print(f"- [{who}] {f['status'] or '无答复'} {f['method']} {f['path']}")
            if f.get("headers"):
                print(f"    请求头 headers: {json.dumps(f['headers'], ensure_ascii=False)}")
            if f.get("body") is not None:
                print(f"    请求体 body ({f['body_bytes']} 字节): {_printable(f['body'])}")
            if f.get("answer"):
                print(f"    答复 answer: {f['answer'][:300]}")
        for key, n in seen.items():
            if n > show:
                print(f"  （{key} 共 {n} 次，只列出前 {show} 次）")
        print(f"  每一个都在 {server_log.parent}/<身份>-<轮次>.failures.jsonl（every one of them is there）")
        causes = server_errors(server_log)
        if causes:
            print("\n服务器日志中的异常 exceptions in the server log:")
            for line, n in causes.most_common():
                print(f"  {n:>6} × {line}")
    crashed = [c for t in tallies for c in t.crashed]
    for c in crashed:
        print(f"schemathesis 自身出错，见 {c}")
    print(f"\n结论 verdict: {'通过 passed: no 5xx' if not failures and not crashed else '未通过 FAILED'}"
          f"（{sent:,} 个请求，{len(failures)} 个服务器错误或未答复，用时 {seconds:.0f} 秒）", flush=True)
    summary = {"bench": "fuzz", "db": db, "requests": sent, "by_class": total, "server_errors": len(failures),
               "seconds": round(seconds, 1), "crashed": len(crashed),
               "identities": {t.identity.name: {"requests": t.sent, **t.by_class} for t in tallies}}
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    # The file also says which operations answered each identity with a success: proof that its
    # credential worked and the fuzzer got past the permission gates.
    summary["succeeded"] = {t.identity.name: sorted(op for op, c in t.by_operation.items() if c.get("2xx"))
                            for t in tallies}
    return summary


def _printable(text: str) -> str:
    """Control characters of a generated body escaped, so that they do not drive the terminal."""
    return "".join(c if c.isprintable() or c == "\n" else repr(c)[1:-1] for c in text)


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__.splitlines()[0])
    p.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    p.add_argument("--database-url", help="PostgreSQL URL of the database to (re)create; default "
                                          "CHENGXIN_FUZZ_POSTGRES_URL or " + DEFAULT_POSTGRES)
    p.add_argument("--requests", type=int, default=100_000, help="requests to send in all, shared by the identities")
    p.add_argument("--persons", type=int, default=300, help="persons of the demo database")
    p.add_argument("--workers", type=int, default=4, help="concurrent requests of each schemathesis run")
    p.add_argument("--parallel", type=int, default=2, help="identities fuzzed at the same time")
    p.add_argument("--max-examples", type=int, default=2000, help="cap on examples per operation in one round")
    p.add_argument("--max-rounds", type=int, default=4, help="schemathesis runs per identity at most")
    p.add_argument("--no-coverage", dest="coverage", action="store_false",
                   help="leave out schemathesis's coverage phase (about 3,000 requests per identity)")
    p.add_argument("--only", action="append", help="only these identities (repeatable)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--show", type=int, default=5, help="5xx listed per operation and status")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "fuzz")
    p.add_argument("--keep", action="store_true", help="keep the PostgreSQL database (the SQLite file and the logs "
                                                       "stay in --out)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from chengxin.settings import Settings

    args = parse(argv)
    who = [i for i in IDENTITIES if not args.only or i.name in args.only]
    out = args.out.resolve() / args.db
    shutil.rmtree(out, ignore_errors=True)
    (out / "data").mkdir(parents=True, mode=0o700)
    if args.db == "postgres":
        database_url = fresh_postgres(args.database_url or os.environ.get("CHENGXIN_FUZZ_POSTGRES_URL")
                                      or DEFAULT_POSTGRES)
    else:
        database_url = f"sqlite:///{out / 'data' / 'chengxin.db'}"
    settings = Settings(data_dir=out / "data", database_url=database_url)
    started = time.perf_counter()
    log(f"生成演示数据库（{args.persons} 人）：{make_url(database_url).render_as_string(hide_password=True)}")
    tokens, person = build(settings, args.persons, args.seed)
    port = free_port()
    server_log = out / "server.log"
    server = start_server(settings, port, server_log, _pythonpath())
    url = f"http://127.0.0.1:{port}"
    try:
        seed_over_http(url, tokens, person)
        (out / "known-ids.json").write_text(json.dumps(known_ids(database_url)), encoding="utf-8")
        share = math.ceil(args.requests / len(who))
        log(f"服务已启动 {url}；{len(who)} 个身份，每个约 {share:,} 个请求")
        # Identities run side by side (`--parallel`): a schemathesis process spends most of its time
        # generating cases on one core, and the server has room for more than one client.
        with ThreadPoolExecutor(args.parallel) as pool:
            tallies = list(pool.map(lambda n: run_identity(who[n], tokens, url, out, args, share, n),
                                    range(len(who))))
    finally:
        stop_server(server)
        if args.db == "postgres" and not args.keep:
            drop_postgres(database_url)
    summary = report(tallies, time.perf_counter() - started, args.db, server_log, args.show)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return 1 if summary["server_errors"] or summary["crashed"] else 0


if __name__ == "__main__":
    sys.exit(main())
