"""Repair at the counter (R14, one window): a clerk checks the ID card and files on the person's
behalf; the channel and the clerk are recorded, the application goes to the deciding department and
the person is told; a wrong name or an unchecked card is refused; every look is logged."""

from __future__ import annotations

from sqlalchemy import select

from chengxin.access.models import AccessEntry
from chengxin.notices.models import Notice
from chengxin.repairs.models import Repair
from helpers import DEPT, OPERATOR, PDF, as_person, cid, days_ago, error_code, own_record, penalty, submit, with_csrf

FILES = [("evidence", ("缴款凭证扫描件.pdf", PDF, "application/pdf"))]


def _person(client, session, settings, keys, n: int):
    number = cid(n)
    assert submit(client, [penalty(n, id_number=number, name="李四", decision_date=days_ago(120))]).status_code == 201
    person = as_person(session, settings, keys, number)
    return number, person, own_record(client, person, f"SCJG-2026-{n:06d}")["id"]


def test_a_clerk_files_a_repair_at_the_counter_through_the_api(client, session, settings, keys):
    number, person, matter = _person(client, session, settings, keys, 1821)
    form = {"id_type": "citizen_id", "id_number": number, "name": "李四", "id_checked": "true",
            "target_kind": "matter", "target_id": matter, "method": "fine_paid", "statement": "罚款已于上月缴清",
            "commitment": "true"}
    wrong = client.post("/api/v1/counter/repairs", headers=OPERATOR, files=FILES, data={**form, "name": "李五"})
    assert wrong.status_code == 422 and error_code(wrong) == "COUNTER_NAME_MISMATCH"
    unchecked = client.post("/api/v1/counter/repairs", headers=OPERATOR, files=FILES,
                            data={**form, "id_checked": "false"})
    assert error_code(unchecked) == "COUNTER_ID_NOT_CHECKED"
    assert client.post("/api/v1/counter/repairs", headers=DEPT, files=FILES, data=form).status_code == 403
    made = client.post("/api/v1/counter/repairs", headers=OPERATOR, files=FILES, data=form)
    assert made.status_code == 201, made.text
    r = made.json()
    assert r["channel"] == "counter" and r["channel_label"] == "窗口代为申请"
    row = session.scalars(select(Repair).where(Repair.id == r["id"])).one()
    clerk = client.get("/api/v1/auth/me", headers=OPERATOR).json()["account_id"]
    assert row.filed_by == clerk  # the clerk who filed it
    # It is the person's application: in their list, and they are told; in the deciding department's queue.
    assert [x["id"] for x in client.get("/api/v1/me/repairs", headers=person).json()["repairs"]] == [r["id"]]
    assert session.scalars(select(Notice).where(Notice.subject_key == row.subject_key,
                                                Notice.kind == "repair_filed")).first()
    assert r["id"] in {x["id"] for x in client.get("/api/v1/repairs", headers=DEPT).json()["repairs"]}
    logged = session.scalars(select(AccessEntry).where(AccessEntry.subject_key == row.subject_key,
                                                       AccessEntry.purpose == "窗口代为申请信用修复")).all()
    assert logged


def test_a_clerk_files_a_repair_at_the_counter_through_the_pages(client, session, settings, keys):
    number, person, matter = _person(client, session, settings, keys, 1822)
    assert "窗口代为申请信用修复" in client.get("/console/repairs/counter", headers=OPERATOR).text
    identity = {"id_type": "citizen_id", "id_number": number, "name": "李四", "checked": "yes"}
    wrong = client.post("/console/repairs/counter/person", headers=with_csrf(OPERATOR, client),
                        data={**identity, "name": "李五"})
    assert wrong.status_code == 422 and "姓名与平台登记的姓名不一致" in wrong.text and number not in wrong.text
    page = client.post("/console/repairs/counter/person", headers=with_csrf(OPERATOR, client), data=identity)
    assert page.status_code == 200 and f'value="{matter}"' in page.text and "可以申请" in page.text
    assert number not in page.text  # the number shows masked only
    key = keys.subject_key("citizen_id", number)
    data = {"person": key, "target_id": matter, "method": "fine_paid", "statement": "罚款已于上月缴清"}
    refused = client.post("/console/repairs/counter", headers=with_csrf(OPERATOR, client), files=FILES, data=data)
    assert refused.status_code == 422 and "须签署信用承诺书" in refused.text and "罚款已于上月缴清" in refused.text
    done = client.post("/console/repairs/counter", headers=with_csrf(OPERATOR, client), files=FILES,
                       data={**data, "commitment": "yes"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    review = client.get(done.headers["location"], headers=DEPT).text
    assert "窗口代为申请" in review and "罚款已于上月缴清" in review
    assert [x["channel"] for x in client.get("/api/v1/me/repairs", headers=person).json()["repairs"]] == ["counter"]
