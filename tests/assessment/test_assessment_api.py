"""Department assessment: submissions, timeliness, error rate, feedback rate, objection handling."""

from __future__ import annotations

from helpers import COURT, DEPT, HR, OPERATOR, as_person, check, cid, court_case, days_ago, own_record, penalty, submit


def test_the_credit_office_sees_each_departments_figures(client, session, settings, keys):
    good_late = penalty(701, decision_date=days_ago(20))
    good_timely = penalty(702, decision_date=days_ago(2))
    bad = penalty(703, decision_date="not a date")
    assert submit(client, [good_late, good_timely, bad]).status_code == 201
    number = cid(704)
    assert submit(client, [court_case(704, id_number=number, decided=days_ago(1))], headers=COURT).status_code == 201
    hit = check(client, number, "civil_service_recruitment").json()
    assert hit["decision"] == "block"
    person = as_person(session, settings, keys, cid(701))
    rec = own_record(client, person, "SCJG-2026-000701")
    objection = client.post("/api/v1/me/objections", headers=person, data={
        "target_kind": "record", "target_id": rec["id"], "reason": "处罚对象认定有误"}).json()
    assert client.post(f"/api/v1/objections/{objection['id']}/decision", headers=DEPT,
                       json={"outcome": "upheld", "reason": "维持"}).status_code == 200

    res = client.get("/api/v1/assessment", headers=OPERATOR)
    assert res.status_code == 200, res.text
    rows = {r["department_code"]: r for r in res.json()["departments"]}
    market = rows["market_regulation"]
    assert (market["records"], market["rows"], market["rejected"]) == (2, 3, 1)
    assert market["error_rate"] == round(1 / 3, 4) and market["timely_rate"] == 0.5
    assert market["mean_lag_days"] == 11.0
    assert (market["objections_decided"], market["objections_open"]) == (1, 0)
    assert market["objection_mean_working_days"] is not None
    hr = rows["human_resources"]
    assert hr["hits"] >= 1 and hr["answered"] == 0 and hr["feedback_rate"] == 0.0
    assert rows["court"]["records"] == 1 and rows["court"]["timely_rate"] == 1.0
    assert client.get("/api/v1/assessment", headers=HR).status_code == 403
    assert client.get("/api/v1/assessment", headers=OPERATOR,
                      params={"first": "2026-02-01", "last": "2026-01-01"}).json()["code"] == "ASSESSMENT_PERIOD"


def test_a_period_that_ended_before_the_checks_counts_none_of_their_hits(client):
    number = cid(705)
    assert submit(client, [court_case(705, id_number=number, decided=days_ago(1))], headers=COURT).status_code == 201
    assert check(client, number, "civil_service_recruitment").json()["decision"] == "block"
    now = {r["department_code"]: r for r in client.get("/api/v1/assessment", headers=OPERATOR).json()["departments"]}
    assert now["human_resources"]["hits"] >= 1
    past = client.get("/api/v1/assessment", headers=OPERATOR, params={"first": days_ago(60), "last": days_ago(30)})
    rows = {r["department_code"]: r for r in past.json()["departments"]}
    assert rows["human_resources"]["hits"] == 0 and rows["human_resources"]["feedback_rate"] is None
