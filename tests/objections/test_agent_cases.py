"""An agent acts for the person only under an authorisation for that purpose and category (R6)."""

from __future__ import annotations

from datetime import timedelta

from chengxin.accounts import service as accounts
from chengxin.clock import utcnow
from helpers import PDF, as_person, cid, days_ago, own_record, penalty, submit

AGENT = "91350100M000100Y43"
FILES = [("evidence", ("委托书.pdf", PDF, "application/pdf"))]


def agent_headers(session, settings) -> dict[str, str]:
    acc = accounts.create_account(session, kind="third_party", display_name="某律师事务所", roles=["third_party"],
                                  org_uscc=AGENT)
    return {"Authorization": f"Bearer {accounts.issue_token(session, settings, acc.id, name='t').token}"}


def grant(client, person, purpose_code: str, scope: list[str]) -> str:
    res = client.post("/api/v1/me/authorisations", headers=person, json={
        "grantee_uscc": AGENT, "purpose_code": purpose_code, "purpose": "委托代为办理", "scope": scope,
        "valid_until": (utcnow() + timedelta(days=30)).isoformat(), "use_mode": "single"})
    assert res.status_code == 201, res.text
    return res.json()["id"]


def test_an_agent_files_for_the_person_only_with_an_agent_authorisation(client, session, settings, keys):
    number = cid(601)
    assert submit(client, [penalty(601, id_number=number, decision_date=days_ago(10))]).status_code == 201
    person = as_person(session, settings, keys, number)
    rec = own_record(client, person, "SCJG-2026-000601")
    agent = agent_headers(session, settings)

    def file(authorisation_id: str):
        return client.post("/api/v1/agent/objections", headers=agent, files=FILES, data={
            "authorisation_id": authorisation_id, "target_kind": "record", "target_id": rec["id"],
            "reason": "受当事人委托：处罚对象认定错误"})

    loan = file(grant(client, person, "loan", ["XZCF"]))
    assert loan.status_code == 403 and loan.json()["code"] == "AUTHZ_PURPOSE"
    narrow = file(grant(client, person, "agent", ["SFCP"]))
    assert narrow.status_code == 403 and narrow.json()["code"] == "AUTHZ_SCOPE"
    ok_id = grant(client, person, "agent", ["XZCF"])
    made = file(ok_id)
    assert made.status_code == 201, made.text
    assert made.json()["agent_uscc"] == AGENT and made.json()["events"][0]["actor"] == f"agent:{AGENT}"
    assert own_record(client, person, "SCJG-2026-000601")["status_label"] == "异议处理中"
    # Single use: the same grant does not serve twice.
    assert file(ok_id).json()["code"] == "AUTHZ_USED"
    # The person sees it among their own objections.
    assert [o["agent_uscc"] for o in client.get("/api/v1/me/objections", headers=person).json()["objections"]] == [
        AGENT]
