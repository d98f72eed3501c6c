"""Tip-offs: anyone files with evidence and follows by tracking number; rate-limited; the office handles."""

from __future__ import annotations

from sqlalchemy import select

from chengxin.tipoffs.models import Tipoff
from helpers import OPERATOR, PNG, as_dept

FORM = {"category": "dishonesty", "subject_name": "某某餐饮店", "content": "该店长期使用过期食材，多次被顾客投诉。",
        "contact": "13800001234"}


def test_a_visitor_files_a_tipoff_and_follows_it_to_its_result(client, session, keys):
    made = client.post("/api/v1/public/tipoffs", data=FORM, files=[("evidence", ("照片.png", PNG, "image/png"))])
    assert made.status_code == 201, made.text
    number = made.json()["tracking_no"]
    assert number.startswith("JB") and len(number) == 14
    row = session.scalars(select(Tipoff)).one()
    assert number not in row.tracking_hash and row.contact_cipher and b"13800001234" not in row.contact_cipher

    status = client.get(f"/api/v1/public/tipoffs/{number.lower()}")
    assert status.status_code == 200 and status.json()["status_label"] == "已受理"
    assert "过期食材" not in status.text and "13800001234" not in status.text  # no content, no contact

    queue = client.get("/api/v1/tipoffs", headers=OPERATOR).json()["tipoffs"]
    assert [t["contact"] for t in queue] == ["13800001234"]
    tid = queue[0]["id"]
    detail = client.get(f"/api/v1/tipoffs/{tid}", headers=OPERATOR).json()
    ev = client.get(f"/api/v1/tipoffs/{tid}/evidence/{detail['evidence'][0]['id']}", headers=OPERATOR)
    assert ev.content == PNG
    bad = client.post(f"/api/v1/tipoffs/{tid}/status", headers=OPERATOR, json={"status": "closed"})
    assert bad.status_code == 422 and bad.json()["code"] == "TIPOFF_RESULT_REQUIRED"
    handling = client.post(f"/api/v1/tipoffs/{tid}/status", headers=OPERATOR, json={"status": "handling"})
    assert handling.status_code == 200
    closed = client.post(f"/api/v1/tipoffs/{tid}/status", headers=OPERATOR,
                         json={"status": "closed", "note": "已移交市场监管部门依法查处。"})
    assert closed.json()["status"] == "closed"
    followed = client.get(f"/api/v1/public/tipoffs/{number}").json()
    assert followed["result"] == "已移交市场监管部门依法查处。"
    assert [s["label"] for s in followed["steps"]] == ["已受理", "处理中", "已办结"]
    again = client.post(f"/api/v1/tipoffs/{tid}/status", headers=OPERATOR, json={"status": "handling"})
    assert again.status_code == 409
    assert client.get("/api/v1/tipoffs", headers=as_dept("market_regulation")).status_code == 403


def test_bad_tipoffs_are_refused_and_a_flood_is_slowed(client, session):
    assert client.post("/api/v1/public/tipoffs", data={**FORM, "content": "太短"}).json()["code"] == \
        "TIPOFF_CONTENT_REQUIRED"
    fake = client.post("/api/v1/public/tipoffs", data=FORM, files=[("evidence", ("a.png", b"<html>", "image/png"))])
    assert fake.status_code == 415 and fake.json()["code"] == "EVIDENCE_TYPE"
    assert session.scalars(select(Tipoff)).all() == []
    assert client.get("/api/v1/public/tipoffs/JBNOTAREALNUMBER").json()["code"] == "TIPOFF_NOT_FOUND"
    flood = client.get("/api/v1/public/tipoffs/JB0000")  # the fourth call from this address this minute
    assert flood.status_code == 429 and flood.json()["code"] == "RATE_LIMITED_TIPOFF"
