"""List management pages: a department lists a person directly and takes the entry off with a reason, the
credit office browses every department's entries; reads are logged; the person sees the entry on the file
and objects to it."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select
from web_data import person_headers

from chengxin.access.models import AccessEntry
from chengxin.clock import today
from helpers import COURT, DEPT, HR, OPERATOR, PDF, cid, court_case, days_ago, error_code, submit, with_csrf

FORM = {"list_type": "watch", "subject": "person", "id_type": "citizen_id", "name": "李四",
        "basis": "《保障农民工工资支付条例》第四十八条", "reference": "市监失信〔2026〕3号", "severity": "general"}


def _post(client, path: str, headers: dict[str, str], data: dict, files=None):
    return client.post(path, headers=with_csrf(headers), data=data, files=files, follow_redirects=False)


def _logged(session, subject_key: str) -> int:
    return len(session.scalars(select(AccessEntry).where(AccessEntry.subject_key == subject_key,
                                                         AccessEntry.action == "list")).all())


def test_a_department_lists_a_person_and_takes_the_entry_off_with_a_reason(client, session, keys):
    black = {**FORM, "list_type": "black", "severity": "serious"}
    minor = _post(client, "/console/lists", DEPT, {**black, "id_number": cid(451, born=date(2015, 1, 1)),
                                                   "start_date": days_ago(5)})
    assert minor.status_code == 422 and "未成年人不得列入严重失信主体名单" in minor.text
    # A department's black listing goes through the listing procedure (R13), not this form.
    direct = _post(client, "/console/lists", DEPT, {**black, "id_number": cid(452), "start_date": days_ago(5)})
    assert direct.status_code == 422 and "请发起列入程序" in direct.text
    assert 'href="/console/listing/new"' in direct.text
    assert cid(451, born=date(2015, 1, 1)) not in minor.text and 'value="李四"' in minor.text  # number not echoed
    made = _post(client, "/console/lists", DEPT, {**FORM, "id_number": cid(452), "start_date": days_ago(5)})
    assert made.status_code == 303, made.text
    eid = made.headers["location"].rsplit("/", 1)[1]
    key = keys.subject_key("citizen_id", cid(452))

    page = client.get(f"/console/lists/{eid}", headers=DEPT).text
    assert "李四" in page and "市监失信〔2026〕3号" in page and "移出名单" in page and cid(452) not in page
    assert 'value="court_deleted"' not in page  # only a court deletes its list
    assert _logged(session, key) == 1
    office = client.get("/console/lists", headers=OPERATOR).text
    assert f'href="/console/lists/{eid}"' in office and "部门直接列入" in office and _logged(session, key) == 2
    assert "直接列入名单" not in office  # the office browses; departments list
    assert f"/console/lists/{eid}" not in client.get("/console/lists", headers=HR).text  # not HR's entry
    assert error_code(client.get(f"/console/lists/{eid}", headers=HR)) == "LIST_ENTRY_NOT_FOUND"

    # A refused exit comes back to the entry with the message beside its field and what was typed kept.
    court = _post(client, f"/console/lists/{eid}/exit", DEPT, {"reason": "court_deleted", "note": "已履行"})
    assert court.status_code == 200 and 'class="error-summary"' in court.text
    assert re.search(r'id="e-reason">.*?只有人民法院可以删除', court.text, re.S) and ">已履行</textarea>" in court.text
    bare = _post(client, f"/console/lists/{eid}/exit", DEPT, {"reason": "revoked", "note": " "})
    assert bare.status_code == 200 and re.search(r'id="e-note">.*?移出名单必须说明理由', bare.text, re.S)
    assert re.search(r'value="revoked" required checked', bare.text)
    unchosen = _post(client, f"/console/lists/{eid}/exit", DEPT, {"note": "认定决定已撤销"})
    assert unchosen.status_code == 200 and "请选择移出理由" in unchosen.text
    assert ">认定决定已撤销</textarea>" in unchosen.text
    assert _post(client, f"/console/lists/{eid}/exit", DEPT, {"reason": "revoked", "note": "认定决定已撤销"}
                 ).status_code == 303
    after = client.get(f"/console/lists/{eid}", headers=DEPT).text
    assert "撤销" in after and f"{today().isoformat()}（撤销）" in after and 'action="/console/lists/' not in after
    assert f"/console/lists/{eid}" not in client.get("/console/lists", headers=DEPT).text  # active by default
    assert f"/console/lists/{eid}" in client.get("/console/lists?status=exited", headers=DEPT).text


def test_the_office_filters_by_list_and_department(client, session, keys):
    assert submit(client, [court_case(453, decided=days_ago(30))], headers=COURT).status_code == 201
    court = client.get("/console/lists?list_type=black&department=court", headers=OPERATOR).text
    assert "赵六" in court and "随信用记录列入" in court
    assert "赵六" not in client.get("/console/lists?list_type=red", headers=OPERATOR).text
    assert "赵六" not in client.get("/console/lists?department=market_regulation", headers=OPERATOR).text
    assert client.get("/console/lists/new", headers=OPERATOR).status_code == 403  # a department lists
    assert client.get("/console/lists", headers=person_headers(session, keys, 453)).status_code == 403


def test_the_person_sees_the_list_entry_on_the_file_and_objects_to_it(client, session, keys):
    made = client.post("/api/v1/lists/entries", headers=DEPT, json={
        "list_type": "watch", "id_number": cid(454), "name": "王五", "basis": "《条例》第十条",
        "start_date": days_ago(10), "severity": "general"})
    assert made.status_code == 201, made.text
    eid = made.json()["id"]
    person = person_headers(session, keys, 454)
    file = client.get("/me/file", headers=person).text
    assert "名单信息（1）" in file and "重点关注名单" in file
    assert f'href="/me/objections/new?matter={eid}"' in file
    assert "/me/repairs/eligibility" not in file and "最短公示期（3 个月）未满" in file  # listed 10 days ago
    form = client.get(f"/me/objections/new?entry={eid}", headers=person)
    assert form.status_code == 200 and "《条例》第十条" in form.text
    assert 'name="target_kind" value="matter"' in form.text and f'name="target_id" value="{eid}"' in form.text
    assert client.get(f"/me/repairs/eligibility?entry={eid}", headers=person).status_code == 200
    filed = _post(client, "/me/objections", person, {"target_kind": "list_entry", "target_id": eid,
                                                      "reason": "本人并无该失信行为"},
                  files=[("evidence", ("说明.pdf", PDF, "application/pdf"))])
    assert filed.status_code == 303, filed.text
    file = client.get("/me/file", headers=person).text
    assert "异议处理中" in file and f"/me/objections/new?matter={eid}" not in file
    assert re.search(r"重点关注名单.*?异议处理中", client.get("/console/lists", headers=DEPT).text, re.S)


def _file_reads(session, subject_key: str) -> int:
    return len(session.scalars(select(AccessEntry).where(AccessEntry.subject_key == subject_key,
                                                         AccessEntry.action == "file")).all())


def test_an_entry_links_to_the_persons_credit_file_for_those_who_may_read_files(client, session, keys):
    assert submit(client, [court_case(455, decided=days_ago(30))], headers=COURT).status_code == 201
    made = _post(client, "/console/lists", DEPT, {**FORM, "id_number": cid(455), "start_date": days_ago(5)})
    eid = made.headers["location"].rsplit("/", 1)[1]
    key = keys.subject_key("citizen_id", cid(455))
    page = client.get(f"/console/lists/{eid}", headers=DEPT).text
    assert f'href="/console/lists/{eid}/file"' in page and "的信用档案" in page
    file = client.get(f"/console/lists/{eid}/file", headers=DEPT)
    assert file.status_code == 200 and "信用档案" in file.text and cid(455) not in file.text  # masked for a department
    assert "重点关注名单" in file.text and f'href="/console/lists/{eid}"' in file.text
    assert _file_reads(session, key) == 1  # read through the access log, as the API's file query
    entry = client.get(f"/console/lists/{eid}", headers=OPERATOR).text
    assert 'id="exit-by"' in entry and "移出名单由列入部门（市市场监督管理局）办理" in entry  # why no button here
    office = client.get(f"/console/lists/{eid}/file", headers=OPERATOR)
    assert office.status_code == 200 and "市中级人民法院" in office.text  # the office sees every department's matters
    assert _file_reads(session, key) == 2
    # Another department reaches neither the entry nor the file through it.
    for other in (COURT, HR):
        assert error_code(client.get(f"/console/lists/{eid}/file", headers=other)) == "LIST_ENTRY_NOT_FOUND"
