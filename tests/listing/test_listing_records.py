"""A black-list record decided by a local department carries its listing notice (R13): the person was
told, and could state their case, before the decision. Court lists and records that arrive decided
through the exchange carry none."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from chengxin.matters.models import Matter
from exchange.test_apply import PROVINCE, PROVINCE_KEY, batch, city, receive, record_change  # noqa: F401
from helpers import COURT, HR, check, cid, court_case, days_ago, file_of, listing_notice, submit

SCENARIO = "civil_service_recruitment"


def _wages(n: int, decided: str, **notice: str) -> dict[str, Any]:
    """A person put on the black list for unpaid migrant workers' wages (YZSX-02), decided by the HR bureau."""
    return {"item_code": "YZSX-02", "id_number": cid(n), "name": "孙八", "source_record_id": f"RS-N-{n}",
            "decision_date": decided,
            "fields": {**notice, "person_role": "直接负责的主管人员", "authority": "市人力资源和社会保障局",
                       "circumstance": "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准"}}


def _issues(res: Any) -> list[str]:
    body = res.json()
    assert body["created"] == 0, body
    return sorted(body["issue_counts"])


def test_a_local_listing_without_its_notice_is_refused_and_lists_nobody(client, session):
    decided = days_ago(30)
    assert _issues(submit(client, [_wages(851, decided)], HR)) == ["RECORD_LISTING_NOTICE_MISSING"]
    # a date without the notice's number is no notice either
    dated = _wages(851, decided, notice_date=days_ago(50))
    assert _issues(submit(client, [dated], HR)) == ["RECORD_LISTING_NOTICE_MISSING"]
    # served on the day of the decision, or after it: the person could not state their case first
    for served in (decided, days_ago(29)):
        late = _wages(851, decided, notice_date=served, notice_doc_no="人社告〔2026〕3号")
        assert _issues(submit(client, [late], HR)) == ["RECORD_LISTING_NOTICE_LATE"]
    assert session.scalars(select(Matter).where(Matter.list_type == "black")).all() == []
    assert check(client, cid(851), SCENARIO).json()["decision"] == "clear"


def test_a_local_listing_with_its_notice_lists_and_the_file_shows_the_notice(client):
    decided = days_ago(30)
    res = submit(client, [_wages(852, decided, **listing_notice(decided))], HR)
    assert res.json()["created"] == 1, res.json()
    assert check(client, cid(852), SCENARIO).json()["decision"] == "block"
    got = file_of(client, cid(852), purpose="核查").json()
    matter = next(m for c in got["categories"] for m in c["matters"] if m["item_code"] == "YZSX-02")
    fields = {f["label"]: f["value"] for f in matter["record"]["fields"]}
    assert fields["列入告知书送达日期"] == listing_notice(decided)["notice_date"]
    assert fields["列入告知书文号"] == listing_notice(decided)["notice_doc_no"]


def test_court_lists_and_records_arriving_decided_carry_no_local_notice(client, city, factory, session, keys,  # noqa: F811
                                                                       catalog, signer):
    assert submit(client, [court_case(853)], COURT).json()["created"] == 1  # the court's own list (R5)
    row = _wages(854, days_ago(40))  # decided by the province's HR bureau, told there
    change = record_change(1, {**row, "id_type": "citizen_id"}, node=PROVINCE, dept="human_resources")
    receipt = receive(factory, keys, catalog, signer, city, batch(PROVINCE_KEY, PROVINCE, [{**change,
                                                                                          "category": "YZSX"}]))
    assert receipt["rejected"] == [], receipt
    listed = {m.item_code for m in session.scalars(select(Matter).where(Matter.list_type == "black"))}
    assert listed == {"SFCP-01", "YZSX-02"}
