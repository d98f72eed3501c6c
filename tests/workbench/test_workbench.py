"""The staff workbench: each console role lands on it after signing in and sees the counts of its own
queues with a link to each; the menu carries the same counts as badges; a department sees only its own."""

from __future__ import annotations

import re

from chengxin.workbench.rules import shown
from helpers import (
    COURT,
    DEPT,
    HR,
    OPERATOR,
    PNG,
    as_dept,
    as_person,
    as_role,
    check,
    cid,
    court_case,
    days_ago,
    own_record,
    penalty,
    submit,
)

TIPOFF = {"category": "dishonesty", "subject_name": "某某餐饮店", "content": "该店长期使用过期食材。"}


def _todo(text: str, key: str) -> tuple[str, str]:
    """(count, whole card) of one to-do card of the workbench."""
    card = re.search(rf'<li class="todo[^"]*" id="todo-{key}">(.*?)</li>', text, re.S)
    assert card, f"no card {key}"
    return re.search(r'<span class="todo-count">([^<]+)</span>', card.group(1)).group(1), card.group(1)


def _badge(text: str, href: str) -> str | None:
    found = re.search(rf'<a href="{re.escape(href)}"[^>]*>[^<]*<span class="badge">(\d+)', text)
    return found.group(1) if found else None


def _world(client, session, settings, keys) -> None:
    """Two tip-offs, an objection to the market regulator, a repair application, a name conflict and an
    unanswered check hit of human resources."""
    for _ in range(2):
        assert client.post("/api/v1/public/tipoffs", data=TIPOFF).status_code == 201
    number = cid(811)
    rows = [penalty(811, decision_date=days_ago(100)), penalty(812, id_number=number, decision_date=days_ago(100))]
    assert submit(client, rows).status_code == 201
    person = as_person(session, settings, keys, number)
    first = own_record(client, person, "SCJG-2026-000811")["id"]
    second = own_record(client, person, "SCJG-2026-000812")["id"]
    assert client.post("/api/v1/me/objections", headers=person, data={
        "target_kind": "record", "target_id": first, "reason": "处罚对象认定有误"}).status_code == 201
    assert client.post("/api/v1/me/repairs", headers=person, files=[("evidence", ("凭证.png", PNG, "image/png"))],
                       data={"target_kind": "matter", "target_id": second, "method": "fine_paid",
                             "statement": "已缴清罚款", "commitment": "true"}).status_code == 201
    submit(client, [penalty(813, id_number=number, name="张叁")], headers=HR)  # a name conflict
    assert submit(client, [court_case(814)], headers=COURT).status_code == 201
    assert check(client, cid(814), "civil_service_recruitment").json()["decision"] == "block"
    assert submit(client, [penalty(816), penalty(817, decision_date="not a date")]).status_code == 201


def test_each_role_sees_its_own_queues_counted_with_links_and_menu_badges(client, session, settings, keys):
    _world(client, session, settings, keys)
    office = client.get("/console", headers=OPERATOR)
    assert office.status_code == 200 and "<h1>工作台</h1>" in office.text
    assert _todo(office.text, "tipoffs")[0] == "2" and 'href="/console/tipoffs"' in office.text
    assert _todo(office.text, "repairs")[0] == "1" and "待受理 1 件" in _todo(office.text, "repairs")[1]
    assert _todo(office.text, "conflicts")[0] == "1"
    assert _todo(office.text, "alerts")[0] == "0"
    assert _todo(office.text, "objections")[0] == "0"  # the office sees what was escalated to it: nothing yet
    assert "todo-feedback" not in office.text  # no department, no feedback queue
    assert _badge(office.text, "/console/tipoffs") == "2" and _badge(office.text, "/console/repairs") == "1"
    assert _badge(office.text, "/alerts") is None  # nothing waiting, no badge
    # Badges follow the operator to every page, and stay off the public menu items.
    repairs = client.get("/console/repairs", headers=OPERATOR).text
    assert _badge(repairs, "/console/conflicts") == "1"
    assert 'href="/public/lists"' not in office.text and 'href="/me/file"' not in office.text
    # The office reads lists but ends none (only the listing department does): no promise of it.
    assert 'href="/console/lists"' in office.text and "移出" not in office.text

    market = client.get("/console", headers=DEPT).text
    objections = _todo(market, "objections")
    assert objections[0] == "1" and "待处理的异议" in objections[1]
    assert _badge(market, "/console/objections") == "1"
    assert "todo-tipoffs" not in market
    assert _todo(market, "repairs")[0] == "1"  # the repair of its own matter is the department's to handle (R14)
    assert _todo(market, "feedback")[0] == "0"
    assert 'href="/dept/uploads"' in market  # the clerk's job without a queue, as a shortcut
    assert "移出本部门列入的条目" in market  # a listing department ends its own entries
    rejected = _todo(market, "rejected")
    assert rejected[0] == "1" and "共 1 行未通过校验" in rejected[1] and _badge(market, "/dept/uploads") == "1"
    # Another department sees neither the market regulator's objection nor its hits.
    hr = client.get("/console", headers=HR).text
    assert _todo(hr, "objections")[0] == "0" and _todo(hr, "feedback")[0] == "1" and _todo(hr, "rejected")[0] == "0"
    assert _todo(hr, "repairs")[0] == "0"
    court = client.get("/console", headers=as_dept("court")).text
    assert _todo(court, "objections")[0] == "0" and _todo(court, "feedback")[0] == "0"

    auditor = client.get("/console", headers=as_role("auditor")).text
    assert "todo-alerts" in auditor and "todo-tipoffs" not in auditor and 'href="/audit/log"' in auditor


def test_only_staff_open_the_workbench_and_counts_cap_at_99_plus(client, session, settings, keys):
    person = as_person(session, settings, keys, cid(815))
    assert client.get("/console", headers=person).status_code == 403
    assert client.get("/console", follow_redirects=False).headers["location"] == "/login?next=/console"
    assert shown(100, 100) == "99+" and shown(99, 100) == "99"
