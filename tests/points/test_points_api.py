"""Integrity points over HTTP: the public model, opting in and out, a ledger that follows the file,
repair taking a matter's effect away at once, minors never scored, grades answered as green
measures in checks (and never as anything else)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from chengxin.clock import today
from chengxin.points.models import PointsConsent
from helpers import DEPT, HR, OPERATOR, PNG, as_person, check, cid, honour, matters_of, own_record, penalty, submit

MODEL = "/api/v1/points/model"
MINE = "/api/v1/me/points"
CONSENT = "/api/v1/me/points/consent"
SERVICE = "public_service"
GRADE_A_ONLY = "R-JFMY-01"  # 免押金: grade A
GRADE_AB = ("R-JFRQ-01", "R-JFYX-01")


def consents(session) -> int:
    return session.scalar(select(func.count()).select_from(PointsConsent))


def test_the_model_in_force_is_public_with_its_limits_and_what_each_grade_unlocks(client):
    body = client.get(MODEL).json()
    assert body["version"] == "2026.1" and body["base"] == 600
    assert any("自愿开通" in p for p in body["principles"]) and any("惩戒" in p for p in body["principles"])
    grades = {g["code"]: g for g in body["grades"]}
    assert GRADE_A_ONLY in grades["A"]["unlocks"] and set(GRADE_AB) <= set(grades["B"]["unlocks"])
    assert grades["C"]["unlocks"] == [] and grades["D"]["unlocks"] == []
    volunteer = next(r for d in body["dimensions"] for r in d["rules"] if r["code"] == "volunteer")
    assert volunteer["item_names"] == ["志愿服务记录", "优秀志愿者信息"] and "每条+10 分" in volunteer["description"]
    measures = client.get("/api/v1/measures").json()["measures"]
    assert next(m for m in measures if m["code"] == GRADE_A_ONLY)["targets"]["grades"] == ["A"]


def test_no_score_before_opting_in_a_ledger_after_and_nothing_after_opting_out(client, session, settings, keys):
    n = 2001
    assert submit(client, [penalty(n), honour(n, 1), honour(n, 2)]).status_code == 201
    person = as_person(session, settings, keys, cid(n))
    before = client.get(MINE, headers=person).json()
    assert before["opted_in"] is False and before["score"] is None and before["lines"] == []
    assert "尚未开通" in before["message"]

    opened = client.put(CONSENT, headers=person)
    assert opened.status_code == 200, opened.text
    mine = opened.json()
    assert mine["opted_in"] is True and mine["score"] == 600 + 50 + 50 - 40 and mine["grade"] == "B"
    # Every line is a matter of the person's own file, under the rule its item feeds.
    file = client.get("/api/v1/me/file", headers=person).json()
    cards = {m["id"]: m for m in matters_of(file)}
    assert {ln["matter_id"] for ln in mine["lines"]} == set(cards)
    for ln in mine["lines"]:
        assert cards[ln["matter_id"]]["item_code"] == ln["item_code"]
        assert ln["counts_until"] is not None and ln["counts_until"] >= today().isoformat()
    penalty_line = next(ln for ln in mine["lines"] if ln["item_code"] == "XZCF-01")
    assert (penalty_line["rule"], penalty_line["points"], penalty_line["dimension_name"]) == ("general", -40, "失信")
    assert any("申请信用修复" in r["text"] and r["points"] == 40 for r in mine["raises"])
    assert client.put(CONSENT, headers=person).json()["score"] == mine["score"]  # again: no change
    assert consents(session) == 1

    assert client.delete(CONSENT, headers=person).status_code == 204
    after = client.get(MINE, headers=person).json()
    assert after["opted_in"] is False and after["score"] is None and after["lines"] == []
    assert consents(session) == 0


def test_a_minor_can_never_opt_in(client, session, settings, keys):
    child = cid(2002, born=date(2012, 3, 1))
    assert submit(client, [penalty(2002, id_number=child)]).status_code == 201
    person = as_person(session, settings, keys, child)
    refused = client.put(CONSENT, headers=person)
    assert refused.status_code == 422 and refused.json()["code"] == "POINTS_MINOR"
    assert consents(session) == 0
    assert client.get(MINE, headers=person).json()["score"] is None


def test_a_repaired_matter_stops_counting_at_once(client, session, settings, keys):
    n = 2003
    assert submit(client, [penalty(n)]).status_code == 201
    person = as_person(session, settings, keys, cid(n))
    assert client.put(CONSENT, headers=person).json()["score"] == 560
    rec = own_record(client, person, f"SCJG-2026-{n:06d}")
    made = client.post("/api/v1/me/repairs", headers=person, files=[("evidence", ("缴款凭证.png", PNG, "image/png"))],
                       data={"target_kind": "matter", "target_id": rec["id"], "method": "fine_paid",
                             "statement": "已于上月缴清全部罚款", "commitment": "true"})
    assert made.status_code == 201, made.text
    assert client.get(MINE, headers=person).json()["score"] == 560  # filed, not decided: it still counts
    repair = made.json()["id"]
    accepted = client.post(f"/api/v1/repairs/{repair}/acceptance", headers=OPERATOR, json={"accepted": True})
    assert accepted.status_code == 200
    decided = client.post(f"/api/v1/repairs/{repair}/decision", headers=OPERATOR,
                          json={"approved": True, "reason": "已缴清罚款，准予修复"})
    assert decided.json()["status"] == "approved"
    mine = client.get(MINE, headers=person).json()
    assert mine["score"] == 600 and mine["lines"] == [] and mine["raises"][0]["points"] > 0


def test_a_grade_is_answered_as_a_green_measure_only_for_an_adult_who_opted_in(client, session, settings, keys):
    n = 2004
    assert submit(client, [honour(n, k) for k in (1, 2, 3)]).status_code == 201  # 600 + 150: grade A
    person = as_person(session, settings, keys, cid(n))

    def codes() -> set[str]:
        answer = check(client, cid(n), SERVICE).json()
        return {h["measure_code"] for h in answer["hits"]}

    assert not ({GRADE_A_ONLY, *GRADE_AB} & codes())  # not opted in: no grade, nothing unlocked by one
    assert client.put(CONSENT, headers=person).json()["grade"] == "A"
    answer = check(client, cid(n), SERVICE).json()
    assert answer["decision"] == "green"
    graded = {h["measure_code"]: h for h in answer["hits"] if h["condition"] and h["condition"].startswith("grade:")}
    assert set(graded) == {GRADE_A_ONLY, *GRADE_AB}
    assert graded[GRADE_A_ONLY]["condition_label"] == "本人已开通诚信积分，等级 A"
    # A batch in the same scenario answers the same (its read asks for the consents too); another
    # scenario has no measure keyed on grades.
    answered = client.post("/api/v1/checks/batch", headers=HR, json={
        "scenario": SERVICE, "department": "human_resources", "purpose": "公共服务办理",
        "identifiers": [cid(n), cid(2099)]}).text.splitlines()
    first = json.loads(answered[0])
    assert first["decision"] == "green" and {GRADE_A_ONLY, *GRADE_AB} <= {h["measure_code"] for h in first["hits"]}
    assert json.loads(answered[1])["decision"] == "clear"
    other = check(client, cid(n), "civil_service_recruitment").json()
    assert not any((h["condition"] or "").startswith("grade:") for h in other["hits"])
    # A penalty brings the grade down to B: the deposit waiver goes, the others stay.
    assert submit(client, [penalty(n)], DEPT).status_code == 201
    assert client.get(MINE, headers=person).json()["grade"] == "B"
    assert (GRADE_A_ONLY not in codes()) and set(GRADE_AB) <= codes()
    assert client.delete(CONSENT, headers=person).status_code == 204
    assert not ({GRADE_A_ONLY, *GRADE_AB} & codes())
