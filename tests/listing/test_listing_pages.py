"""The listing procedure on the pages: the department serves the notice, the person sees it first on
their file and states their case, the department decides (date-sensitive: the clock is set)."""

from __future__ import annotations

import re
from datetime import date

from helpers import HR, as_person, cid, with_csrf


def test_notice_statement_and_decision_through_the_pages(client, session, settings, keys, clock):
    clock.set(date(2026, 9, 30))
    refused = client.post("/console/listing", headers=with_csrf(HR), follow_redirects=False, data={
        "id_number": cid(821), "name": "王五", "facts": "拒不支付劳动报酬", "basis": ""})
    assert refused.status_code == 422 and "拒不支付劳动报酬" in refused.text  # what was typed stays
    assert cid(821) not in refused.text  # the ID number is not echoed
    made = client.post("/console/listing", headers=with_csrf(HR), follow_redirects=False, data={
        "id_number": cid(821), "name": "王五", "facts": "拒不支付劳动报酬",
        "basis": "《保障农民工工资支付条例》第四十八条"})
    assert made.status_code == 303, made.text
    page = made.headers["location"]
    detail = client.get(page, headers=HR).text
    assert "王五" in detail and "2026-10-13" in detail and "录入陈述申辩" in detail
    assert "方可作出决定" in detail and 'name="outcome"' not in detail  # the period still runs
    assert "王五" in client.get("/console/listing", headers=HR).text

    person = as_person(session, settings, keys, cid(821))
    file = client.get("/me/file", headers=person).text
    assert "列入告知" in file and "2026-10-13" in file and 'href="/me/listing"' in file
    own = client.get("/me/listing", headers=person).text
    assert "拒不支付劳动报酬" in own and "提交陈述申辩" in own
    proc_id = page.rsplit("/", 1)[1]
    stated = client.post(f"/me/listing/{proc_id}/statement", headers=with_csrf(person), follow_redirects=False,
                         data={"statement": "工资已结清"})
    assert stated.status_code == 303
    assert "本人在线提交" in client.get("/me/listing", headers=person).text

    detail = client.get(page, headers=HR).text
    assert "工资已结清" in detail and "对陈述申辩的答复" in detail
    unanswered = client.post(f"{page}/decision", headers=with_csrf(HR), follow_redirects=False,
                             data={"outcome": "list", "reasons": "事实清楚"})
    assert unanswered.status_code == 422 and "须对其作出答复" in unanswered.text and "事实清楚" in unanswered.text
    decided = client.post(f"{page}/decision", headers=with_csrf(HR), follow_redirects=False,
                          data={"outcome": "list", "reasons": "事实清楚", "answer": "与流水不符，不予采纳"})
    assert decided.status_code == 303
    detail = client.get(page, headers=HR).text
    assert "已决定列入" in detail and "查看名单条目" in detail
    file = client.get("/me/file", headers=person).text
    assert "您已被列入严重失信主体名单" in file and "查看告知并陈述申辩" not in file


def test_the_workbench_counts_procedures_waiting_for_a_decision(client, clock):
    clock.set(date(2026, 9, 30))
    for n in (841, 842):
        assert client.post("/api/v1/listing-procedures", headers=HR, json={
            "id_number": cid(n), "name": "王五", "facts": "拒不履行", "basis": "《条例》第十条"}).status_code == 201
    waiting = client.get("/console", headers=HR).text
    assert re.search(r'id="todo-listing">.*?>0<.*?陈述申辩期内 2 件', waiting, re.S)
    clock.set(date(2026, 10, 14))  # both periods ran out: both wait for the department
    ready = client.get("/console", headers=HR).text
    assert re.search(r'id="todo-listing">.*?>2<.*?期限届满 2 件', ready, re.S)
