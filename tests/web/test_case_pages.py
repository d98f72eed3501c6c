"""The case pages through TestClient: objections, repairs, tip-offs and notices, each as its role sees it."""

from __future__ import annotations

import re
from datetime import timedelta

from web_data import TIPOFF, cases_of, person_headers

from chengxin.clock import today
from chengxin.matters.models import Matter
from chengxin.notices import service as notices
from chengxin.objections import repository as repo
from chengxin.objections import service as objections
from chengxin.records.models import Record
from helpers import DEPT, HR, OPERATOR, PDF, PNG, cid, days_ago, error_code, own_record, penalty, submit, with_csrf

EVIDENCE = [("evidence", ("复议决定书.pdf", PDF, "application/pdf"))]


def _post(client, path: str, headers: dict[str, str] | None, data: dict, files=None):
    return client.post(path, headers=with_csrf(headers, client), data=data, files=files, follow_redirects=False)


def test_a_person_files_an_objection_the_department_corrects_it_and_the_person_is_told(client, session, keys,
                                                                                       factory, settings):
    submit(client, [penalty(401, decision_date=days_ago(60))])
    person = person_headers(session, keys, 401)
    file = client.get("/me/file", headers=person).text
    matter = own_record(client, person, "SCJG-2026-000401")
    rid = matter["id"]
    # One card, one set of actions: the objection, and why a repair cannot be applied for yet.
    assert f'href="/me/objections/new?matter={rid}"' in file and "/me/repairs/eligibility" not in file
    earliest = matter["actions"]["repair"]["earliest"]
    assert earliest and f"最早可于 {earliest} 申请" in file
    form = client.get(f"/me/objections/new?record={matter['record']['id']}", headers=person)  # by its record too
    assert form.status_code == 200 and "20 个工作日" in form.text and 'name="evidence"' in form.text

    short = _post(client, "/me/objections", person, {"target_id": rid, "reason": "错"})  # back to the form
    assert short.status_code == 200 and error_code(short) == "OBJECTION_REASON_REQUIRED"
    assert 'id="e-reason"' in short.text
    made = _post(client, "/me/objections", person, {"target_id": rid, "reason": "罚款金额登记有误，应为一万元"},
                 files=EVIDENCE)
    assert made.status_code == 303, made.text
    detail = client.get(made.headers["location"], headers=person).text
    assert "异议处理中" in detail and "复议决定书.pdf" in detail and "撤回异议" in detail
    file = client.get("/me/file", headers=person).text
    assert "异议处理中" in file and f"/me/objections/new?matter={rid}" not in file  # no second objection
    assert "异议处理中" in client.get(f"/public/records/{rid}").text

    oid = made.headers["location"].rsplit("/", 1)[1]
    queue = client.get("/console/objections", headers=DEPT).text
    assert f'href="/console/objections/{oid}"' in queue
    handle = client.get(f"/console/objections/{oid}", headers=DEPT)
    assert 'name="f_fine_amount" type="text" value="1.5"' in handle.text  # the amount in its canonical text
    ev = re.search(rf'href="(/console/objections/{oid}/evidence/[0-9A-Z]+)"', handle.text).group(1)
    got = client.get(ev, headers=DEPT)
    assert got.content == PDF and got.headers["content-disposition"].startswith("attachment")
    unchanged = _post(client, f"/console/objections/{oid}/decision", DEPT, {"outcome": "corrected", "reason": "更正"})
    assert unchanged.status_code == 422 and error_code(unchanged) == "OBJECTION_CORRECTION_MISSING"
    done = _post(client, f"/console/objections/{oid}/decision", DEPT,
                 {"outcome": "corrected", "reason": "罚款金额登记有误，已更正", "f_fine_amount": "1.00"})
    assert done.status_code == 303, done.text
    live = session.query(Record).filter_by(source_record_id="SCJG-2026-000401", superseded_at=None).one()
    assert live.version == 2 and live.data["fine_amount"] == "1" and live.matter_id == rid
    assert session.get(Matter, (live.subject_key, rid)).disputed_at is None
    assert "已更正" in client.get(f"/me/objections/{oid}", headers=person).text

    session.commit()
    assert notices.deliver_due(factory, keys, settings).delivered >= 2  # filed, decided
    inbox = client.get("/me/notices", headers=person).text
    assert "异议处理结果：已更正" in inbox and "未读" in inbox
    mid = re.search(r'action="/me/notices/([0-9A-Z]+)/read"', inbox).group(1)
    assert _post(client, f"/me/notices/{mid}/read", person, {}).status_code == 303
    assert f'action="/me/notices/{mid}/read"' not in client.get("/me/notices", headers=person).text


def test_a_person_withdraws_and_others_cannot_see_the_objection(client, session, keys):
    submit(client, [penalty(402, decision_date=days_ago(100))])
    person = person_headers(session, keys, 402)
    ids = cases_of(client, person, "SCJG-2026-000402")
    stranger = person_headers(session, keys, 403)
    assert error_code(client.get(f"/me/objections/{ids['objection']}", headers=stranger)) == "OBJECTION_NOT_FOUND"
    other_dept = client.get(f"/console/objections/{ids['objection']}", headers=HR)
    assert other_dept.status_code == 404 and error_code(other_dept) == "OBJECTION_NOT_FOUND"  # not its record
    assert _post(client, f"/me/objections/{ids['objection']}/withdraw", person, {}).status_code == 303
    assert "已撤回" in client.get(f"/me/objections/{ids['objection']}", headers=person).text
    again = _post(client, f"/me/objections/{ids['objection']}/withdraw", person, {})
    assert again.status_code == 409 and error_code(again) == "OBJECTION_CLOSED"


def test_the_credit_office_sees_overdue_objections_highlighted(client, session, keys):
    submit(client, [penalty(404, decision_date=days_ago(100))])
    ids = cases_of(client, person_headers(session, keys, 404), "SCJG-2026-000404")
    assert "没有符合条件的异议" in client.get("/console/objections", headers=OPERATOR).text  # nothing escalated yet
    repo.get(session, ids["objection"]).deadline = today() - timedelta(days=1)  # the department let it lapse
    assert objections.escalate_overdue(session) == 1
    office = client.get("/console/objections", headers=OPERATOR).text
    assert f"/console/objections/{ids['objection']}" in office and 'class="overdue"' in office and "已超期" in office
    assert "督办" in client.get("/console/objections", headers=DEPT).text


def test_repair_eligibility_application_and_review_through_the_pages(client, session, keys):
    submit(client, [penalty(405, decision_date=days_ago(100)), penalty(406, id_number=cid(405),
                                                                        decision_date=days_ago(10))])
    person = person_headers(session, keys, 405)
    early = own_record(client, person, "SCJG-2026-000406")["id"]
    page = client.get(f"/me/repairs/eligibility?record={early}", headers=person).text
    assert "不满足" in page and "最短公示期（3 个月）未满" in page and "最早可申请日期" in page
    assert 'action="/me/repairs"' not in page
    rid = own_record(client, person, "SCJG-2026-000405")["id"]
    page = client.get(f"/me/repairs/eligibility?record={rid}", headers=person).text
    assert "不满足" not in page and "本人郑重承诺" in page and 'name="commitment"' in page
    data = {"target_id": rid, "method": "fine_paid", "statement": "罚款已经缴清"}
    unsigned = _post(client, "/me/repairs", person, data, files=EVIDENCE)  # back to the form
    assert unsigned.status_code == 200 and error_code(unsigned) == "REPAIR_COMMITMENT_REQUIRED"
    made = _post(client, "/me/repairs", person, {**data, "commitment": "yes"}, files=EVIDENCE)
    assert made.status_code == 303, made.text
    repair = made.headers["location"].rsplit("/", 1)[1]
    mine = client.get(f"/me/repairs/{repair}", headers=person).text
    assert "已提交，待受理" in mine and "受理期限" in mine
    signed = client.get(f"/me/repairs/{repair}/commitment.json", headers=person)
    assert signed.json()["document"]["repair_id"] == repair and signed.json()["signature"]["value"]

    assert f'href="/console/repairs/{repair}"' in client.get("/console/repairs", headers=OPERATOR).text
    assert _post(client, f"/console/repairs/{repair}/acceptance", OPERATOR, {"accepted": "yes"}).status_code == 303
    assert "决定期限" in client.get(f"/console/repairs/{repair}", headers=OPERATOR).text
    no_reason = _post(client, f"/console/repairs/{repair}/decision", OPERATOR, {"approved": "yes"})
    assert no_reason.status_code == 422 and error_code(no_reason) == "REPAIR_REASON_REQUIRED"
    assert rid in client.get("/public/records?q=张三").text
    ok = _post(client, f"/console/repairs/{repair}/decision", OPERATOR, {"approved": "yes", "reason": "已缴清罚款"})
    assert ok.status_code == 303
    assert rid not in client.get("/public/records?q=张三").text  # publicity stops at once
    assert "准予修复" in client.get(f"/me/repairs/{repair}", headers=person).text
    assert "已信用修复" in client.get("/me/file", headers=person).text


def test_a_visitor_files_a_tipoff_sees_the_number_once_and_follows_it(client):
    form = client.get("/public/tipoffs")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    made = _post(client, "/public/tipoffs", None, TIPOFF, files=[("evidence", ("照片.png", PNG, "image/png"))])
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    number = re.search(r'<code id="tracking-no">(JB[0-9A-Z]{12})</code>', made.text).group(1)
    followed = _post(client, "/public/tipoffs/follow", None, {"tracking_no": number.lower()})
    assert followed.status_code == 200 and "已受理" in followed.text
    assert "过期食材" not in followed.text and "13800001234" not in followed.text  # no content, no contact
    wrong = _post(client, "/public/tipoffs/follow", None, {"tracking_no": "JB2222222222222"})
    assert wrong.status_code == 404 and error_code(wrong) == "TIPOFF_NOT_FOUND"


def test_the_office_handles_a_tipoff_and_the_result_reaches_the_follow_page(client, session, keys):
    submit(client, [penalty(407)])
    ids = cases_of(client, person_headers(session, keys, 407), "SCJG-2026-000407")
    tid = ids["tipoff"]
    assert f'href="/console/tipoffs/{tid}"' in client.get("/console/tipoffs", headers=OPERATOR).text
    detail = client.get(f"/console/tipoffs/{tid}", headers=OPERATOR).text
    assert "13800001234" in detail and "过期食材" in detail
    ev = re.search(rf'href="(/console/tipoffs/{tid}/evidence/[0-9A-Z]+)"', detail).group(1)
    assert client.get(ev, headers=OPERATOR).content == PNG
    empty = _post(client, f"/console/tipoffs/{tid}/status", OPERATOR, {"status": "closed"})
    assert empty.status_code == 200 and "办结须填写处理结果" in empty.text  # the form comes back
    closed = _post(client, f"/console/tipoffs/{tid}/status", OPERATOR, {"status": "closed", "note": "已移交查处"})
    assert closed.status_code == 303
    followed = _post(client, "/public/tipoffs/follow", None, {"tracking_no": ids["tracking_no"]})
    assert "已办结" in followed.text and "已移交查处" in followed.text
    assert "没有符合条件的举报" in client.get("/console/tipoffs", headers=OPERATOR).text  # closed left the queue


def test_the_public_portal_masks_and_pages(client):
    submit(client, [penalty(408, name="李四")])
    page = client.get("/public/records?q=李四")
    assert page.status_code == 200 and "李*" in page.text and cid(408) not in page.text
    assert "没有“王五”的公示信息" in client.get("/public/records?q=王五").text
    assert client.get("/public/lists?list_type=black").status_code == 200
    gone = client.get("/public/records/01JD0000000000000000000000")
    assert gone.status_code == 404 and error_code(gone) == "PUBLIC_RECORD_NOT_FOUND"
    home = client.get("/").text
    assert 'href="/public/records"' in home and 'href="/public/tipoffs"' in home
