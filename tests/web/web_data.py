"""Data for the web tests: a penalty CSV as a clerk would upload it, a signed-in person."""

from __future__ import annotations

import csv
import io

from chengxin.accounts import repository as repo
from chengxin.accounts import service as accounts
from helpers import cid

HEADERS = ["证件号码", "姓名", "源记录编号", "决定日期", "行政处罚决定书文号", "违法行为类型",
           "违法事实", "处罚类别", "处罚依据", "处罚机关", "罚款金额（万元）"]


def penalty_row(n: int, **changes: str) -> list[str]:
    values = {"证件号码": cid(n), "姓名": "王五", "源记录编号": f"WEB-{n:05d}", "决定日期": "2026-03-01",
              "行政处罚决定书文号": f"市监罚〔2026〕{n}号", "违法行为类型": "超范围经营", "违法事实": "经查属实。",
              "处罚类别": "警告", "处罚依据": "《中华人民共和国行政处罚法》", "处罚机关": "市市场监督管理局",
              "罚款金额（万元）": ""}
    values.update(changes)
    return [values[h] for h in HEADERS]


def penalty_csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(HEADERS)
    out.writerows(rows)
    return buf.getvalue().encode()


def person_headers(session, keys, n: int, minutes: int = 30) -> dict[str, str]:
    """A person signed in (a login session, as the identity check would open), as bearer headers."""
    key = keys.subject_key("citizen_id", cid(n))
    account = repo.by_person_key(session, key) or accounts.create_account(
        session, kind="person", display_name="本人", roles=["person"], person_key=key)
    issued = accounts._open_session(session, account, minutes, None)
    session.flush()
    return {"Authorization": f"Bearer {issued.token}"}



TIPOFF = {"category": "dishonesty", "subject_name": "某某餐饮店", "content": "该店长期使用过期食材，多次被顾客投诉。",
          "contact": "13800001234"}


def cases_of(client, person: dict[str, str], source_record_id: str) -> dict[str, str]:
    """Through the API: an objection and a repair application on one of the person's records, each with
    a PDF, and a tip-off with a PNG; their ids (and the tip-off's tracking number)."""
    from helpers import OPERATOR, PDF, PNG, own_record

    rid = own_record(client, person, source_record_id)["id"]
    files = [("evidence", ("证明.pdf", PDF, "application/pdf"))]
    o = client.post("/api/v1/me/objections", headers=person, files=files,
                    data={"target_kind": "record", "target_id": rid, "reason": "罚款金额登记有误"})
    r = client.post("/api/v1/me/repairs", headers=person, files=files, data={
        "target_kind": "record", "target_id": rid, "method": "fine_paid", "statement": "罚款已经缴清",
        "commitment": "true"})
    t = client.post("/api/v1/public/tipoffs", data=TIPOFF, files=[("evidence", ("照片.png", PNG, "image/png"))])
    assert o.status_code == r.status_code == t.status_code == 201, (o.text, r.text, t.text)
    tid = client.get("/api/v1/tipoffs", headers=OPERATOR).json()["tipoffs"][-1]["id"]
    return {"record": rid, "objection": o.json()["id"], "repair": r.json()["id"], "tipoff": tid,
            "tracking_no": t.json()["tracking_no"], "objection_evidence": o.json()["evidence"][0]["id"],
            "repair_evidence": r.json()["evidence"][0]["id"]}
