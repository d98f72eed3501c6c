"""Checks: each decision, period ends, exits, organisations (R10), disputes, minors, errors."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from chengxin.access.models import AccessEntry
from chengxin.checks import endpoints as check_endpoints
from chengxin.matters import service as matters
from chengxin.matters.models import Matter
from helpers import COURT, HR, OPERATOR, as_dept, as_role, check, cid, court_case, listing_notice, submit

USCC = "91350100M000100Y43"


def on(monkeypatch, day: date) -> None:
    monkeypatch.setattr(check_endpoints, "today", lambda: day)


def listed(client, n: int = 1, **kw) -> None:
    body = submit(client, [court_case(n, **kw)], headers=COURT).json()
    assert body["created"] == 1, body


def test_black_list_blocks_with_measure_basis_and_term(client, clock):
    clock.set(date(2026, 11, 18))
    listed(client, decided="2026-01-10")
    res = check(client, cid(1), "civil_service_recruitment")
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["decision"] == "block" and body["decision_label"] == "拦截" and body["check_id"]
    (hit,) = body["hits"]
    assert hit["measure_code"] == "P-GWY-01" and hit["blocking"] and "公务员法" in hit["legal_basis"]
    src = hit["source"]
    assert (src["kind"], src["list_type"], src["item_code"], src["department_code"]) == (
        "list_entry", "black", "SFCP-01", "court")
    assert src["holds_until"] == "2028-01-10" and src["department_name"] == "市中级人民法院"


def test_serious_record_means_stricter_review(client):
    row = {"item_code": "XZCF-04", "id_number": cid(2), "name": "钱七",
           "source_record_id": "JJ-1", "decision_date": "2026-03-01",
           "fields": {"decision_no": "公交罚〔2026〕1号", "violation": "醉酒驾驶机动车",
                      "license_revoked": True, "authority": "市公安局交通管理支队"}}
    assert submit(client, [row], headers=as_dept("public_security")).json()["created"] == 1
    body = check(client, cid(2), "administrative_licensing",
                 headers=as_dept("market_regulation")).json()
    assert body["decision"] == "review"
    codes = {h["measure_code"] for h in body["hits"]}
    assert "P-XZXK-01" in codes and not any(h["blocking"] for h in body["hits"])


def test_red_list_gets_the_green_channel(client):
    row = {"item_code": "BZJL-02", "id_number": cid(3), "name": "孙八",
           "source_record_id": "DDMF-1", "decision_date": "2026-02-01",
           "fields": {"title": "市级道德模范", "awarding_body": "市文明办"}}
    assert submit(client, [row], headers=as_dept("civilization_office")).json()["created"] == 1
    body = check(client, cid(3), "administrative_licensing",
                 headers=as_dept("market_regulation")).json()
    assert body["decision"] == "green"
    assert {"R-LSTD-01", "R-RQSL-01"} <= {h["measure_code"] for h in body["hits"]}
    assert all(h["effect"] == "reward" for h in body["hits"])


def test_three_clean_years_earn_the_green_channel(client, monkeypatch):
    old = {"item_code": "JCXX-01", "id_number": cid(4), "name": "周九", "source_record_id": "HJ-4",
           "decision_date": "2020-05-01", "fields": {"gender": "男", "birth_date": "1985-06-15"}}
    submit(client, [old], headers=as_dept("public_security"))
    on(monkeypatch, date(2026, 11, 21))
    body = check(client, cid(4), "administrative_licensing",
                 headers=as_dept("market_regulation")).json()
    assert body["decision"] == "green"
    assert {h["condition"] for h in body["hits"]} == {"no_negative_3y"}
    # Known to the platform for less than three years: no green channel yet.
    fresh = dict(old, id_number=cid(5), source_record_id="HJ-5", decision_date="2025-05-01")
    submit(client, [fresh], headers=as_dept("public_security"))
    assert check(client, cid(5), "administrative_licensing",
                 headers=as_dept("market_regulation")).json()["decision"] == "clear"


def test_nothing_known_is_clear_and_still_logged(client, session, keys):
    body = check(client, cid(6), "civil_service_recruitment").json()
    assert (body["decision"], body["hits"]) == ("clear", [])
    key = keys.subject_key("citizen_id", cid(6))
    (entry,) = session.scalars(select(AccessEntry).where(AccessEntry.subject_key == key)).all()
    assert (entry.action, entry.result, entry.ref_id, entry.actor_department, entry.business_ref) == (
        "check", "clear", body["check_id"], "human_resources", "REF-1")


def test_entry_stops_hitting_the_day_after_its_last_day(client, monkeypatch):
    listed(client, decided="2026-01-10")
    on(monkeypatch, date(2028, 1, 10))
    assert check(client, cid(1), "civil_service_recruitment").json()["decision"] == "block"
    on(monkeypatch, date(2028, 1, 11))
    assert check(client, cid(1), "civil_service_recruitment").json()["decision"] == "clear"


def test_revoked_record_stops_hitting_that_day(client):
    listed(client)
    assert check(client, cid(1), "civil_service_recruitment").json()["decision"] == "block"
    res = client.post("/api/v1/records/revocations", headers=COURT,
                      json={"source_record_id": "ZX-2026-000001", "reason": "执行依据被撤销"})
    assert res.status_code == 200
    assert check(client, cid(1), "civil_service_recruitment").json()["decision"] == "clear"


def test_repaired_or_deleted_entry_stops_hitting(client, session):
    listed(client)
    entry = session.scalars(select(Matter).where(Matter.source_record_id == "ZX-2026-000001")).one()
    res = client.post(f"/api/v1/lists/entries/{entry.id}/exit", headers=COURT,
                      json={"reason": "court_deleted", "note": "已履行全部义务"})
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "exited" and res.json()["exit_label"] == "法院删除"
    assert check(client, cid(1), "civil_service_recruitment").json()["decision"] == "clear"
    # A local department lists through the procedure (R13): notice, a statement at the counter, decision.
    proc = client.post("/api/v1/listing-procedures", headers=HR, json={
        "id_number": cid(7), "name": "吴十", "facts": "拒不支付劳动报酬", "basis": "《保障农民工工资支付条例》"}).json()
    client.post(f"/api/v1/listing-procedures/{proc['id']}/counter-statement", headers=OPERATOR,
                json={"statement": "暂无能力支付", "id_checked": True})
    direct = client.post(f"/api/v1/listing-procedures/{proc['id']}/decision", headers=HR, json={
        "outcome": "list", "reasons": "事实清楚", "answer": "不属于免于列入的情形"}).json()
    assert check(client, cid(7), "honours").json()["decision"] == "block"
    client.post(f"/api/v1/lists/entries/{direct['matter_id']}/exit", headers=HR,
                json={"reason": "repaired", "note": "信用修复完成"})
    assert check(client, cid(7), "honours").json()["decision"] == "clear"


def test_organisation_listing_reaches_its_legal_representative(client):
    res = client.put(f"/api/v1/organisations/{USCC}", headers=HR, json={
        "name": "某某建筑劳务有限公司",
        "persons": [{"role": "legal_representative", "id_number": cid(8), "name": "郑一"}]})
    assert res.status_code == 200
    org_row = {"item_code": "YZSX-02", "uscc": USCC, "org_name": "某某建筑劳务有限公司",
               "source_record_id": "NMG-1", "decision_date": "2026-04-01",
               "fields": {**listing_notice("2026-04-01"), "person_role": "用人单位",
                          "circumstance": "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准",
                          "authority": "市人力资源和社会保障局"}}
    assert submit(client, [org_row], headers=HR).json()["created"] == 1
    body = check(client, cid(8), "honours").json()
    assert body["decision"] == "block"
    via = {h["measure_code"]: h["source"]["via"] for h in body["hits"]}
    assert via["P-PXPY-01"] == {"uscc": USCC, "org_name": "某某建筑劳务有限公司",
                                "role": "legal_representative", "role_label": "法定代表人"}
    # The civil-service bar binds the person listed, not the organisation's representative.
    assert check(client, cid(8), "civil_service_recruitment").json()["decision"] == "clear"


def test_disputed_entry_blocks_only_where_the_measure_says_so(client, session):
    listed(client)
    entry = session.scalars(select(Matter).where(Matter.source_record_id == "ZX-2026-000001")).one()
    matters.set_disputed(session, entry, entry.created_at)
    session.commit()
    gwy = check(client, cid(1), "civil_service_recruitment").json()
    assert gwy["decision"] == "review"
    assert gwy["hits"][0]["disputed"] and gwy["hits"][0]["status_label"] == "异议处理中"
    sydw = check(client, cid(1), "public_institution_recruitment").json()
    assert sydw["decision"] == "block" and sydw["hits"][0]["disputed"]


def test_minors_are_never_put_on_court_lists(client):
    minor = cid(9, born=date(2012, 3, 1))
    body = submit(client, [court_case(9, id_number=minor)], headers=COURT).json()
    assert [i["code"] for i in body["issues"]] == ["RECORD_MINOR_NOT_LISTABLE"]
    res = client.post("/api/v1/lists/entries", headers=HR, json={
        "list_type": "black", "id_number": minor, "name": "小明", "basis": "某依据",
        "start_date": "2026-06-01", "severity": "serious"})
    assert res.status_code == 422 and res.json()["code"] == "LIST_MINOR_NOT_ALLOWED"
    assert check(client, minor, "civil_service_recruitment").json()["decision"] == "clear"


@pytest.mark.parametrize(("payload", "headers", "status", "code"), [
    ({"scenario": "space_travel"}, HR, 422, "CHECK_SCENARIO_UNKNOWN"),
    ({"department": "tax"}, HR, 403, "CHECK_DEPARTMENT_MISMATCH"),
    ({}, {"Authorization": "Bearer cxt_no_such_token"}, 401, "AUTH_TOKEN_INVALID"),
    ({}, {}, 401, "AUTH_REQUIRED"),
    ({}, as_role("operator"), 403, "AUTH_FORBIDDEN"),
    ({"id_number": "110105194912310020"}, HR, 422, "ID_CHECKSUM"),
    ({"purpose": ""}, HR, 422, "REQUEST_INVALID"),
])
def test_bad_check_requests_are_clear_errors(client, payload, headers, status, code):
    body = {"id_number": cid(1), "scenario": "civil_service_recruitment",
            "department": "human_resources", "purpose": "审查", **payload}
    res = client.post("/api/v1/checks", json=body, headers=headers)
    assert res.status_code == status and res.json()["code"] == code
    assert res.headers["content-type"].startswith("application/problem+json")


def test_measure_list_is_public_and_filterable(client):
    body = client.get("/api/v1/measures?scenario=high_consumption").json()
    assert body["measures"] and all("high_consumption" in m["scenarios"] for m in body["measures"])
    assert all(m["legal_basis"] for m in body["measures"])
    assert client.get("/api/v1/measures?scenario=nope").json()["code"] == "CHECK_SCENARIO_UNKNOWN"
