"""Alert API: auditors list and acknowledge; others are refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from chengxin.accounts.models import Account, SecurityEvent
from chengxin.alerts import service
from chengxin.clock import utcnow
from helpers import DEPT, OPERATOR, as_role

AUDITOR = as_role("auditor")


def raise_one(session, settings) -> str:
    session.add(SecurityEvent(at=utcnow() - timedelta(minutes=1), kind="token_new_ip",
                              account_id="01APIALERTACCOUNT000000001", ip="198.51.100.7"))
    session.flush()
    service.scan(session, utcnow(), settings)
    session.commit()
    return service.listing(session, "open", "token_new_ip", 1, 0)[1][0].id


def test_auditor_lists_and_acknowledges(client, session, settings):
    alert_id = raise_one(session, settings)
    res = client.get("/api/v1/alerts", params={"status": "open"}, headers=AUDITOR)
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["total"] >= 1
    listed = next(a for a in body["alerts"] if a["id"] == alert_id)
    assert listed["rule_label"] == "令牌在新地址使用" and listed["ip"] == "198.51.100.7"

    res = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"note": "已核实：新机房地址"}, headers=AUDITOR)
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "acknowledged" and res.json()["note"] == "已核实：新机房地址"
    auditor_id = session.scalars(select(Account.id).where(Account.username == "test_auditor")).one()
    assert res.json()["acknowledged_by"] == auditor_id

    again = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"note": "x"}, headers=AUDITOR)
    assert again.status_code == 409 and again.json()["code"] == "ALERT_ALREADY_ACKNOWLEDGED"
    open_now = client.get("/api/v1/alerts", params={"status": "open"}, headers=AUDITOR).json()
    assert alert_id not in {a["id"] for a in open_now["alerts"]}
    acked = client.get("/api/v1/alerts", params={"status": "acknowledged"}, headers=AUDITOR).json()
    assert alert_id in {a["id"] for a in acked["alerts"]}


def test_others_are_refused(client, session, settings):
    alert_id = raise_one(session, settings)
    assert client.get("/api/v1/alerts").status_code == 401
    assert client.get("/api/v1/alerts", headers=DEPT).status_code == 403
    assert client.get("/api/v1/alerts", headers=OPERATOR).status_code == 200  # operators may read
    res = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"note": "x"}, headers=OPERATOR)
    assert res.status_code == 403
    res = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", json={"note": ""}, headers=AUDITOR)
    assert res.status_code == 422


def test_bad_filters_are_clear_errors(client):
    assert client.get("/api/v1/alerts", params={"status": "closed"}, headers=AUDITOR).status_code == 422
    res = client.get("/api/v1/alerts", params={"rule": "no_such_rule"}, headers=AUDITOR)
    assert res.status_code == 400 and res.json()["code"] == "ALERT_RULE_UNKNOWN"
    res = client.post("/api/v1/alerts/01NOSUCHALERT0000000000000/acknowledge", json={"note": "x"}, headers=AUDITOR)
    assert res.status_code == 404 and res.json()["code"] == "ALERT_NOT_FOUND"
