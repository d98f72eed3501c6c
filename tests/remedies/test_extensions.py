"""申请延期 (the seeds' loss-reducing steps): for an obligation not yet due the person asks the deciding
department for an extension; that department (not another) grants or refuses with reasons; while
granted, the file says what it does."""

from __future__ import annotations

from datetime import timedelta

from chengxin.clock import today
from helpers import (
    DEPT,
    OPERATOR,
    as_dept,
    as_person,
    cid,
    days_ago,
    error_code,
    own_record,
    penalty,
    submit,
    with_csrf,
)

TAX = as_dept("tax")


def _matter(client, session, settings, keys, n: int):
    number = cid(n)
    assert submit(client, [penalty(n, id_number=number, decision_date=days_ago(20))]).status_code == 201
    person = as_person(session, settings, keys, number)
    return person, own_record(client, person, f"SCJG-2026-{n:06d}")["id"]


def _card(client, person, matter_id: str) -> dict:
    file = client.get("/api/v1/me/file", headers=person).json()
    return next(m for c in file["categories"] for m in c["matters"] if m["id"] == matter_id)


def test_an_extension_for_an_obligation_not_yet_due_is_decided_by_the_deciding_department(
        client, session, settings, keys):
    person, matter = _matter(client, session, settings, keys, 1831)
    due, until = today() + timedelta(days=10), today() + timedelta(days=40)
    body = {"obligation": "缴纳罚款", "due_date": due.isoformat(), "requested_until": until.isoformat(),
            "reason": "家中变故，暂时无力一次缴清"}
    url = f"/api/v1/me/matters/{matter}/extensions"
    past = client.post(url, headers=person, json={**body, "due_date": (today() - timedelta(days=1)).isoformat()})
    assert past.status_code == 422 and error_code(past) == "EXTENSION_ALREADY_DUE"
    far = client.post(url, headers=person, json={**body, "requested_until": (due + timedelta(days=200)).isoformat()})
    assert error_code(far) == "EXTENSION_TOO_LONG"
    made = client.post(url, headers=person, json=body)
    assert made.status_code == 201, made.text
    ext = made.json()
    assert ext["status"] == "requested" and ext["department_code"] == "market_regulation"
    assert error_code(client.post(url, headers=person, json=body)) == "EXTENSION_ALREADY_PENDING"
    assert _card(client, person, matter)["extension"]["status_label"] == "延期申请审核中"
    # Another department neither sees nor decides it.
    assert client.get("/api/v1/extensions", headers=TAX).json()["extensions"] == []
    other = client.post(f"/api/v1/extensions/{ext['id']}/decision", headers=TAX,
                        json={"granted": True, "reason": "同意"})
    assert other.status_code == 404 and error_code(other) == "EXTENSION_NOT_FOUND"
    assert [e["id"] for e in client.get("/api/v1/extensions", headers=DEPT).json()["extensions"]] == [ext["id"]]
    # Granted to an earlier day than asked: the file says what it does.
    bad = client.post(f"/api/v1/extensions/{ext['id']}/decision", headers=DEPT,
                      json={"granted": True, "until": (until + timedelta(days=1)).isoformat(), "reason": "同意"})
    assert error_code(bad) == "EXTENSION_UNTIL_INVALID"
    granted_until = until - timedelta(days=10)
    done = client.post(f"/api/v1/extensions/{ext['id']}/decision", headers=DEPT,
                       json={"granted": True, "until": granted_until.isoformat(), "reason": "情况属实"})
    assert done.status_code == 200 and done.json()["status"] == "granted"
    card = _card(client, person, matter)["extension"]
    assert card["granted_until"] == granted_until.isoformat()
    assert card["effect"] == f"履行期限延至 {granted_until.isoformat()}，在此日期前履行的，不因逾期未履行该义务认定失信"
    assert granted_until.isoformat() in client.get("/me/file", headers=person).text
    again = client.post(f"/api/v1/extensions/{ext['id']}/decision", headers=DEPT,
                        json={"granted": False, "reason": "x"})
    assert again.status_code == 409


def test_an_extension_through_the_pages_refused_with_reasons(client, session, settings, keys):
    person, matter = _matter(client, session, settings, keys, 1832)
    due, until = today() + timedelta(days=5), today() + timedelta(days=30)
    form = f"/me/matters/{matter}/extension"
    assert "申请延期履行" in client.get(form, headers=person).text
    typed = {"obligation": "缴纳罚款", "due_date": due.isoformat(), "requested_until": due.isoformat(),
             "reason": "资金周转困难"}
    bad = client.post(form, headers=with_csrf(person, client), data=typed)
    assert bad.status_code == 422 and "须晚于原履行期限" in bad.text and "资金周转困难" in bad.text
    ok = client.post(form, headers=with_csrf(person, client), data={**typed, "requested_until": until.isoformat()},
                     follow_redirects=False)
    assert ok.status_code == 303
    queue = client.get("/console/repairs", headers=DEPT).text
    assert "待决定的延期履行申请" in queue and f"/console/matters/{matter}" in queue
    page = client.get(f"/console/matters/{matter}", headers=DEPT)
    assert page.status_code == 200 and "延期申请审核中" in page.text
    assert client.get(f"/console/matters/{matter}", headers=TAX).status_code == 404
    ext = client.get("/api/v1/extensions", headers=OPERATOR).json()["extensions"][0]["id"]
    no_reason = client.post(f"/console/extensions/{ext}/decision", headers=with_csrf(DEPT, client),
                            data={"granted": "no", "reason": ""})
    assert no_reason.status_code == 422 and "作出决定须说明理由" in no_reason.text
    refused = client.post(f"/console/extensions/{ext}/decision", headers=with_csrf(DEPT, client),
                          data={"granted": "no", "reason": "罚款数额不大，不符合延期条件"}, follow_redirects=False)
    assert refused.status_code == 303
    mine = client.get(form, headers=person).text
    assert "不予延期" in mine and "罚款数额不大，不符合延期条件" in mine
