"""The clerk's check pages: feedback grouped by check with the masked name and the business
reference, nothing preselected, bulk 已实施, reasons asked in place; batch checks with an on-screen
summary, a history and a result file keeping the caller's own columns; another department sees
none of it."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from chengxin.checks.models import Feedback
from chengxin.jobs import run_once
from helpers import COURT, HR, as_dept, check, cid, court_case, submit, with_csrf

TAX = as_dept("tax")


def _hit_keys(page: str) -> list[str]:
    return re.findall(r'name="hit" value="([^"]+)"', page)


def test_feedback_grouped_by_check_nothing_preselected_bulk_and_reasons_in_place(client, session):
    submit(client, [court_case(1)], headers=COURT)
    first = check(client, cid(1), "civil_service_recruitment", business_ref="ZL-2026-0001").json()["check_id"]
    second = check(client, cid(1), "civil_service_recruitment", business_ref="ZL-2026-0002").json()["check_id"]
    page = client.get("/dept/feedback", headers=HR).text
    assert page.count('class="record check-group"') == 2
    assert "赵*" in page and "赵六" not in page and "ZL-2026-0001" in page and "ZL-2026-0002" in page
    assert " checked" not in page  # no outcome chosen for the clerk
    keys = _hit_keys(page)
    assert {k.split(".")[0] for k in keys} == {first, second}
    # A refusal without a reason comes back with the message beside it and what was typed.
    mine = keys[0]
    res = client.post("/dept/feedback", headers=with_csrf(HR), follow_redirects=False,
                      data={"hit": keys, f"outcome.{mine}": "not_applied", f"reason.{mine}": " ", "action": "save"})
    assert res.status_code == 200 and "请修改以下内容后重新提交" in res.text
    assert "选择“未实施”时请填写理由" in res.text and 'href="#f-reason-1"' in res.text
    assert re.search(rf'name="outcome.{re.escape(mine)}" value="not_applied" checked', res.text)
    assert session.scalar(select(func.count()).select_from(Feedback)) == 0
    # Nothing ticked for the bulk action: asked in place too.
    res = client.post("/dept/feedback", headers=with_csrf(HR), data={"hit": keys, "action": "bulk"})
    assert res.status_code == 200 and "请先勾选" in res.text
    # With the reason: recorded; then the rest ticked and marked 已实施 at once.
    res = client.post("/dept/feedback", headers=with_csrf(HR), follow_redirects=False, data={
        "hit": keys, f"outcome.{mine}": "not_applied", f"reason.{mine}": "当事人已履行", "action": "save"})
    assert res.status_code == 303 and res.headers["location"] == "/dept/feedback?done=1"
    rest = _hit_keys(client.get("/dept/feedback", headers=HR).text)
    assert mine not in rest and rest
    res = client.post("/dept/feedback", headers=with_csrf(HR), follow_redirects=False,
                      data={"hit": rest, "pick": rest, "action": "bulk"})
    assert res.headers["location"] == f"/dept/feedback?done={len(rest)}"
    outcomes = dict(session.execute(select(Feedback.outcome, func.count()).group_by(Feedback.outcome)).all())
    assert outcomes == {"not_applied": 1, "applied": len(rest)}
    assert "没有待反馈的核查" in client.get("/dept/feedback", headers=HR).text


def test_the_check_page_feedback_asks_for_a_missing_outcome_or_reason_in_place(client, session):
    submit(client, [court_case(2)], headers=COURT)
    check_id = check(client, cid(2), "civil_service_recruitment").json()["check_id"]
    page = client.post("/dept/checks", headers=with_csrf(HR), data={
        "id_number": cid(2), "scenario": "civil_service_recruitment", "purpose": "资格审查"}).text
    assert '<option value="">请选择</option>' in page and 'value="applied" selected' not in page
    hit = _hit_keys(client.get("/dept/feedback", headers=HR).text)[0].split(".", 1)[1]
    res = client.post(f"/dept/checks/{check_id}/feedback", headers=with_csrf(HR),
                      data={"measure_code": hit, "outcome": "overturned", "reason": ""})
    assert res.status_code == 200 and "选择“已撤销实施”时请填写理由" in res.text
    assert session.scalar(select(func.count()).select_from(Feedback)) == 0


def test_another_department_sees_and_answers_none_of_the_feedback(client, session):
    submit(client, [court_case(3)], headers=COURT)
    check(client, cid(3), "civil_service_recruitment", business_ref="ZL-HR-3")
    keys = _hit_keys(client.get("/dept/feedback", headers=HR).text)
    page = client.get("/dept/feedback", headers=TAX).text
    assert "ZL-HR-3" not in page and "没有待反馈的核查" in page
    res = client.post("/dept/feedback", headers=with_csrf(TAX), data={"hit": keys, "pick": keys, "action": "bulk"})
    assert res.status_code == 404
    assert session.scalar(select(func.count()).select_from(Feedback)) == 0


def _list(rows: list[tuple[str, str, str]]) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(["姓名", "报名号", "证件号码"])
    out.writerows(rows)
    return buf.getvalue().encode()


def test_a_batch_check_shows_a_summary_keeps_the_callers_columns_and_a_history(client, keys, clock):
    submit(client, [court_case(4)], headers=COURT)
    sent = _list([("赵六", "BM-001", cid(4)), ("钱七", "BM-002", cid(5)), ("孙八", "BM-003", "110105194912310020")])
    # A refused form comes back with what was chosen.
    res = client.post("/dept/checks/batch", headers=with_csrf(HR), data={
        "scenario": "civil_service_recruitment", "purpose": " "}, files={"file": ("报名名单.csv", sent)})
    assert res.status_code == 200 and "请填写核查目的" in res.text
    assert '<option value="civil_service_recruitment" selected>' in res.text
    res = client.post("/dept/checks/batch", headers=with_csrf(HR), follow_redirects=False, data={
        "scenario": "civil_service_recruitment", "purpose": "公务员招录资格审查", "business_ref": "ZL-2026"},
        files={"file": ("报名名单.csv", sent)})
    assert res.status_code == 303
    url = res.headers["location"]
    page = client.get(url, headers=HR).text
    start = page.index('aria-label="核查结果摘要"')
    summary = re.sub(r"\s+", "", page[start:page.index("</ul>", start)])
    assert "共<b>3</b>人" in summary and "拦截<b>1</b>" in summary and "通过<b>1</b>" in summary
    assert "未核查<b>1</b>" in summary
    assert "BM-001" in page and "BM-003" in page and "BM-002" not in page  # the rows to act on
    assert cid(4) not in page and "报名名单.csv" in page
    # The result file: the caller's columns as sent, then the answer.
    res = client.get(f"{url}/result.csv", headers=HR)
    assert res.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(res.content.decode("utf-8-sig"))))
    assert list(rows[0]) == ["行号", "姓名", "报名号", "证件号码", "核查结论", "命中措施", "说明", "核查编号"]
    assert [(r["姓名"], r["报名号"], r["证件号码"], r["核查结论"]) for r in rows] == [
        ("赵六", "BM-001", cid(4), "拦截"), ("钱七", "BM-002", cid(5), "通过"),
        ("孙八", "BM-003", "110105194912310020", "未核查")]
    assert rows[0]["命中措施"] and "校验" in rows[2]["说明"]
    sheet = load_workbook(io.BytesIO(client.get(f"{url}/result.xlsx", headers=HR).content)).worksheets[0]
    assert [c.value for c in sheet[2]][1:5] == ["赵六", "BM-001", cid(4), "拦截"]
    # The department's history lists it; another department sees neither it nor its result.
    history = client.get("/dept/checks/batch", headers=HR).text
    assert "公务员招录资格审查" in history and url in history
    assert url not in client.get("/dept/checks/batch", headers=TAX).text
    assert client.get(url, headers=TAX).status_code == 404
    assert client.get(f"{url}/result.csv", headers=TAX).status_code == 404
    # The result file is kept CHENGXIN_CHECK_RESULTS_DAYS; the counts stay as history.
    clock.advance(timedelta(days=client.app.state.settings.check_results_days, minutes=1))
    assert run_once(client.app.state.sessionmaker, keys, settings=client.app.state.settings).check_results_deleted == 1
    page = client.get(url, headers=HR).text
    assert "已过保留期限被删除" in page and "拦截 <b>1</b>" in page
    assert client.get(f"{url}/result.csv", headers=HR).status_code == 404
