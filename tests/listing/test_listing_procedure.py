"""The listing procedure walks notice → statement → decision on the working-day calendar (R12, R13).

Date-sensitive: the clock is set around National Day 2026 (holiday 1–7 October, make-up working
day Saturday 10 October) to prove the statement period counts working days."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from chengxin.notices.models import Notice
from chengxin.publicity.rules import default_tiers, earliest_repair_day
from helpers import COURT, DEPT, HR, OPERATOR, as_person, check, cid, court_case, error_code, submit

FACTS = "拒不支付劳动报酬，经责令限期支付后逾期仍未支付"
BASIS = "《保障农民工工资支付条例》第四十八条"


def _open(client, n: int, headers=HR, **extra):
    return client.post("/api/v1/listing-procedures", headers=headers, json={
        "id_number": cid(n), "name": "吴十", "facts": FACTS, "basis": BASIS, **extra})


def _notices(session, kind: str) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.kind == kind, Notice.channel == "inapp")))


def test_notice_statement_decision_on_working_days(client, session, settings, keys, clock):
    clock.set(date(2026, 9, 30))  # Wednesday before National Day
    res = _open(client, 801, reference="人社告〔2026〕12号")
    assert res.status_code == 201, res.text
    proc = res.json()
    # 5 working days: 8, 9, 10 (make-up Saturday), 12, 13 October; not 7 October (calendar days)
    # nor 14 October (Monday to Friday only).
    assert proc["statement_due"] == "2026-10-13" and proc["state"] == "noticed"
    assert proc["measures"] and all(m["name"] for m in proc["measures"])
    (notice,) = _notices(session, "listing_notice")
    assert FACTS in notice.body and BASIS in notice.body and "2026-10-13" in notice.body
    assert proc["measures"][0]["name"] in notice.body and "陈述、申辩" in notice.body and "36 个月" in notice.body
    assert "“列入告知”页面" in notice.body  # where the person states their case: /me/listing
    assert check(client, cid(801), "honours").json()["decision"] == "clear"  # told, not listed

    clock.set(date(2026, 10, 13))  # the last day of the period: too early without a statement
    early = client.post(f"/api/v1/listing-procedures/{proc['id']}/decision", headers=HR,
                        json={"outcome": "list", "reasons": "事实清楚"})
    assert early.status_code == 409 and error_code(early) == "LISTING_DECISION_TOO_EARLY"

    person = as_person(session, settings, keys, cid(801))
    mine = client.get("/api/v1/me/listing-procedures", headers=person).json()["procedures"]
    assert [p["id"] for p in mine] == [proc["id"]]
    stated = client.post(f"/api/v1/me/listing-procedures/{proc['id']}/statement", headers=person,
                         json={"statement": "工资已全部结清"})
    assert stated.status_code == 200 and stated.json()["state"] == "stated"
    assert stated.json()["stated_via"] == "online"
    again = client.post(f"/api/v1/me/listing-procedures/{proc['id']}/statement", headers=person,
                        json={"statement": "再说一次"})
    assert again.status_code == 409 and error_code(again) == "LISTING_ALREADY_STATED"

    unanswered = client.post(f"/api/v1/listing-procedures/{proc['id']}/decision", headers=HR,
                             json={"outcome": "list", "reasons": "事实清楚"})
    assert unanswered.status_code == 422 and error_code(unanswered) == "LISTING_ANSWER_REQUIRED"
    other = client.post(f"/api/v1/listing-procedures/{proc['id']}/decision", headers=DEPT,
                        json={"outcome": "list", "reasons": "事实清楚", "answer": "不采纳"})
    assert other.status_code in (403, 404)
    decided = client.post(f"/api/v1/listing-procedures/{proc['id']}/decision", headers=HR, json={
        "outcome": "list", "reasons": "经核实仍拖欠 12 人工资", "answer": "所称已结清与银行流水不符，不予采纳",
        "reference": "人社失信〔2026〕12号"})
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["state"] == "listed" and body["matter_id"] and body["decided_on"] == "2026-10-13"
    assert check(client, cid(801), "honours").json()["decision"] == "block"
    entries = client.get("/api/v1/lists/entries", headers=HR, params={"list_type": "black"}).json()["entries"]
    (entry,) = [e for e in entries if e["id"] == body["matter_id"]]
    assert entry["start_date"] == "2026-10-13" and entry["reference"] == "人社失信〔2026〕12号"
    assert entry["planned_end"] == "2029-10-13"
    (served,) = _notices(session, "listing_decision")  # one notice, both documents (两书同达)
    earliest = earliest_repair_day(date(2026, 10, 13), default_tiers()["serious"])
    assert "列入决定书" in served.body and "信用修复告知书" in served.body
    assert "所称已结清与银行流水不符" in served.body and f"自 {earliest.isoformat()} 起" in served.body
    assert "申请信用修复" in served.body and "人力资源" in served.body
    closed = client.post(f"/api/v1/listing-procedures/{proc['id']}/withdrawal", headers=HR, json={"reasons": "x"})
    assert closed.status_code == 409 and error_code(closed) == "LISTING_PROCEDURE_CLOSED"


def test_period_ends_without_statement_then_not_listed(client, session, settings, keys, clock):
    clock.set(date(2026, 9, 30))
    proc = _open(client, 802).json()
    clock.set(date(2026, 10, 14))  # the period ran out on the 13th
    person = as_person(session, settings, keys, cid(802))
    late = client.post(f"/api/v1/me/listing-procedures/{proc['id']}/statement", headers=person,
                       json={"statement": "迟到的陈述"})
    assert late.status_code == 409 and error_code(late) == "LISTING_STATEMENT_LATE"
    res = client.post(f"/api/v1/listing-procedures/{proc['id']}/decision", headers=HR,
                      json={"outcome": "not_list", "reasons": "已在告知后全部支付"})
    assert res.status_code == 200 and res.json()["state"] == "not_listed" and res.json()["matter_id"] is None
    (told,) = _notices(session, "listing_not_listed")
    assert "决定不将您列入" in told.body and "已在告知后全部支付" in told.body
    assert check(client, cid(802), "honours").json()["decision"] == "clear"


def test_counter_statement_is_recorded_as_such(client, session):
    proc = _open(client, 803).json()
    url = f"/api/v1/listing-procedures/{proc['id']}/counter-statement"
    unchecked = client.post(url, headers=OPERATOR, json={"statement": "口头陈述", "id_checked": False})
    assert unchecked.status_code == 422 and error_code(unchecked) == "LISTING_ID_NOT_CHECKED"
    elsewhere = client.post(url, headers=DEPT, json={"statement": "口头陈述", "id_checked": True})
    assert elsewhere.status_code == 404  # another department's counter does not hold it
    res = client.post(url, headers=OPERATOR, json={"statement": "当事人到窗口口头陈述：工资已结清", "id_checked": True})
    assert res.status_code == 200, res.text
    assert res.json()["stated_via"] == "counter" and res.json()["stated_via_label"] == "窗口代为录入"
    decided = client.post(f"/api/v1/listing-procedures/{proc['id']}/decision", headers=HR, json={
        "outcome": "list", "reasons": "事实清楚", "answer": "不予采纳"})
    assert decided.status_code == 200 and decided.json()["state"] == "listed"  # a statement in: no waiting


def test_direct_black_listing_needs_the_procedure_but_court_lists_skip_it(client):
    res = client.post("/api/v1/lists/entries", headers=HR, json={
        "list_type": "black", "id_number": cid(804), "name": "吴十", "basis": BASIS,
        "start_date": "2026-06-01", "severity": "serious"})
    assert res.status_code == 422 and error_code(res) == "LISTING_PROCEDURE_REQUIRED"
    assert check(client, cid(804), "honours").json()["decision"] == "clear"
    court = client.post("/api/v1/lists/entries", headers=COURT, json={
        "list_type": "black", "id_number": cid(805), "name": "郑二", "basis": "（2026）京0105执123号",
        "start_date": "2026-06-01", "severity": "serious"})
    assert court.status_code == 201 and court.json()["item_code"] == "SFCP-01"
    submit(client, [court_case(806)], headers=COURT)  # a court's record lists at once, as before
    assert check(client, cid(806), "civil_service_recruitment").json()["decision"] == "block"


def test_minor_and_duplicate_notices_are_refused(client):
    minor = _open(client, 807, id_number=cid(807, born=date(2012, 3, 1)))
    assert minor.status_code == 422 and error_code(minor) == "LIST_MINOR_NOT_ALLOWED"
    assert _open(client, 808).status_code == 201
    twice = _open(client, 808)
    assert twice.status_code == 409 and error_code(twice) == "LISTING_PROCEDURE_OPEN"


def test_withdrawn_notice_tells_the_person(client, session):
    proc = _open(client, 809).json()
    res = client.post(f"/api/v1/listing-procedures/{proc['id']}/withdrawal", headers=HR,
                      json={"reasons": "告知对象有误"})
    assert res.status_code == 200 and res.json()["state"] == "withdrawn"
    (told,) = _notices(session, "listing_withdrawn")
    assert "告知对象有误" in told.body
