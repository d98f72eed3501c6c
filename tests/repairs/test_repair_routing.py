"""Repairs route to the deciding department (R14): the department that decided a matter sees and
decides its repair in its own queue; another department neither sees nor decides it; the credit office
sees every queue with its counts; a matter decided on another platform is repaired there."""

from __future__ import annotations

from sqlalchemy import update

from chengxin.departments import repository as departments
from chengxin.matters.models import Matter
from helpers import DEPT, OPERATOR, PNG, as_dept, as_person, cid, days_ago, error_code, own_record, penalty, submit

TAX = as_dept("tax")
ME = "/api/v1/me/repairs"


def _apply(client, person, matter_id: str):
    return client.post(ME, headers=person, files=[("evidence", ("缴款凭证.png", PNG, "image/png"))], data={
        "target_kind": "matter", "target_id": matter_id, "method": "fine_paid", "statement": "已缴清全部罚款",
        "commitment": "true"})


def _two_repairs(client, session, settings, keys):
    """One repair of a market regulator's penalty, one of the tax bureau's, both of one person."""
    number = cid(1801)
    assert submit(client, [penalty(1801, id_number=number, decision_date=days_ago(120))]).status_code == 201
    assert submit(client, [penalty(1802, id_number=number, decision_date=days_ago(120))],
                  headers=TAX).status_code == 201
    person = as_person(session, settings, keys, number)
    market = _apply(client, person, own_record(client, person, "SCJG-2026-001801")["id"])
    tax = _apply(client, person, own_record(client, person, "SCJG-2026-001802")["id"])
    assert market.status_code == 201 and tax.status_code == 201, (market.text, tax.text)
    return person, market.json(), tax.json()


def test_repairs_route_to_the_deciding_department(client, session, settings, keys):
    person, market, tax = _two_repairs(client, session, settings, keys)
    assert market["department_code"] == "market_regulation" and tax["department_code"] == "tax"
    assert market["channel"] == "online" and market["channel_label"] == "本人网上申请"
    # Each department's queue holds its own matters' repairs, and only those.
    assert [r["id"] for r in client.get("/api/v1/repairs", headers=DEPT).json()["repairs"]] == [market["id"]]
    assert [r["id"] for r in client.get("/api/v1/repairs", headers=TAX).json()["repairs"]] == [tax["id"]]
    # Another department can neither read nor act on it: it does not exist for it.
    for res in (client.get(f"/api/v1/repairs/{market['id']}", headers=TAX),
                client.post(f"/api/v1/repairs/{market['id']}/acceptance", headers=TAX, json={"accepted": True}),
                client.post(f"/api/v1/repairs/{tax['id']}/acceptance", headers=DEPT, json={"accepted": True})):
        assert res.status_code == 404 and error_code(res) == "REPAIR_NOT_FOUND"
    # The deciding department accepts and decides; the record names it.
    accepted = client.post(f"/api/v1/repairs/{market['id']}/acceptance", headers=DEPT, json={"accepted": True})
    assert accepted.status_code == 200 and accepted.json()["reviewer"] == "department:market_regulation"
    decided = client.post(f"/api/v1/repairs/{market['id']}/decision", headers=DEPT,
                          json={"approved": True, "reason": "罚款已缴清，准予修复"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert own_record(client, person, "SCJG-2026-001801")["publicity"]["status"] != "in_publicity"
    # The office sees every queue, and each department's counts on its queue page.
    assert {r["id"] for r in client.get("/api/v1/repairs", headers=OPERATOR).json()["repairs"]} == {
        market["id"], tax["id"]}
    page = client.get("/console/repairs", headers=OPERATOR).text
    queues = page.split('id="h-queues"')[1].split("</section>")[0]
    assert "税务" in queues and "市场监督管理" not in queues  # the market regulator's queue is now empty
    # A department's page is its own queue, without the others' counts.
    own = client.get("/console/repairs", headers=TAX).text
    assert 'id="h-queues"' not in own and f"/console/repairs/{tax['id']}" in own
    assert client.get(f"/console/repairs/{tax['id']}", headers=DEPT).status_code == 404


def test_the_office_may_act_as_fallback_and_says_so(client, session, settings, keys):
    _, market, _ = _two_repairs(client, session, settings, keys)
    page = client.get(f"/console/repairs/{market['id']}", headers=OPERATOR).text
    assert "信用办仅在该部门超过期限未办理或在本平台没有账号时代为办理" in page
    assert "信用办仅在" not in client.get(f"/console/repairs/{market['id']}", headers=DEPT).text
    res = client.post(f"/api/v1/repairs/{market['id']}/acceptance", headers=OPERATOR, json={"accepted": True})
    assert res.status_code == 200 and res.json()["reviewer"].startswith("operator:")


def test_a_matter_decided_on_another_platform_is_repaired_there(client, session, settings, keys):
    number = cid(1803)
    assert submit(client, [penalty(1803, id_number=number, decision_date=days_ago(120))]).status_code == 201
    person = as_person(session, settings, keys, number)
    rec = own_record(client, person, "SCJG-2026-001803")
    # As the exchange stores a matter received from the county platform 341821 (see exchange.apply).
    departments.ensure(session, {"341821.market": "凤台县·市场监督管理局"})
    session.execute(update(Matter).where(Matter.id == rec["id"]).values(department_code="341821.market"))
    session.flush()
    info = client.get(f"{ME}/eligibility", headers=person, params={"target_kind": "matter", "target_id": rec["id"]})
    step = next(s for s in info.json()["steps"] if s["code"] == "REPAIR_DECIDED_ELSEWHERE")
    assert step["passed"] is False and "凤台县的市场监督管理局" in step["detail"]
    refused = _apply(client, person, rec["id"])
    assert refused.status_code == 422 and error_code(refused) == "REPAIR_DECIDED_ELSEWHERE"
