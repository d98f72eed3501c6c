"""The credit office's retention page: the rule in force and what each run deleted, in plain Chinese."""

from __future__ import annotations

from datetime import timedelta

from chengxin.retention import service
from chengxin.retention.rules import Facts, kept_through
from helpers import HR, OPERATOR, as_role, cid, days_ago, penalty, submit


def test_the_page_shows_the_rule_and_the_last_runs_report(client, factory, settings, clock):
    empty = client.get("/console/retention", headers=OPERATOR)
    assert empty.status_code == 200 and "还没有执行过到期删除" in empty.text
    assert "未开启：修复后的信息仍保存至保存期满" in empty.text and "保存 5 年" in empty.text
    decided = days_ago(182)
    assert submit(client, [penalty(1901, id_number=cid(1901), decision_date=decided)]).status_code == 201
    start = clock.now()
    day = kept_through(Facts("negative", clock.today() - timedelta(days=182), None, None, None), 5)
    clock.set(day + timedelta(days=1))
    assert service.purge(factory, settings, trigger="job").purged == 1
    clock.set(start)  # the staff tokens were issued on the test's day
    page = client.get("/console/retention", headers=OPERATOR)
    assert page.status_code == 200
    assert "删除事项 1 件（信用记录 1 个版本）" in page.text and "已完成" in page.text and "定时任务" in page.text
    assert "行政处罚信息：保存期满 1 件" in page.text and f"行为终止于 {decided}" in page.text
    assert client.get("/console/retention", headers=as_role("auditor")).status_code == 200
    assert client.get("/console/retention", headers=HR).status_code == 403
