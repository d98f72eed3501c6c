"""Tip-off outcomes: the office closes a tip-off as 转办 (to a department), 不予受理 (with the reason) or
办结 (with the result); each is recorded in the history, shown on the console and told to the tipster."""

from __future__ import annotations

import re

import pytest

from chengxin.ratelimit import tipoff_limiter
from helpers import OPERATOR, with_csrf

FORM = {"category": "dishonesty", "subject_name": "某某餐饮店", "content": "该店长期使用过期食材，多次被顾客投诉。"}


@pytest.fixture(autouse=True)
def _roomy_limiter(client):
    """These tests file and follow several tip-offs from one address: more than the public limit."""
    kept = client.app.state.tipoff_limiter
    client.app.state.tipoff_limiter = tipoff_limiter(10_000)
    yield
    client.app.state.tipoff_limiter = kept


def _file(client) -> tuple[str, str]:
    made = client.post("/api/v1/public/tipoffs", data=FORM)
    assert made.status_code == 201, made.text
    number = made.json()["tracking_no"]
    queue = client.get("/api/v1/tipoffs", headers=OPERATOR, params={"status": "received"}).json()["tipoffs"]
    return number, queue[-1]["id"]


def _handle(client, tid: str, **data: str):
    return client.post(f"/console/tipoffs/{tid}/status", headers=with_csrf(OPERATOR), data=data,
                       follow_redirects=False)


def _follow(client, number: str) -> str:
    return client.post("/public/tipoffs/follow", headers=with_csrf(None, client), data={"tracking_no": number}).text


def test_a_tipoff_is_transferred_to_a_department_and_the_tipster_is_told_which(client):
    number, tid = _file(client)
    page = client.get(f"/console/tipoffs/{tid}", headers=OPERATOR).text
    for label in ("转为处理中", "转办", "不予受理", "办结"):
        assert label in page
    assert '<option value="market_regulation">市市场监督管理局</option>' in page
    refused = _handle(client, tid, action="transferred", note="请依法查处")
    assert refused.status_code == 200 and re.search(r'id="e-department">.*?转办须选择承办部门', refused.text, re.S)
    assert ">请依法查处</textarea>" in refused.text and 'value="transferred" required checked' in refused.text
    assert _handle(client, tid, action="transferred", department="market_regulation",
                   note="请依法查处").status_code == 303
    done = client.get(f"/console/tipoffs/{tid}", headers=OPERATOR).text
    assert "办结方式</dt><dd>转办：市市场监督管理局" in done and "转交市市场监督管理局：请依法查处" in done
    assert 'action="/console/tipoffs/' not in done  # closed: no more handling
    assert "已转交市市场监督管理局依法办理：请依法查处" in _follow(client, number)
    api = client.get(f"/api/v1/tipoffs/{tid}", headers=OPERATOR).json()
    assert (api["outcome"], api["transferred_to"], api["transferred_to_name"]) == (
        "transferred", "market_regulation", "市市场监督管理局")
    assert any(e["action"] == "transferred" and e["action_label"] == "转办" for e in api["events"])
    public = client.get(f"/api/v1/public/tipoffs/{number}").json()
    assert public["outcome_label"] == "转办" and public["steps"][-1]["label"] == "转办"
    queue = client.get("/console/tipoffs?status=closed", headers=OPERATOR).text
    assert ">已转办</span>" in queue


def test_not_accepted_needs_a_reason_and_resolved_needs_a_result(client):
    number, tid = _file(client)
    bare = _handle(client, tid, action="rejected", note=" ")
    assert bare.status_code == 200 and "不予受理须说明理由" in bare.text
    assert _handle(client, tid, action="rejected", note="举报内容不属于信用信息范围").status_code == 303
    assert "不予受理：举报内容不属于信用信息范围" in _follow(client, number)
    assert "不予受理理由</dt><dd>举报内容不属于信用信息范围" in client.get(f"/console/tipoffs/{tid}",
                                                                     headers=OPERATOR).text
    _, other = _file(client)
    assert _handle(client, other, action="handling").status_code == 303
    assert "办结须填写处理结果" in _handle(client, other, action="resolved").text
    unchosen = _handle(client, other, note="写了说明但没选方式")
    assert unchosen.status_code == 200 and "请选择办理方式" in unchosen.text
    assert _handle(client, other, action="resolved", note="已责令整改").status_code == 303
    detail = client.get(f"/api/v1/tipoffs/{other}", headers=OPERATOR).json()  # (the public page is rate-limited)
    assert (detail["outcome"], detail["result"]) == ("resolved", "已责令整改")
    # The API closes with an outcome too; without one it is 办结, as before.
    _, api_id = _file(client)
    res = client.post(f"/api/v1/tipoffs/{api_id}/status", headers=OPERATOR,
                      json={"status": "closed", "outcome": "transferred", "department": "no_such_department"})
    assert res.status_code == 422 and res.json()["code"] == "TIPOFF_DEPARTMENT_REQUIRED"
    res = client.post(f"/api/v1/tipoffs/{api_id}/status", headers=OPERATOR, json={"status": "closed", "note": "已处理"})
    assert res.status_code == 200 and res.json()["outcome"] == "resolved"
