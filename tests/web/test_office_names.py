"""Staff read names, not ids: alerts name the account (its display name and username) and the department,
and who acknowledged; a case's history names the department that acted."""

from __future__ import annotations

import re
from datetime import timedelta

from web_data import person_headers

from chengxin.accounts import service as accounts
from chengxin.accounts.models import SecurityEvent
from chengxin.alerts import service as alerts
from chengxin.clock import utcnow
from helpers import DEPT, OPERATOR, as_role, days_ago, own_record, penalty, submit, with_csrf

AUDITOR = as_role("auditor")


def test_alerts_name_the_account_and_who_acknowledged(client, session, settings):
    account = accounts.create_account(session, kind="department", display_name="市监局报送系统", roles=["submitter"],
                                      department_code="market_regulation")
    staff = accounts.create_account(session, kind="staff", display_name="王审计", roles=["auditor"],
                                    username="wangshenji", password="Xinyong-2026!")
    session.add(SecurityEvent(at=utcnow() - timedelta(minutes=1), kind="token_new_ip", account_id=account.id,
                              ip="198.51.100.7"))
    session.flush()
    alerts.scan(session, utcnow(), settings)
    session.flush()
    page = client.get("/alerts", headers=OPERATOR).text
    card = re.search(r'<article class="record" id="a-(\w+)">(.*?)</article>', page, re.S)
    assert card and "市监局报送系统" in card.group(2)
    assert account.id not in page  # neither in the facts nor in the stored message
    alert_id = card.group(1)
    alerts.acknowledge(session, alert_id, staff.id, "已核实：新机房地址", utcnow())
    session.flush()
    done = client.get("/alerts?status=acknowledged", headers=OPERATOR).text
    assert "王审计（wangshenji）" in done and staff.id not in done
    assert accounts.account_names(session, ["01NOSUCHACCOUNT00000000000"]) == {
        "01NOSUCHACCOUNT00000000000": "已删除的账号"}


def test_a_case_history_names_the_department_that_acted(client, session, keys):
    submit(client, [penalty(471, decision_date=days_ago(30))])
    person = person_headers(session, keys, 471)
    rid = own_record(client, person, "SCJG-2026-000471")["id"]
    oid = client.post("/api/v1/me/objections", headers=person, data={
        "target_kind": "record", "target_id": rid, "reason": "处罚对象认定有误"}).json()["id"]
    assert client.post(f"/console/objections/{oid}/decision", headers=with_csrf(DEPT), follow_redirects=False, data={
        "outcome": "upheld", "reason": "维持"}).status_code == 303
    page = client.get(f"/console/objections/{oid}", headers=DEPT).text
    history = re.search(r'id="h-history".*?</section>', page, re.S).group(0)
    assert "市市场监督管理局" in history and "market_regulation" not in history


def test_the_audit_log_page_names_the_reading_account(client, session, keys):
    submit(client, [penalty(472, decision_date=days_ago(30))])
    person = person_headers(session, keys, 472)
    rid = own_record(client, person, "SCJG-2026-000472")["id"]
    oid = client.post("/api/v1/me/objections", headers=person, data={
        "target_kind": "record", "target_id": rid, "reason": "处罚对象认定有误"}).json()["id"]
    assert client.get(f"/console/objections/{oid}", headers=OPERATOR).status_code == 200  # a logged read
    operator = client.get("/api/v1/auth/me", headers=OPERATOR).json()["account_id"]
    page = client.get("/audit/log", headers=AUDITOR).text
    assert "operator（test_operator）" in page and operator not in page
