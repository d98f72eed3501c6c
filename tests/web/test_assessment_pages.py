"""The assessment as a leadership report: headline figures against the previous period, a ranked and
sortable table with its totals row, sorted charts including 及时率 (figures carried as data, no inline
script), backfilled data left out and explained, an Excel file; for the credit office only."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from web_data import person_headers

from helpers import COURT, DEPT, OPERATOR, check, cid, court_case, days_ago, error_code, own_record, penalty, submit

MARKET, COURT_NAME, HR_NAME = "市市场监督管理局", "市中级人民法院", "市人力资源和社会保障局"


def _charts(text: str) -> dict[str, dict]:
    found = re.findall(r"data-chart='([^']*)'", text)
    return {c["title"]: c for c in (json.loads(html.unescape(f)) for f in found)}


def _cells(text: str, name: str) -> list[str]:
    row = re.search(rf"<tr[^>]*>\s*<td class=\"num\">([^<]*)</td><th scope=\"row\">{name}</th>(.*?)</tr>", text, re.S)
    assert row, name
    return [row.group(1), *re.findall(r'<td class="num">(.*?)</td>', row.group(2))]


def _totals(text: str) -> list[str]:
    row = re.search(r'<tr class="totals">(.*?)</tr>', text, re.S).group(1)
    return re.findall(r'<td class="num">(.*?)</td>', row)


def _order(text: str) -> list[str]:
    body = re.search(r'<table class="assessment">.*?<tbody>(.*?)</tbody>', text, re.S).group(1)
    return re.findall(r'<th scope="row">([^<]+)</th>', body)


def test_the_office_reads_ranked_figures_with_totals_and_sorted_charts(client, session, keys):
    assert submit(client, [penalty(711, decision_date=days_ago(20)), penalty(712, decision_date=days_ago(2)),
                           penalty(713, decision_date="not a date")]).status_code == 201
    assert submit(client, [court_case(714, decided=days_ago(1))], headers=COURT).status_code == 201
    assert check(client, cid(714), "civil_service_recruitment").json()["decision"] == "block"
    none_decided = client.get("/console/assessment", headers=OPERATOR).text
    assert 'id="chart-6"' not in none_decided and "本期没有可比较的数据" in none_decided
    person = person_headers(session, keys, 711)
    rid = own_record(client, person, "SCJG-2026-000711")["id"]
    oid = client.post("/api/v1/me/objections", headers=person, data={
        "target_kind": "record", "target_id": rid, "reason": "处罚对象认定有误"}).json()["id"]
    assert client.post(f"/api/v1/objections/{oid}/decision", headers=DEPT,
                       json={"outcome": "upheld", "reason": "维持"}).status_code == 200

    res = client.get("/console/assessment", headers=OPERATOR)
    assert res.status_code == 200, res.text
    # rank, score, then records, mean lag, 及时率, batches, rows, rejected, 差错率, hits …
    market = _cells(res.text, MARKET)
    assert market[2:10] == ["2", "11.0", "50.0%", "1", "3", "1", "33.3%", "0"]
    # Score: mean of 及时率 50 %, 1 − 差错率 66.7 %, 按期办结率 100 % (no hits, no 反馈率).
    assert market[1] == "72.2" and market[-2] == "100.0%"
    assert _cells(res.text, COURT_NAME)[:3] == ["1", "100.0", "1"]  # all timely, no error: first
    assert market[0] == "2" and _cells(res.text, HR_NAME)[:2] == ["3", "0.0"]  # 反馈率 0 %
    assert _order(res.text) == [COURT_NAME, MARKET, HR_NAME]  # ranked by default
    totals = _totals(res.text)
    assert totals[:7] == ["3", "7.7", "66.7%", "2", "4", "1", "25.0%"]  # rates from the sums, not averaged
    assert "市教育局" not in res.text  # departments without figures stay out of the table and charts
    # Headline figures, each beside the previous period (which had nothing).
    assert re.search(r'id="headline-timely_rate">.*?66\.7%.*?上期无可比数据', res.text, re.S)
    charts = _charts(res.text)
    assert set(charts) == {"综合得分", "及时率", "差错率", "反馈率", "报送记录数", "异议平均处理时长"}
    assert charts["及时率"]["labels"] == [COURT_NAME, MARKET] and charts["及时率"]["values"] == [100.0, 50.0]
    assert charts["综合得分"]["labels"] == [COURT_NAME, MARKET, HR_NAME]  # best first
    assert charts["报送记录数"]["values"] == [2, 1, 0] and charts["报送记录数"]["labels"][0] == MARKET
    assert charts["差错率"]["values"][0] <= charts["差错率"]["values"][-1]  # lowest error first
    assert len({c["color"] for c in charts.values()}) == len(charts)  # six charts, six colours
    assert charts["异议平均处理时长"]["unit"] == "个工作日"
    assert '<script src="/static/charts.js' in res.text and "/static/vendor/echarts-" in res.text
    assert '<script src="/static/assessment.js' in res.text and "data-print" in res.text
    assert "spec.color" in client.get("/static/charts.js").text
    assert "window.print" in client.get(re.search(r'src="(/static/assessment\.js[^"]*)"', res.text).group(1)).text


def test_the_table_sorts_by_any_figure_and_keeps_the_period(client):
    submit(client, [penalty(721, decision_date=days_ago(20)), penalty(722, decision_date=days_ago(2))])
    submit(client, [court_case(723, decided=days_ago(1))], headers=COURT)
    res = client.get("/console/assessment", headers=OPERATOR, params={"sort": "records"})
    assert _order(res.text) == [MARKET, COURT_NAME]  # most records first
    assert 'aria-sort="descending"' in res.text
    link = re.search(r'<th scope="col" class="num sortable"[^>]*aria-sort[^>]*><a href="([^"]+)"', res.text).group(1)
    assert "order=asc" in html.unescape(link) and "first=" in link and "backfill=exclude" in html.unescape(link)
    up = client.get("/console/assessment" + html.unescape(link), headers=OPERATOR)
    assert _order(up.text) == [COURT_NAME, MARKET] and 'aria-sort="ascending"' in up.text
    named = client.get("/console/assessment", headers=OPERATOR, params={"sort": "department_name", "order": "asc"})
    assert _order(named.text) == sorted([MARKET, COURT_NAME])
    junk = client.get("/console/assessment", headers=OPERATOR, params={"sort": "__class__", "order": "up"})
    assert junk.status_code == 200 and _order(junk.text) == [COURT_NAME, MARKET]


def test_each_department_is_compared_with_the_previous_period(client, clock):
    start = clock.now()
    clock.set(start - timedelta(days=31))  # the previous 31-day period: one late record, one timely
    submit(client, [penalty(731, decision_date=days_ago(20)), penalty(732, decision_date=days_ago(1))])
    clock.set(start)
    submit(client, [penalty(733, decision_date=days_ago(1))])
    res = client.get("/console/assessment", headers=OPERATOR)
    market = re.search(rf'<th scope="row">{MARKET}</th>(.*?)</tr>', res.text.split('<table class="compare">')[1],
                       re.S).group(1)
    assert "50.0" in market and "100.0" in market and "+50.0" in market  # score 50 → 100
    assert re.search(r'id="headline-timely_rate">.*?100\.0%.*?较上期上升 50\.0 个百分点', res.text, re.S)
    assert re.search(r'id="headline-timely_rate">.*?headline-change better', res.text, re.S)


def test_backfilled_records_are_left_out_by_default_and_explained(client):
    submit(client, [penalty(741, decision_date=days_ago(3)), penalty(742, decision_date=days_ago(500))])
    left_out = client.get("/console/assessment", headers=OPERATOR)
    assert _cells(left_out.text, MARKET)[2:5] == ["1", "3.0", "100.0%"]
    assert "本期未计入历史补录记录 1 条" in left_out.text and "365 天以上" in left_out.text
    counted = client.get("/console/assessment", headers=OPERATOR, params={"backfill": "include"})
    assert _cells(counted.text, MARKET)[2:5] == ["2", "251.5", "50.0%"]
    assert "本期计入了历史补录记录 1 条" in counted.text
    api = client.get("/api/v1/assessment", headers=OPERATOR, params={"exclude_backfill": True}).json()
    market = next(r for r in api["departments"] if r["department_code"] == "market_regulation")
    assert (market["records"], market["backfilled"], api["backfill_excluded"]) == (1, 1, True)
    assert api["totals"]["backfilled"] == 1


def test_the_report_downloads_as_an_excel_file_set_up_for_a4(client):
    submit(client, [penalty(751, decision_date=days_ago(20)), penalty(752, decision_date=days_ago(2)),
                    penalty(753, decision_date="not a date"), penalty(754, decision_date=days_ago(600))])
    submit(client, [court_case(755, decided=days_ago(1))], headers=COURT)
    page = client.get("/console/assessment", headers=OPERATOR).text
    href = html.unescape(re.search(r'href="(/console/assessment/report\.xlsx\?[^"]+)"', page).group(1))
    res = client.get(href, headers=OPERATOR)
    assert res.status_code == 200
    assert res.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in res.headers["content-disposition"] and ".xlsx" in res.headers["content-disposition"]
    sheet = load_workbook(BytesIO(res.content)).active
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    text = "\n".join(" ".join(str(c) for c in r if c is not None) for r in rows)
    assert "部门信用信息工作考核" in text and "统计期间" in text and "主要指标" in text and "及时率" in text
    header = next(i for i, r in enumerate(rows) if tuple(r[:3]) == ("排名", "部门", "综合得分"))
    body = {r[1]: r for r in rows[header + 1:header + 4]}
    assert body[COURT_NAME][0] == 1 and body[MARKET][3] == 2 and body[MARKET][5] == 0.5
    assert rows[header + 3][1] == "合计" and rows[header + 3][3] == 3  # the totals row, backfill left out
    assert "与上期比较" in text and "未计历史补录记录 1 条" in text
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows
    assert client.get(href, headers=DEPT).status_code == 403


def test_the_period_is_chosen_and_checked_and_only_the_office_may_look(client):
    submit(client, [penalty(715, decision_date=days_ago(40))])
    old = client.get("/console/assessment", headers=OPERATOR, params={"first": "2020-01-01", "last": "2020-01-31"})
    assert old.status_code == 200 and "没有报送、核查或异议" in old.text and 'value="2020-01-01"' in old.text
    assert "2019-12-01 至 2019-12-31" in old.text  # the previous period of the same length
    wrong = client.get("/console/assessment", headers=OPERATOR, params={"first": "2026-02-01", "last": "2026-01-01"})
    assert wrong.status_code == 422 and error_code(wrong) == "ASSESSMENT_PERIOD"
    assert client.get("/console/assessment", headers=DEPT).status_code == 403
    assert 'href="/console/assessment"' in client.get("/", headers=OPERATOR).text
