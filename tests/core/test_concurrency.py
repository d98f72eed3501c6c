"""Requests that overlap, on a database of the suite's kind through an engine of its own (as
`chengxin serve` has it): 32 clients at once over sign-ins that succeed and fail, credit-file
queries (an operator's, a person's own), uploads, objections, tip-offs and checks. No answer is
a server error, and everything answered was stored: every failed sign-in as its security event,
every upload as a finished batch, every check, objection and tip-off as its row.

On SQLite a transaction that reads and then writes can no longer take the write lock once
another connection has committed since its first read ("database is locked", at once): every
boundary that will write begins with the write lock (`BEGIN IMMEDIATE`), see `chengxin.db`."""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chengxin.accounts import service as accounts
from chengxin.accounts.models import SecurityEvent
from chengxin.checks.models import Check
from chengxin.db import unit_of_work
from chengxin.objections.models import Objection
from chengxin.records.models import Batch, Record
from chengxin.settings import get_settings
from chengxin.tipoffs.models import Tipoff
from helpers import DEPT, HR, OPERATOR, PDF, as_person, cid, days_ago, own_database_app, own_record, penalty, submit

CLIENTS = 32
ROUNDS = 3
KINDS = ("login_ok", "login_failed", "file_query", "upload", "objection", "tipoff", "check")
PASSWORD = "Conc-Test-2026!"
HEADERS = ["证件号码", "姓名", "源记录编号", "决定日期", "行政处罚决定书文号", "违法行为类型",
           "违法事实", "处罚类别", "处罚依据", "处罚机关", "罚款金额（万元）"]


def _csv(client_no: int, round_no: int) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(HEADERS)
    for n in range(5):
        seq = 700 + client_no * 20 + round_no * 5 + n
        out.writerow([cid(seq), "李四", f"CONC-{client_no}-{round_no}-{n}", days_ago(60), f"市监罚〔2026〕{seq}号",
                      "超范围经营", "经查属实。", "警告", "《中华人民共和国行政处罚法》", "市市场监督管理局", ""])
    return buf.getvalue().encode()


def _send(client: TestClient, kind: str, client_no: int, round_no: int, people: dict[int, Any]) -> Any:
    if kind == "login_ok":
        return client.post("/api/v1/auth/login", json={"username": "conc_staff", "password": PASSWORD})
    if kind == "login_failed":
        username = "conc_staff" if round_no % 2 else f"nobody_{client_no}"
        return client.post("/api/v1/auth/login", json={"username": username, "password": "Wrong-Pass-2026!"})
    if kind == "file_query":  # an operator's query, or a person's own file (a GET that logs the read)
        if round_no % 2:
            return client.get("/api/v1/me/file", headers=people[-1])
        return client.post("/api/v1/files/query", headers=OPERATOR, json={"id_number": cid(601)})
    if kind == "upload":
        return client.post("/api/v1/records/uploads", headers=DEPT, data={"item_code": "XZCF-01"},
                           files={"file": (f"处罚{client_no}-{round_no}.csv", _csv(client_no, round_no), "text/csv")})
    if kind == "objection":
        headers, record_ids = people[client_no]
        return client.post("/api/v1/me/objections", headers=headers,
                           data={"target_kind": "record", "target_id": record_ids[round_no], "reason": "罚款已经缴清"},
                           files=[("evidence", ("证明.pdf", PDF, "application/pdf"))])
    if kind == "tipoff":
        return client.post("/api/v1/public/tipoffs", data={
            "category": "dishonesty", "subject_name": f"某某餐饮店{client_no}",
            "content": "该店长期使用过期食材，多次被顾客投诉。"})
    return client.post("/api/v1/checks", headers=HR, json={
        "id_number": cid(601 + round_no), "scenario": "civil_service_recruitment", "department": "human_resources",
        "purpose": "资格审查", "business_ref": f"CONC-{client_no}-{round_no}"})


EXPECTED = {"login_ok": 200, "login_failed": 401, "file_query": 200, "upload": 201, "objection": 201,
            "tipoff": 201, "check": 200}


def test_32_clients_at_once_get_no_server_error_and_every_write_is_kept(data_dir, keys, monkeypatch):
    for name in ("LOGIN_RATE_PER_MINUTE", "TIPOFF_RATE_PER_MINUTE", "PUBLIC_RATE_PER_MINUTE", "LOCKOUT_FAILURES"):
        monkeypatch.setenv(f"CHENGXIN_{name}", "100000")
    get_settings.cache_clear()
    settings = get_settings()
    app, engine, factory = own_database_app(keys, tokens=True)
    kind_of = {n: KINDS[n % len(KINDS)] for n in range(CLIENTS)}
    objectors = [n for n in range(CLIENTS) if kind_of[n] == "objection"]
    with unit_of_work(factory) as session:
        accounts.create_account(session, kind="staff", display_name="并发测试", roles=["operator"],
                                username="conc_staff", password=PASSWORD)
        person_headers = {n: as_person(session, settings, keys, cid(650 + n)) for n in objectors}
        people: dict[int, Any] = {-1: as_person(session, settings, keys, cid(601))}
    try:
        with TestClient(app) as client:
            rows = [penalty(601 + r, decision_date=days_ago(90)) for r in range(ROUNDS)]
            for n in objectors:
                rows += [penalty(1000 + n * ROUNDS + r, id_number=cid(650 + n), decision_date=days_ago(90))
                         for r in range(ROUNDS)]
            assert submit(client, rows).status_code == 201
            for n in objectors:
                people[n] = (person_headers[n], [own_record(client, person_headers[n],
                                                            f"SCJG-2026-{1000 + n * ROUNDS + r:06d}")["id"]
                                                 for r in range(ROUNDS)])

            answers: list[tuple[str, int, str]] = []
            start = threading.Barrier(CLIENTS)

            def run(client_no: int) -> None:
                start.wait()
                for round_no in range(ROUNDS):
                    kind = kind_of[client_no]
                    try:
                        res = _send(client, kind, client_no, round_no, people)
                        answers.append((kind, res.status_code, res.text[:300]))
                    except Exception as exc:  # the app raised through the test client: a server error
                        answers.append((kind, 500, repr(exc)[:300]))

            threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        with factory() as session:
            stored = {
                "login_failed": session.scalar(select(func.count()).select_from(SecurityEvent)
                                               .where(SecurityEvent.kind == "login_failed")),
                "login_ok": session.scalar(select(func.count()).select_from(SecurityEvent)
                                           .where(SecurityEvent.kind == "login_ok")),
                "upload": session.scalar(select(func.count()).select_from(Batch).where(
                    Batch.channel == "csv", Batch.status == "done")),
                "upload_records": session.scalar(select(func.count()).select_from(Record)
                                                 .where(Record.source_record_id.like("CONC-%"))),
                "objection": session.scalar(select(func.count()).select_from(Objection)),
                "tipoff": session.scalar(select(func.count()).select_from(Tipoff)),
                "check": session.scalar(select(func.count()).select_from(Check)),
            }
            running = session.scalar(select(func.count()).select_from(Batch).where(Batch.status == "running"))
        engine.dispose()

    wrong = [a for a in answers if a[1] != EXPECTED[a[0]]]
    assert not [a for a in answers if a[1] >= 500], wrong
    assert not wrong
    sent = Counter(kind for kind, _, _ in answers)
    assert sum(sent.values()) == CLIENTS * ROUNDS
    assert stored["login_failed"] == sent["login_failed"]  # each refused sign-in left its event
    assert stored["login_ok"] == sent["login_ok"]
    assert (stored["upload"], stored["upload_records"], running) == (sent["upload"], sent["upload"] * 5, 0)
    assert stored["objection"] == sent["objection"]
    assert stored["tipoff"] == sent["tipoff"]
    assert stored["check"] == sent["check"]
