"""Figures of a mixed workload over HTTP: what the platform answers when requests overlap.

32 keep-alive clients in a closed loop (`bench.mixed_load`) on a real uvicorn server
(`bench.check_server chengxin`: the app as `chengxin serve` builds it, one process), each going
round the same mix: checks, credit-file queries (an operator's `POST /api/v1/files/query`, a
person's own `GET /api/v1/me/file`), sign-ins that succeed and that fail, CSV uploads,
objections with evidence and tip-offs. The baseline is the same mix from one client at a time,
on the same server and data, so the ratio says what concurrency gains (or costs).

- `mixed_rate_<db>`: answers per second that came back as they should (200/201, 401 for a wrong
  password) in the measuring window;
- `mixed_errors_<db>`: server errors (5xx or a dropped connection) over the whole run, plus
  refused sign-ins whose security event is not in the database; the target is none;
- `mixed_latency_p99_<db>`: p99 of the answers that came back as they should (info).

Every account, token, person and record is made before the server starts or through its API;
identities are synthetic (`bench.data`).
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.checks import ROOT, Server, server_pythonpath
from bench.common import Database, Figure, drop_database, fresh_database, log
from bench.data import persons as synthetic_persons
from chengxin.clock import today
from chengxin.crypto import Keys
from chengxin.db import make_engine, make_sessionmaker, unit_of_work

CLIENTS = 32
# One round of a client, 24 requests: checks are the bulk of the traffic, as on a platform in
# service; sign-ins are rarer (each one costs argon2's tenth of a second of processor time).
CYCLE = ("check", "file_query", "own_file", "check", "upload", "check", "objection", "login_failed",
         "check", "file_query", "tipoff", "own_file", "check", "file_query", "own_file", "check", "upload",
         "check", "objection", "login_ok", "check", "file_query", "tipoff", "own_file")
EXPECTED = {"check": 200, "file_query": 200, "own_file": 200, "login_ok": 200, "login_failed": 401,
            "upload": 201, "objection": 201, "tipoff": 201}
PASSWORD = "Bench-Mixed-2026!"
PDF = b"%PDF-1.7\n% synthetic evidence\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
UPLOAD_HEADERS = ["证件号码", "姓名", "源记录编号", "决定日期", "行政处罚决定书文号", "违法行为类型", "违法事实",
                  "处罚类别", "处罚依据", "处罚机关", "罚款金额（万元）"]


def figure_names(kind: str) -> list[str]:
    return [f"mixed_rate_{kind}", f"mixed_errors_{kind}", f"mixed_latency_p99_{kind}"]


def _raw(method: str, path: str, headers: dict[str, str], body: bytes = b"",
         content_type: str | None = None) -> str:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}",
            *([f"Content-Type: {content_type}"] if content_type else []),
            *(f"{k}: {v}" for k, v in headers.items())]
    return base64.b64encode(("\r\n".join(head) + "\r\n\r\n").encode() + body).decode()


def _json(method: str, path: str, headers: dict[str, str], body: Any) -> str:
    return _raw(method, path, headers, json.dumps(body, ensure_ascii=False).encode(), "application/json")


def _multipart(path: str, headers: dict[str, str], fields: dict[str, str],
               files: list[tuple[str, str, bytes, str]]) -> str:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content, media in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {media}\r\n\r\n".encode())
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return _raw("POST", path, headers, out.getvalue(), f"multipart/form-data; boundary={boundary}")


def _penalty(number: str, name: str, source_id: str, decided: str) -> dict[str, Any]:
    return {"item_code": "XZCF-01", "id_type": "citizen_id", "id_number": number, "name": name,
            "source_record_id": source_id, "decision_date": decided,
            "fields": {"decision_no": f"京朝市监罚〔2026〕{source_id}号", "violation": "无证经营",
                       "facts": "经查，当事人未取得许可从事经营活动。", "penalty_type": "罚款", "fine_amount": "1.50",
                       "basis": "《中华人民共和国行政处罚法》", "authority": "市市场监督管理局"}}


def _upload_csv(n: int, people: list[Any], decided: str) -> bytes:
    buf = io.StringIO()
    buf.write(",".join(UPLOAD_HEADERS) + "\n")
    for r in range(10):
        p = people[(n * 10 + r) % len(people)]
        buf.write(f"{p.number},{p.name},MIX-{n:05d}-{r},{decided},市监罚〔2026〕{n}-{r}号,超范围经营,经查属实。,"
                  "警告,《中华人民共和国行政处罚法》,市市场监督管理局,\n")
    return buf.getvalue().encode()


class Accounts:
    """The callers of the mix, made in the database before the server starts."""

    def __init__(self, db: Database, keys: Keys, people: list[Any]) -> None:
        from chengxin.accounts import service as accounts
        from chengxin.settings import Settings

        engine = make_engine(db.url)
        settings = Settings()

        def token(account_id: str) -> dict[str, str]:
            issued = accounts.issue_token(session, settings, account_id, name="bench")
            return {"Authorization": f"Bearer {issued.token}"}

        with unit_of_work(make_sessionmaker(engine)) as session:
            made = accounts.create_account
            self.submitter = token(made(session, kind="department", display_name="市场监管报送系统（基准）",
                                        roles=["submitter"], department_code="market_regulation").id)
            self.checker = token(made(session, kind="department", display_name="人社局招录系统（基准）",
                                      roles=["checker"], department_code="human_resources").id)
            self.operator = token(made(session, kind="staff", display_name="信用办（基准）", roles=["operator"]).id)
            made(session, kind="staff", display_name="登录（基准）", roles=["operator"], username="bench_staff",
                 password=PASSWORD)
            self.persons = [token(made(session, kind="person", display_name="本人", roles=["person"],
                                       person_key=keys.subject_key("citizen_id", p.number)).id) for p in people]
        engine.dispose()


def _records(db: Database, people: list[Any]) -> list[str]:
    """The id of each person's record (submitted through the API before the load)."""
    engine = make_engine(db.url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT source_record_id, id FROM records WHERE source_record_id LIKE 'MIXP-%'"))
        found = {source_id: record_id for source_id, record_id in rows}
    engine.dispose()
    return [found[f"MIXP-{n:06d}"] for n in range(len(people))]


def _submit(port: int, headers: dict[str, str], rows: list[dict[str, Any]]) -> None:
    import urllib.request

    for at in range(0, len(rows), 500):
        body = json.dumps({"records": rows[at:at + 500]}, ensure_ascii=False).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/records/batches", data=body, method="POST",
                                     headers={"Content-Type": "application/json", **headers})
        with urllib.request.urlopen(req, timeout=120) as res:
            answer = json.loads(res.read())
            if answer["rejected"]:
                raise SystemExit(f"bench records rejected: {answer['issues'][:3]}")


def requests(acc: Accounts, people: list[Any], record_ids: list[str], decided: str) -> dict[str, list[str]]:
    """Each kind's pre-encoded requests, handed out in turn during the run."""
    n = len(people)
    return {
        "check": [_json("POST", "/api/v1/checks", acc.checker, {
            "id_type": "citizen_id", "id_number": p.number, "scenario": "civil_service_recruitment",
            "department": "human_resources", "business_ref": f"MIX-{i:06d}", "purpose": "公务员招录资格审查"})
            for i, p in enumerate(people)],
        "file_query": [_json("POST", "/api/v1/files/query", acc.operator, {"id_number": p.number}) for p in people],
        "own_file": [_raw("GET", "/api/v1/me/file", acc.persons[i]) for i in range(n)],
        "login_ok": [_json("POST", "/api/v1/auth/login", {}, {"username": "bench_staff", "password": PASSWORD})],
        "login_failed": [_json("POST", "/api/v1/auth/login", {}, {"username": u, "password": "Wrong-Pass-2026!"})
                         for u in ("bench_staff", "bench_nobody")],
        "upload": [_multipart("/api/v1/records/uploads", acc.submitter, {"item_code": "XZCF-01"},
                              [("file", f"处罚{u}.csv", _upload_csv(u, people, decided), "text/csv")])
                   for u in range(200)],
        "objection": [_multipart("/api/v1/me/objections", acc.persons[i],
                                 {"target_kind": "record", "target_id": record_ids[i], "reason": "罚款已经缴清"},
                                 [("evidence", "证明.pdf", PDF, "application/pdf")]) for i in range(n)],
        "tipoff": [_multipart("/api/v1/public/tipoffs", {}, {
            "category": "dishonesty", "subject_name": f"某某餐饮店{i}",
            "content": "该店长期使用过期食材，多次被顾客投诉。"}, []) for i in range(50)],
    }


def _events(db: Database) -> int:
    engine = make_engine(db.url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT count(*) FROM security_events WHERE kind = 'login_failed'")).scalar_one()
    engine.dispose()
    return int(found)


def _load(spec: dict[str, Any], out: Path) -> dict[str, Any]:
    path = out / f"mixed-load-{spec['connections']}.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bench.mixed_load", str(path)], cwd=ROOT, capture_output=True,
                          text=True)
    path.unlink(missing_ok=True)
    if done.returncode != 0:
        raise SystemExit(f"mixed load generator failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def run(kind: str, keys: Keys, quick: bool, seed: int, chosen: list[str], out: Path, keep: bool) -> list[Figure]:
    wanted = [n for n in figure_names(kind) if n in chosen]
    if not wanted:
        return []
    persons = 400 if quick else 1_500
    warmup, duration = (1.0, 4.0) if quick else (2.0, 10.0)
    db = fresh_database(kind, "chengxin_bench_mixed", out)
    people = synthetic_persons(persons, seed + 71)
    acc = Accounts(db, keys, people)
    decided = (today() - timedelta(days=90)).isoformat()
    env = {**os.environ, "CHENGXIN_DATABASE_URL": db.url, "CHENGXIN_DATA_DIR": str(out),
           "CHENGXIN_HASH_SECRET": base64.b64encode(keys.hash_secret).decode(),
           "CHENGXIN_ENCRYPTION_KEY": base64.b64encode(keys.encryption_key).decode(),
           "CHENGXIN_JOBS_INTERVAL_SECONDS": "0", "PYTHONPATH": server_pythonpath(),
           # One address sends everything here: its rate limits and lockout stay out of the way.
           **{f"CHENGXIN_{name}": "100000000" for name in (
               "LOGIN_RATE_PER_MINUTE", "TIPOFF_RATE_PER_MINUTE", "PUBLIC_RATE_PER_MINUTE", "LOCKOUT_FAILURES")}}
    server = Server("chengxin", env, out)
    figures: list[Figure] = []
    try:
        _submit(server.port, acc.submitter, [_penalty(p.number, p.name, f"MIXP-{n:06d}", decided)
                                             for n, p in enumerate(people)])
        reqs = requests(acc, people, _records(db, people), decided)
        # The objections of the two runs go to different records (a record under objection refuses another).
        half = len(reqs["objection"]) // 2
        results = {}
        for clients, objections in ((1, reqs["objection"][:half]), (CLIENTS, reqs["objection"][half:])):
            before = _events(db)
            spec = {"port": server.port, "connections": clients, "warmup": warmup, "duration": duration,
                    "cycle": CYCLE, "expected": EXPECTED, "requests": {**reqs, "objection": objections}}
            res = _load(spec, out)
            refused = res["statuses"].get("login_failed", {}).get("401", 0)
            res["lost_events"] = refused - (_events(db) - before)
            results[clients] = res
            lat = res["latency_ms"]
            log(f"mixed_{kind}: {clients} client(s): {res['rate']:,.1f}/s as expected, p50 {lat['p50']:.0f} ms, "
                f"p99 {lat['p99']:.0f} ms; {res['server_errors']} server errors, {res['unexpected']} unexpected "
                f"answers, {res['lost_events']} refused sign-ins without their event; statuses {res['statuses']}; "
                f"p50 ms by kind {res['p50_ms_by_kind']}")
    finally:
        server.stop()
        if not keep:
            drop_database(db)
    one, many = results[1], results[CLIENTS]
    if f"mixed_rate_{kind}" in wanted:
        figures.append(Figure(
            f"mixed_rate_{kind}", many["rate"], one["rate"], "req/s", "ratio >= 1", many["rate"] >= one["rate"],
            f"answers as expected per second, {CLIENTS} clients over checks, file queries, sign-ins, uploads, "
            "objections and tip-offs", "the same mix from one client"))
    if f"mixed_errors_{kind}" in wanted:
        bad, bad_one = (r["server_errors"] + max(0, r["lost_events"]) for r in (many, one))
        figures.append(Figure(
            f"mixed_errors_{kind}", bad, bad_one, "answers", "= 0", bad == 0,
            f"5xx answers and refused sign-ins left unrecorded, {CLIENTS} clients", "the same from one client"))
    if f"mixed_latency_p99_{kind}" in wanted:
        figures.append(Figure(
            f"mixed_latency_p99_{kind}", many["latency_ms"]["p99"], one["latency_ms"]["p99"], "ms", "", None,
            f"p99 of the answers as expected, {CLIENTS} clients", "p99 from one client"))
    return figures
