"""A pending administrative reconsideration or lawsuit is recorded on the matter by its deciding
department (or the office) with its effect: the matter stays in effect and every surface says
"行政复议中"; a decision revoked ends the matter everywhere; upheld, it goes on."""

from __future__ import annotations

from chengxin.creditfile.schemas import MatterOut
from chengxin.reports.content import line
from helpers import (
    DEPT,
    HR,
    OPERATOR,
    as_dept,
    as_person,
    check,
    cid,
    days_ago,
    error_code,
    own_record,
    penalty,
    submit,
    with_csrf,
)

TAX = as_dept("tax")
HONOURS = "honours"


def _matter(client, session, settings, keys, n: int, **extra: str):
    number = cid(n)
    assert submit(client, [penalty(n, id_number=number, decision_date=days_ago(20), **extra)]).status_code == 201
    person = as_person(session, settings, keys, number)
    return number, person, own_record(client, person, f"SCJG-2026-{n:06d}")["id"]


def _card(client, person, matter_id: str) -> dict:
    file = client.get("/api/v1/me/file", headers=person).json()
    return next(m for c in file["categories"] for m in c["matters"] if m["id"] == matter_id)


APPEAL = {"kind": "reconsideration", "case_number": "示复〔2026〕12号", "body": "示范市人民政府",
          "filed_on": days_ago(3)}


def test_a_reconsideration_is_shown_everywhere_and_a_revocation_ends_the_matter(client, session, settings, keys):
    # Serious: the honours measure that still applies during the review (P-PXPY-02) reaches serious records.
    number, person, matter = _matter(client, session, settings, keys, 1841, severity="serious",
                                     severity_reason="情节严重")
    other = client.post(f"/api/v1/matters/{matter}/appeals", headers=TAX, json=APPEAL)
    assert other.status_code == 404 and error_code(other) == "MATTER_NOT_FOUND"
    made = client.post(f"/api/v1/matters/{matter}/appeals", headers=DEPT, json=APPEAL)
    assert made.status_code == 201, made.text
    appeal = made.json()
    assert appeal["status_label"] == "行政复议中" and "不停止执行" in appeal["effect"]
    assert error_code(client.post(f"/api/v1/matters/{matter}/appeals", headers=OPERATOR,
                                  json=APPEAL)) == "APPEAL_ALREADY_PENDING"
    # The person's file, the department's view and the matter page say so; the matter is still in effect.
    card = _card(client, person, matter)
    assert card["status_label"] == "行政复议中" and card["state"] == "in_effect"
    assert "行政复议中（示复〔2026〕12号）" in line(MatterOut.model_validate(card)).marks  # and in a credit report
    assert "行政复议中" in client.get("/me/file", headers=person).text
    dept = client.post("/api/v1/files/query", headers=DEPT, json={"id_number": number, "purpose": "核查"}).json()
    assert next(m for c in dept["categories"] for m in c["matters"] if m["id"] == matter)["appeal"]["status"] \
        == "pending"
    assert "行政复议中" in client.get(f"/console/matters/{matter}", headers=DEPT).text
    assert check(client, number, HONOURS, headers=HR).json()["decision"] == "review"  # measures still apply
    # Another department cannot record its outcome; the deciding one records a revocation.
    assert client.post(f"/api/v1/appeals/{appeal['id']}/outcome", headers=TAX,
                       json={"outcome": "revoked", "note": "撤销"}).status_code == 404
    done = client.post(f"/api/v1/appeals/{appeal['id']}/outcome", headers=DEPT,
                       json={"outcome": "revoked", "note": "示复决〔2026〕12号：事实不清，撤销原处罚决定"})
    assert done.status_code == 200 and done.json()["status_label"] == "原决定被撤销"
    card = _card(client, person, matter)
    assert card["state"] == "revoked" and card["appeal"]["status"] == "revoked"
    assert "示复〔2026〕12号" in card["end_note"]
    assert check(client, number, HONOURS, headers=HR).json()["decision"] != "review"
    assert client.post(f"/api/v1/appeals/{appeal['id']}/outcome", headers=DEPT,
                       json={"outcome": "upheld", "note": "维持"}).status_code == 409


def test_an_upheld_lawsuit_leaves_the_matter_in_effect_recorded_through_the_pages(client, session, settings, keys):
    _, person, matter = _matter(client, session, settings, keys, 1842)
    page = f"/console/matters/{matter}"
    missing = client.post(f"{page}/appeals", headers=with_csrf(DEPT, client),
                          data={"kind": "lawsuit", "case_number": "", "body": "示范区人民法院",
                                "filed_on": days_ago(1)})
    assert missing.status_code == 422 and "请填写案号" in missing.text
    made = client.post(f"{page}/appeals", headers=with_csrf(DEPT, client), follow_redirects=False,
                       data={"kind": "lawsuit", "case_number": "（2026）示0102行初12号", "body": "示范区人民法院",
                             "filed_on": days_ago(1)})
    assert made.status_code == 303
    assert _card(client, person, matter)["status_label"] == "行政诉讼中"
    appeal = _card(client, person, matter)["appeal"]["id"]
    upheld = client.post(f"/console/appeals/{appeal}/outcome", headers=with_csrf(DEPT, client),
                         data={"outcome": "upheld", "note": "判决驳回诉讼请求"}, follow_redirects=False)
    assert upheld.status_code == 303
    card = _card(client, person, matter)
    assert card["state"] == "in_effect" and card["status_label"] is None
    assert card["appeal"]["status_label"] == "原决定被维持"
