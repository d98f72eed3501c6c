"""Objections (R6): filed with evidence, "异议处理中" everywhere at once, decided by the source department."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from chengxin.cases.models import EvidenceFile
from chengxin.clock import today, utcnow
from chengxin.notices.models import Notice
from chengxin.objections import service
from chengxin.objections.models import Objection
from chengxin.workdays.rules import add_working_days, covered_years
from helpers import (
    COURT,
    DEPT,
    HR,
    OPERATOR,
    PDF,
    as_person,
    check,
    cid,
    court_case,
    days_ago,
    own_record,
    penalty,
    submit,
)

ME = "/api/v1/me/objections"


def file_objection(client, person, target_id, *, kind="matter", reason="处罚决定书已被复议机关撤销", files=None):
    files = files if files is not None else [("evidence", ("复议决定书.pdf", PDF, "application/pdf"))]
    return client.post(ME, headers=person, data={"target_kind": kind, "target_id": target_id, "reason": reason},
                       files=files)


def test_an_objection_marks_the_record_disputed_everywhere_until_decided(client, session, settings, keys):
    number = cid(301)
    assert submit(client, [penalty(301, id_number=number, decision_date=days_ago(40))]).status_code == 201
    person = as_person(session, settings, keys, number)
    rec = own_record(client, person, "SCJG-2026-000301")
    assert rec["disputed"] is False

    made = file_objection(client, person, rec["id"])
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["status"] == "open" and body["department_code"] == "market_regulation"
    assert body["deadline"] == add_working_days(today(), settings.objection_working_days).day.isoformat()
    assert [e["action"] for e in body["events"]] == ["filed"]
    assert body["evidence"][0]["media_type"] == "application/pdf" and body["evidence"][0]["size"] == len(PDF)

    # The person's file, the public pages and the department's queue all show it at once.
    assert own_record(client, person, "SCJG-2026-000301")["status_label"] == "异议处理中"
    public = client.get("/api/v1/public/records").json()["records"]
    assert [r["status_label"] for r in public if r["id"] == rec["id"]] == ["异议处理中"]
    queue = client.get("/api/v1/objections", headers=DEPT).json()["objections"]
    assert [o["id"] for o in queue] == [body["id"]]
    # Another department sees nothing of it.
    assert client.get("/api/v1/objections", headers=HR).json()["objections"] == []
    assert client.get(f"/api/v1/objections/{body['id']}", headers=HR).status_code == 404
    # The department downloads the evidence as sent.
    ev = client.get(f"/api/v1/objections/{body['id']}/evidence/{body['evidence'][0]['id']}", headers=DEPT)
    assert ev.status_code == 200 and ev.content == PDF and "attachment" in ev.headers["content-disposition"]

    decided = client.post(f"/api/v1/objections/{body['id']}/decision", headers=DEPT,
                          json={"outcome": "upheld", "reason": "经核查，原处罚决定未被撤销。"})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "upheld"
    assert [e["action"] for e in decided.json()["events"]] == ["filed", "upheld"]
    assert own_record(client, person, "SCJG-2026-000301")["disputed"] is False
    kinds = set(session.scalars(select(Notice.kind).where(Notice.subject_key == rec_key(keys, number))))
    assert {"objection_filed", "objection_decided"} <= kinds
    again = client.post(f"/api/v1/objections/{body['id']}/decision", headers=DEPT,
                        json={"outcome": "upheld", "reason": "再次"})
    assert again.status_code == 409 and again.json()["code"] == "OBJECTION_CLOSED"


def rec_key(keys, number: str) -> str:
    return keys.subject_key("citizen_id", number)


def test_an_objection_makes_a_blocking_entry_reviewable_and_upholding_blocks_again(client, session, settings, keys):
    number = cid(302)
    assert submit(client, [court_case(302, id_number=number, decided=days_ago(30))], headers=COURT).status_code == 201
    assert check(client, number, "civil_service_recruitment").json()["decision"] == "block"
    person = as_person(session, settings, keys, number)
    entries = client.get("/api/v1/me/file", headers=person)
    rec = own_record(client, person, "ZX-2026-000302")
    made = file_objection(client, person, rec["id"], reason="案款已全部执行到位，应当删除")
    assert made.status_code == 201, made.text
    # P-GWY-01 says a disputed listing does not block (blocks_when_disputed: false): stricter review instead.
    during = check(client, number, "civil_service_recruitment").json()
    assert during["decision"] == "review", during
    gwy = [h for h in during["hits"] if h["measure_code"] == "P-GWY-01"]
    assert gwy and all(h["disputed"] and not h["blocking"] and h["status_label"] == "异议处理中" for h in gwy)
    decided = client.post(f"/api/v1/objections/{made.json()['id']}/decision", headers=COURT,
                          json={"outcome": "upheld", "reason": "被执行人尚未履行。"})
    assert decided.status_code == 200, decided.text
    assert check(client, number, "civil_service_recruitment").json()["decision"] == "block"
    assert entries.status_code == 200


def test_correction_makes_a_new_version_and_revocation_ends_the_record(client, session, settings, keys):
    number = cid(303)
    rows = [penalty(303, id_number=number, decision_date=days_ago(20)),
            penalty(304, id_number=number, decision_date=days_ago(20))]
    assert submit(client, rows).status_code == 201
    person = as_person(session, settings, keys, number)
    first = file_objection(client, person, own_record(client, person, "SCJG-2026-000303")["id"]).json()
    second = file_objection(client, person, own_record(client, person, "SCJG-2026-000304")["id"]).json()

    corrected_row = penalty(303, id_number=number, decision_date=days_ago(20), fields={"fine_amount": "0.50"})
    bad = client.post(f"/api/v1/objections/{first['id']}/decision", headers=DEPT, json={
        "outcome": "corrected", "reason": "罚款金额录入错误", "record": {**corrected_row, "decision_date": "20xx"}})
    assert bad.status_code == 422 and bad.json()["code"] == "OBJECTION_CORRECTION_INVALID"
    ok = client.post(f"/api/v1/objections/{first['id']}/decision", headers=DEPT, json={
        "outcome": "corrected", "reason": "罚款金额录入错误，已更正", "record": corrected_row})
    assert ok.status_code == 200, ok.text
    now = own_record(client, person, "SCJG-2026-000303")
    assert now["record"]["version"] == 2 and now["record"]["id"] == ok.json()["new_record_id"]
    assert now["disputed"] is False and now["id"] == first["matter_id"]  # the same matter, corrected
    assert {f["name"]: f["value"] for f in now["record"]["fields"]}["fine_amount"] in ("0.50", 0.5, "0.5")

    revoked = client.post(f"/api/v1/objections/{second['id']}/decision", headers=DEPT,
                          json={"outcome": "revoked", "reason": "该处罚决定已被撤销"})
    assert revoked.status_code == 200, revoked.text
    rec = own_record(client, person, "SCJG-2026-000304")
    assert rec["state"] == "revoked" and rec["ended_on"] is not None and rec["publicity"]["status"] == "revoked"


def test_bad_evidence_and_duplicates_are_refused_and_change_nothing(client, session, settings, keys):
    number = cid(305)
    assert submit(client, [penalty(305, id_number=number, decision_date=days_ago(5))]).status_code == 201
    person = as_person(session, settings, keys, number)
    rec = own_record(client, person, "SCJG-2026-000305")
    fake = [("evidence", ("证明.pdf", b"MZ\x90\x00binary", "application/pdf"))]
    exe = file_objection(client, person, rec["id"], files=fake)
    assert exe.status_code == 415 and exe.json()["code"] == "EVIDENCE_TYPE"
    short = file_objection(client, person, rec["id"], reason="错")
    assert short.status_code == 422 and short.json()["code"] == "OBJECTION_REASON_REQUIRED"
    unknown = file_objection(client, person, "01JBZZZZZZZZZZZZZZZZZZZZZZ")
    assert unknown.status_code == 404 and unknown.json()["code"] == "CASE_TARGET_NOT_FOUND"
    assert own_record(client, person, "SCJG-2026-000305")["disputed"] is False
    assert session.scalars(select(EvidenceFile)).all() == []
    assert file_objection(client, person, rec["id"]).status_code == 201
    dup = file_objection(client, person, rec["id"])
    assert dup.status_code == 409 and dup.json()["code"] == "OBJECTION_ALREADY_OPEN"
    # Someone else's record is not found, not refused: nothing is revealed about it.
    other = as_person(session, settings, keys, cid(306))
    assert file_objection(client, other, rec["id"]).status_code == 404


def test_overdue_objections_escalate_once_to_the_credit_office(client, session, settings, keys):
    number = cid(307)
    assert submit(client, [penalty(307, id_number=number, decision_date=days_ago(5))]).status_code == 201
    person = as_person(session, settings, keys, number)
    made = file_objection(client, person, own_record(client, person, "SCJG-2026-000307")["id"]).json()
    objection = session.scalars(select(Objection).where(Objection.id == made["id"])).one()
    deadline = objection.deadline
    assert service.escalate_overdue(session, on=deadline) == 0  # the last day is still in time
    assert service.escalate_overdue(session, on=deadline + timedelta(days=1), now=utcnow()) == 1
    assert service.escalate_overdue(session, on=deadline + timedelta(days=2)) == 0
    escalated = client.get("/api/v1/objections", headers=OPERATOR, params={"escalated": True}).json()["objections"]
    assert [o["id"] for o in escalated] == [made["id"]]
    detail = client.get(f"{ME}/{made['id']}", headers=person).json()
    assert [e["action"] for e in detail["events"]] == ["filed", "escalated"]


def test_the_person_can_withdraw_and_the_marker_goes(client, session, settings, keys):
    number = cid(308)
    assert submit(client, [penalty(308, id_number=number, decision_date=days_ago(5))]).status_code == 201
    person = as_person(session, settings, keys, number)
    made = file_objection(client, person, own_record(client, person, "SCJG-2026-000308")["id"]).json()
    out = client.post(f"{ME}/{made['id']}/withdraw", headers=person)
    assert out.status_code == 200 and out.json()["status"] == "withdrawn"
    assert own_record(client, person, "SCJG-2026-000308")["disputed"] is False
    assert [o["status"] for o in client.get(ME, headers=person).json()["objections"]] == ["withdrawn"]


def test_a_deadline_counted_into_an_unpublished_year_skips_new_years_day(client, session, settings, keys, clock):
    # Filed on Sunday 6 December 2026, 20 working days: 7 Dec to 31 Dec are 19; 1 January is a
    # statutory holiday every year, 2 and 3 January a weekend: Monday 4 January 2027, estimated
    # while the 2027 schedule is not in the installed calendar.
    clock.set(date(2026, 12, 6))
    number = cid(331)
    assert submit(client, [penalty(331, id_number=number, decision_date=days_ago(40))]).status_code == 201
    person = as_person(session, settings, keys, number)
    made = file_objection(client, person, own_record(client, person, "SCJG-2026-000331")["id"])
    assert made.status_code == 201, made.text
    assert made.json()["deadline"] == "2027-01-04"
    assert made.json()["deadline_estimated"] is (covered_years()[1] < 2027)
