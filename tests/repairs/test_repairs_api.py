"""Credit repair (R4, R7) over HTTP: refused before the minimum with the earliest date; once approved
the item leaves public pages, checks, lists and others' view of the file, and stays in the person's own."""

from __future__ import annotations

import base64
from datetime import date, timedelta

from sqlalchemy import select

from chengxin.clock import today
from chengxin.matters.models import Matter
from chengxin.notices.models import Notice
from chengxin.publicity.rules import default_tiers, earliest_repair_day
from chengxin.signing import canonical_json
from helpers import (
    DEPT,
    HR,
    OPERATOR,
    PNG,
    as_person,
    as_role,
    check,
    cid,
    days_ago,
    listing_notice,
    own_record,
    penalty,
    submit,
)

ME = "/api/v1/me/repairs"
HONOURS = "honours"
# P-PXPY-02 (评先评优) reaches serious records only (R13); a serious record may be repaired after 12 months.
SERIOUS = {"severity": "serious", "severity_reason": "情节严重"}


def apply(client, person, target_id, *, kind="matter", method="fine_paid", commitment="true", files=None):
    files = files if files is not None else [("evidence", ("缴款凭证.png", PNG, "image/png"))]
    return client.post(ME, headers=person, files=files, data={
        "target_kind": kind, "target_id": target_id, "method": method, "statement": "已于上月缴清全部罚款",
        "commitment": commitment})


def review(client, repair_id: str, approve: bool = True):
    accepted = client.post(f"/api/v1/repairs/{repair_id}/acceptance", headers=OPERATOR, json={"accepted": True})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["decide_deadline"] is not None
    return client.post(f"/api/v1/repairs/{repair_id}/decision", headers=OPERATOR,
                       json={"approved": approve, "reason": "已缴清罚款，准予修复" if approve else "材料不足"})


def test_a_repair_before_the_minimum_is_refused_with_the_earliest_date(client, session, settings, keys):
    number = cid(401)
    decided = today() - timedelta(days=10)
    assert submit(client, [penalty(401, id_number=number, decision_date=decided.isoformat())]).status_code == 201
    person = as_person(session, settings, keys, number)
    rec = own_record(client, person, "SCJG-2026-000401")
    earliest = earliest_repair_day(decided, default_tiers()["general"])
    info = client.get(f"{ME}/eligibility", headers=person, params={"target_kind": "matter", "target_id": rec["id"]})
    assert info.status_code == 200
    assert info.json()["eligible"] is False and info.json()["earliest"] == earliest.isoformat()
    refused = apply(client, person, rec["id"])
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "REPAIR_TOO_EARLY" and body["earliest"] == earliest.isoformat()
    assert earliest.isoformat() in body["detail"]
    assert client.get(ME, headers=person).json()["repairs"] == []


def test_an_approved_repair_stops_publicity_sharing_and_checks_but_stays_in_the_own_history(
        client, session, settings, keys, signer):
    number = cid(402)
    row = penalty(402, id_number=number, decision_date=days_ago(400), **SERIOUS)
    assert submit(client, [row]).status_code == 201
    person = as_person(session, settings, keys, number)
    rec = own_record(client, person, "SCJG-2026-000402")
    assert any(r["id"] == rec["id"] for r in client.get("/api/v1/public/records").json()["records"])
    assert check(client, number, HONOURS).json()["decision"] == "review"
    assert apply(client, person, rec["id"], commitment="false").json()["code"] == "REPAIR_COMMITMENT_REQUIRED"
    assert apply(client, person, rec["id"], files=[]).json()["code"] == "REPAIR_EVIDENCE_REQUIRED"
    assert apply(client, person, rec["id"], method="lottery").json()["code"] == "REPAIR_METHOD_NOT_ALLOWED"

    made = apply(client, person, rec["id"])
    assert made.status_code == 201, made.text
    repair = made.json()
    assert repair["status"] == "submitted" and repair["accept_deadline"] > today().isoformat()
    assert apply(client, person, rec["id"]).json()["code"] == "REPAIR_ALREADY_PENDING"
    # The signed commitment verifies offline with the platform's public key.
    c = repair["commitment"]
    assert c["document"]["text_sha256"] and c["document"]["subject"] == keys.subject_key("citizen_id", number)
    assert signer.public_keys().verify(c["signature"]["key_id"], canonical_json(c["document"]),
                                       base64.b64decode(c["signature"]["value"]))
    # Until it is decided the item is still used.
    assert check(client, number, HONOURS).json()["decision"] == "review"

    decided = review(client, repair["id"])
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert [e["action"] for e in decided.json()["events"]] == ["filed", "accepted", "approved"]

    assert check(client, number, HONOURS).json()["decision"] != "review"
    assert all(r["id"] != rec["id"] for r in client.get("/api/v1/public/records").json()["records"])
    assert client.get(f"/api/v1/public/records/{rec['id']}").status_code == 404
    shared = client.post("/api/v1/files/query", headers=DEPT, json={"id_number": number}).json()
    assert all(r["id"] != rec["id"] for c in shared["categories"] for r in c["matters"])
    mine = own_record(client, person, "SCJG-2026-000402")
    assert mine["status_label"] == "已信用修复" and mine["publicity"]["status"] == "repaired"
    assert mine["state"] == "repaired" and mine["ended_on"] == today().isoformat()
    kinds = set(session.scalars(select(Notice.kind).where(Notice.subject_key == c["document"]["subject"])))
    assert {"repair_filed", "repair_accepted", "repair_approved"} <= kinds
    # A later version of the same record stays repaired.
    amended = {**row, "fields": {**row["fields"], "facts": "经查，当事人未取得许可从事经营活动（补正）。"}}
    assert submit(client, [amended]).status_code == 201
    later = own_record(client, person, "SCJG-2026-000402")
    assert later["record"]["version"] == 2 and later["status_label"] == "已信用修复"
    assert check(client, number, HONOURS).json()["decision"] != "review"


def test_a_repaired_black_list_entry_leaves_the_list_and_stops_blocking(client, session, settings, keys):
    number = cid(403)
    row = {"item_code": "YZSX-02", "id_number": number, "name": "钱七", "source_record_id": "RS-QX-403",
           "decision_date": days_ago(400), "fields": {**listing_notice(days_ago(400)),
               "person_role": "法定代表人或者主要负责人",
               "circumstance": "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准",
               "authority": "市人力资源和社会保障局"}}
    assert submit(client, [row], headers=HR).status_code == 201
    assert check(client, number, "civil_service_recruitment").json()["decision"] == "block"
    person = as_person(session, settings, keys, number)
    rec = own_record(client, person, "RS-QX-403")
    made = apply(client, person, rec["id"], method="obligations_fulfilled")
    assert made.status_code == 201, made.text
    assert review(client, made.json()["id"]).status_code == 200
    entry = session.scalars(select(Matter).where(Matter.source_record_id == "RS-QX-403")).one()
    assert entry.end_reason == "repaired" and entry.ended_on == today()
    assert check(client, number, "civil_service_recruitment").json()["decision"] != "block"
    assert all(e["id"] != entry.id for e in client.get("/api/v1/public/lists").json()["entries"])


def test_a_denied_or_rejected_repair_changes_nothing(client, session, settings, keys):
    number = cid(404)
    assert submit(client, [penalty(404, id_number=number, decision_date=days_ago(400), **SERIOUS)]).status_code == 201
    person = as_person(session, settings, keys, number)
    rec = own_record(client, person, "SCJG-2026-000404")
    first = apply(client, person, rec["id"]).json()
    denied = review(client, first["id"], approve=False)
    assert denied.json()["status"] == "denied"
    second = apply(client, person, rec["id"]).json()
    no_reason = client.post(f"/api/v1/repairs/{second['id']}/acceptance", headers=OPERATOR, json={"accepted": False})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "REPAIR_REASON_REQUIRED"
    rejected = client.post(f"/api/v1/repairs/{second['id']}/acceptance", headers=OPERATOR,
                           json={"accepted": False, "reason": "申请材料与处罚决定不符"})
    assert rejected.json()["status"] == "rejected"
    assert check(client, number, HONOURS).json()["decision"] == "review"
    assert own_record(client, person, "SCJG-2026-000404")["publicity"]["status"] == "in_publicity"
    assert client.post(f"/api/v1/repairs/{second['id']}/decision", headers=OPERATOR,
                       json={"approved": True, "reason": "x"}).json()["code"] == "REPAIR_NOT_ACCEPTED"
    # The deciding department sees it in its own queue; a role that handles no repairs is refused.
    assert [r["id"] for r in client.get("/api/v1/repairs", headers=DEPT).json()["repairs"]] == [first["id"],
                                                                                                 second["id"]]
    assert client.get("/api/v1/repairs", headers=as_role("auditor")).status_code == 403


def test_a_minors_corrected_minor_dishonesty_stops_at_once_and_minors_are_never_public(
        client, session, settings, keys):
    child = cid(405, born=date(today().year - 16, 3, 1))
    adult = cid(406)
    minor_row = penalty(405, id_number=child, decision_date=days_ago(3), severity="minor",
                        severity_reason="首次违法且情节轻微")
    general_row = penalty(407, id_number=child, decision_date=days_ago(3))
    assert submit(client, [minor_row, general_row, penalty(406, id_number=adult, decision_date=days_ago(3))]
                  ).status_code == 201
    public = {r["id"] for r in client.get("/api/v1/public/records").json()["records"]}
    person = as_person(session, settings, keys, child)
    assert own_record(client, person, "SCJG-2026-000407")["id"] not in public
    grown = as_person(session, settings, keys, adult)
    assert own_record(client, grown, "SCJG-2026-000406")["id"] in public

    rec = own_record(client, person, "SCJG-2026-000405")
    made = apply(client, person, rec["id"], method="obligations_fulfilled")
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "approved" and made.json()["protected_minor"] is True
    assert own_record(client, person, "SCJG-2026-000405")["status_label"] == "已信用修复"


def test_deadlines_counted_into_an_unpublished_year_skip_new_years_day_and_say_they_are_estimated(
        client, session, settings, keys, clock):
    from chengxin.accounts import service as accounts
    from chengxin.accounts.models import ApiToken
    from chengxin.workdays import covered_years
    from helpers import test_token

    # Filed on Tuesday 29 December 2026: 30 and 31 December, then 1 January is a holiday every
    # year and 2-3 January a weekend: accepted by Monday 4 January 2027.
    clock.set(date(2026, 12, 29))
    department = session.get(ApiToken, test_token("dept:market_regulation")[0]).account_id
    dept = {"Authorization": f"Bearer {accounts.issue_token(session, settings, department, name='年末').token}"}
    number = cid(431)
    assert submit(client, [penalty(431, id_number=number, decision_date=days_ago(100))], dept).status_code == 201
    person = as_person(session, settings, keys, number)
    made = apply(client, person, own_record(client, person, "SCJG-2026-000431")["id"])
    assert made.status_code == 201, made.text
    estimated = covered_years()[1] < 2027
    assert (made.json()["accept_deadline"], made.json()["accept_deadline_estimated"]) == ("2027-01-04", estimated)
    told = session.scalars(select(Notice.body).where(Notice.kind == "repair_filed")).all()
    assert any("2027-01-04" in b and ("估算" in b) == estimated for b in told)
    page = client.get(f"/me/repairs/{made.json()['id']}", headers=person).text
    assert ("（估算）" in page) == estimated
