"""Occupation rosters (职业信用档案): fed by the qualification items, masked, paged, per department."""

from __future__ import annotations

from sqlalchemy import select

from chengxin.access.models import AccessEntry
from helpers import DEPT, OPERATOR, as_dept, cid, days_ago, penalty, submit

STATS = as_dept("statistics")
JUSTICE = as_dept("justice")


def _staff(n: int, **fields: str) -> dict:
    return {"item_code": "ZYZG-09", "id_number": cid(n), "name": "王小明", "source_record_id": f"TJ-{n}",
            "decision_date": days_ago(10),
            "fields": {"employer": "某统计咨询公司", "role": "统计调查员", "status": "在岗", **fields}}


def _lawyer(n: int) -> dict:
    return {"item_code": "ZYZG-01", "id_number": cid(n), "name": "李律", "source_record_id": f"LS-{n}",
            "decision_date": days_ago(30),
            "fields": {"qualification": "法律职业资格", "certificate_no": f"A{n:08d}", "issuing_authority": "司法部",
                       "status": "有效", "occupation": "律师"}}


def test_registration_records_make_the_roster_masked_with_standing(client, session, keys):
    assert submit(client, [_staff(901), _staff(902)], headers=STATS).json()["created"] == 2
    # the statistics bureau's penalty of the first: an in-effect dishonesty matter of the occupation
    fine = {"item_code": "XZCF-10", "id_number": cid(901), "name": "王小明", "source_record_id": "TJCF-901",
            "decision_date": days_ago(5),
            "fields": {"decision_no": "统罚〔2026〕1号", "violation": "提供不真实或者不完整的统计资料",
                       "facts": "经查属实。", "penalty_type": "警告", "authority": "市统计局"}}
    assert submit(client, [fine], headers=STATS).json()["created"] == 1
    res = client.get("/api/v1/roster", params={"occupation": "statistics_staff"}, headers=OPERATOR)
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["occupation_name"], body["total"]) == ("统计从业人员", 2)
    first = {m["person_key"]: m for m in body["members"]}[keys.subject_key("citizen_id", cid(901))]
    assert first["name"] == "王**" and cid(901) not in res.text and "*" in first["id_number"]
    assert (first["item_code"], first["department_code"], first["negatives"]) == ("ZYZG-09", "statistics", 1)
    logged = session.scalars(select(AccessEntry).where(AccessEntry.action == "roster")).all()
    assert len(logged) == 2
    # a penalty is no membership (two rows for two registrations, not three); pages of one
    paged = client.get("/api/v1/roster", params={"occupation": "statistics_staff", "limit": 1, "offset": 1},
                       headers=OPERATOR).json()
    assert len(paged["members"]) == 1 and paged["total"] == 2


def test_a_multi_occupation_qualification_joins_the_roster_its_field_names(client):
    assert submit(client, [_lawyer(911)], headers=JUSTICE).json()["created"] == 1
    lawyers = client.get("/api/v1/roster", params={"occupation": "lawyer"}, headers=JUSTICE).json()
    assert [m["item_code"] for m in lawyers["members"]] == ["ZYZG-01"]
    teachers = client.get("/api/v1/roster", params={"occupation": "teacher"}, headers=OPERATOR).json()
    assert teachers["total"] == 0


def test_a_department_sees_only_the_rosters_of_its_occupations(client):
    assert submit(client, [_staff(921)], headers=STATS).json()["created"] == 1
    assert client.get("/api/v1/roster", params={"occupation": "statistics_staff"}, headers=STATS).status_code == 200
    denied = client.get("/api/v1/roster", params={"occupation": "statistics_staff"}, headers=JUSTICE)
    assert denied.status_code == 403 and denied.json()["code"] == "ROSTER_FORBIDDEN"
    assert client.get("/api/v1/roster", params={"occupation": "astronaut"}, headers=OPERATOR).status_code == 404
    page = client.get("/console/roster", headers=JUSTICE)
    assert page.status_code == 200 and "律师" in page.text and "统计从业人员" not in page.text


def test_an_ended_registration_leaves_the_roster(client, session, keys):
    assert submit(client, [_staff(931)], headers=STATS).json()["created"] == 1
    assert client.get("/api/v1/roster", params={"occupation": "statistics_staff"}, headers=OPERATOR).json()[
        "total"] == 1
    from chengxin.matters import service as matters
    from chengxin.matters.models import Matter

    m = session.scalars(select(Matter).where(Matter.subject_key == keys.subject_key("citizen_id", cid(931)))).one()
    matters.end(session, m, "revoked", "登记有误")
    session.commit()
    assert client.get("/api/v1/roster", params={"occupation": "statistics_staff"}, headers=OPERATOR).json()[
        "total"] == 0


def test_the_market_regulators_penalty_is_no_roster_member(client):
    assert submit(client, [penalty(941)], headers=DEPT).json()["created"] == 1
    for occupation in ("ecommerce_staff", "statistics_staff"):
        assert client.get("/api/v1/roster", params={"occupation": occupation}, headers=OPERATOR).json()[
            "total"] == 0
