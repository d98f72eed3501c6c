"""The assessment dashboard: a table per department and the charts' figures carried as data (no inline
script), for the credit office only."""

from __future__ import annotations

import html
import json
import re

from web_data import person_headers

from helpers import COURT, DEPT, OPERATOR, check, cid, court_case, days_ago, error_code, own_record, penalty, submit


def _charts(text: str) -> dict[str, dict]:
    found = re.findall(r"data-chart='([^']*)'", text)
    return {c["title"]: c for c in (json.loads(html.unescape(f)) for f in found)}


def test_the_office_sees_each_departments_figures_as_a_table_and_chart_data(client, session, keys):
    assert submit(client, [penalty(711, decision_date=days_ago(20)), penalty(712, decision_date=days_ago(2)),
                           penalty(713, decision_date="not a date")]).status_code == 201
    assert submit(client, [court_case(714, decided=days_ago(1))], headers=COURT).status_code == 201
    assert check(client, cid(714), "civil_service_recruitment").json()["decision"] == "block"
    none_decided = client.get("/console/assessment", headers=OPERATOR).text
    assert 'id="chart-4"' not in none_decided and "本期没有可比较的数据" in none_decided
    person = person_headers(session, keys, 711)
    rid = own_record(client, person, "SCJG-2026-000711")["id"]
    oid = client.post("/api/v1/me/objections", headers=person, data={
        "target_kind": "record", "target_id": rid, "reason": "处罚对象认定有误"}).json()["id"]
    assert client.post(f"/api/v1/objections/{oid}/decision", headers=DEPT,
                       json={"outcome": "upheld", "reason": "维持"}).status_code == 200

    res = client.get("/console/assessment", headers=OPERATOR)
    assert res.status_code == 200, res.text
    market = re.search(r"<th scope=\"row\">市市场监督管理局</th>(.*?)</tr>", res.text, re.S).group(1)
    cells = re.findall(r'<td class="num">(.*?)</td>', market)
    assert cells[:8] == ["2", "11.0", "50.0%", "1", "3", "1", "33.3%", "0"]
    assert "市教育局" not in res.text  # departments without figures stay out of the table and charts
    charts = _charts(res.text)
    assert set(charts) == {"报送记录数", "差错率", "反馈率", "异议平均处理时长"}
    records = dict(zip(charts["报送记录数"]["labels"], charts["报送记录数"]["values"], strict=True))
    assert records["市市场监督管理局"] == 2 and records["市中级人民法院"] == 1
    assert dict(zip(charts["差错率"]["labels"], charts["差错率"]["values"], strict=True))["市市场监督管理局"] == 33.3
    assert charts["反馈率"]["values"] == [0.0] and charts["反馈率"]["labels"] == ["市人力资源和社会保障局"]
    handling = charts["异议平均处理时长"]
    assert handling["labels"] == ["市市场监督管理局"] and handling["unit"] == "个工作日"
    assert f'<td class="num">{handling["values"][0]}</td>' in market
    assert '<script src="/static/charts.js' in res.text and "/static/vendor/echarts-" in res.text
    script = client.get("/static/charts.js")
    assert script.status_code == 200 and "data-chart" in script.text


def test_the_period_is_chosen_and_checked_and_only_the_office_may_look(client):
    submit(client, [penalty(715, decision_date=days_ago(40))])
    old = client.get("/console/assessment", headers=OPERATOR, params={"first": "2020-01-01", "last": "2020-01-31"})
    assert old.status_code == 200 and "没有报送、核查或异议" in old.text and 'value="2020-01-01"' in old.text
    wrong = client.get("/console/assessment", headers=OPERATOR, params={"first": "2026-02-01", "last": "2026-01-01"})
    assert wrong.status_code == 422 and error_code(wrong) == "ASSESSMENT_PERIOD"
    assert client.get("/console/assessment", headers=DEPT).status_code == 403
    assert 'href="/console/assessment"' in client.get("/", headers=OPERATOR).text
