"""Issue 17, service mode: a county pushes to its city, the city to the province; what the city may
not receive stays home; a revocation and a repair at the county end the matter at the city and
the province; reconciliation finds a change the city lost."""

from __future__ import annotations

import network as x
from network import CITY, COUNTY, PROVINCE, applied, from_county, link, matter, run, status
from sqlalchemy import text

from chengxin.clock import today
from helpers import cid, court_case, days_ago, penalty

MARKET = "凤台县公共信用信息平台·市市场监督管理局"
COURT = "凤台县公共信用信息平台·市中级人民法院"


def simple_penalty(n: int) -> dict:
    """A 简易程序行政处罚 (XZCF-02): disclosure `government`, which the county's city link does not admit."""
    return {"item_code": "XZCF-02", "id_number": cid(n), "name": "李四", "source_record_id": f"JYCX-{n:06d}",
            "decision_date": days_ago(30),
            "fields": {"decision_no": f"凤市监当罚〔2026〕{n}号", "violation": "占道经营", "penalty_type": "警告",
                       "authority": "凤台县市场监督管理局"}}


def test_county_to_city_to_province_then_ends_and_reconciliation(platforms) -> None:
    county, city, province = platforms(*COUNTY), platforms(*CITY), platforms(*PROVINCE)
    link(county, city, disclosure=["public"])
    link(city, province)

    # --- up the chain ---------------------------------------------------------------------------
    county.submit("market_regulation", [penalty(n) for n in (1, 2, 3)])
    county.submit("market_regulation", [simple_penalty(4)])  # government only: stays at the county
    county.submit("court", [court_case(5)])
    assert "发送4条" in run(county, "send")
    assert "发送4条" in run(city, "send")

    for node in (city, province):
        for n in (1, 2, 3):
            m = matter(node, n, f"SCJG-2026-{n:06d}")
            assert m is not None, (node.name, n)
            assert (m["department_code"], m["department_name"]) == ("341021.market_regulation", MARKET)
            assert m["state"] == "in_effect", m
        listed = matter(node, 5, "ZX-2026-000005")
        assert listed is not None and listed["department_name"] == COURT and listed["listing"]["listed"]
        assert matter(node, 4, "JYCX-000004") is None  # the person is not even known there
        assert from_county(node) == {"records": 4, "sources": 4, "versions": 4, "matters": 4}, node.name
    assert matter(county, 4, "JYCX-000004")["department_name"] == "市市场监督管理局"
    assert applied(city, "341021") == [1, 2, 3, 4] and applied(province, "340400") == [1, 2, 3, 4]
    assert applied(province, "341021") == []  # the county is no neighbour of the province

    blocked = x.check(province, 5)
    assert blocked["decision"] == "block", blocked
    hit = next(h for h in blocked["hits"] if h["measure_code"] == "P-GWY-01")
    # The hit names its source as the file does: the county platform's court (the province's server
    # learnt the name when the city's batch registered the department).
    assert hit["source"]["department_code"] == "341021.court"
    assert hit["source"]["department_name"] == COURT
    (entry,) = x.public_black_list(province, "赵六")
    assert entry["department_name"] == COURT and entry["list_type"] == "black"

    # --- a revocation and a repair at the county -------------------------------------------------
    with county.client() as http:
        res = http.post("/api/v1/records/revocations", headers=county.headers("market_regulation"),
                        json={"source_record_id": "SCJG-2026-000001", "reason": "行政复议撤销原处罚决定"})
        assert res.status_code == 200, res.text
        entry_id = matter(county, 5, "ZX-2026-000005")["id"]
        res = http.post(f"/api/v1/lists/entries/{entry_id}/exit", headers=county.headers("court"),
                        json={"reason": "repaired", "note": "被执行人已履行全部义务，准予信用修复"})
        assert res.status_code == 200, res.text
    assert "发送2条" in run(county, "send")
    assert "发送2条" in run(city, "send")

    for node in (city, province):
        revoked = matter(node, 1, "SCJG-2026-000001")
        assert (revoked["state"], revoked["state_label"]) == ("revoked", "已撤销"), (node.name, revoked)
        repaired = matter(node, 5, "ZX-2026-000005")
        assert (repaired["state"], repaired["state_label"]) == ("repaired", "已信用修复"), (node.name, repaired)
        assert not repaired["listing"]["listed"]
        assert matter(node, 2, "SCJG-2026-000002")["state"] == "in_effect"
        assert from_county(node) == {"records": 4, "sources": 4, "versions": 4, "matters": 4}, node.name
        assert x.public_black_list(node, "赵六") == []
    assert applied(city, "341021") == [1, 2, 3, 4, 5, 6] and applied(province, "340400") == [1, 2, 3, 4, 5, 6]
    cleared = x.check(province, 5)
    assert cleared["decision"] != "block" and "P-GWY-01" not in {h["measure_code"] for h in cleared["hits"]}, cleared

    for node, up, down in ((county, "340400", None), (city, "340000", "341021"), (province, None, "340400")):
        st = (status if node is county else x.neighbours)(node)["by_code"]
        if up:
            assert (st[up]["last_seq"], st[up]["acked_through"], st[up]["backlog"]) == (6, 6, 0), (node.name, st)
        if down:
            assert st[down]["applied_through"] == 6 and st[down]["backlog"] == 0, (node.name, st)

    # --- reconciliation (issue 17, scenario 4) ----------------------------------------------------
    assert "对账一致" in run(county, "reconcile", "--neighbour", "340400")
    assert x.neighbours(county)["by_code"]["340400"]["reconciliation"]["status"] == "ok"
    with x.database(city, writes=True) as conn:  # the city loses what it applied as number 2
        conn.execute(text("DELETE FROM exchange_applied WHERE sender = '341021' AND seq = 2"))
    day = today().isoformat()
    said = run(county, "reconcile", "--neighbour", "340400")
    assert "对账不一致" in said and f"类别XZCF日期{day}：本平台[4," in said and "对方[3," in said, said
    rec = status(county)["by_code"]["340400"]["reconciliation"]
    assert rec["status"] == "drift" and rec["day_to"] == day, rec
    (diff,) = rec["details"]
    assert (diff["category"], diff["day"], diff["ours"][0], diff["theirs"][0]) == ("XZCF", day, 4, 3), diff
    assert "对账一致" in run(city, "reconcile", "--neighbour", "340000")  # the province lost nothing
