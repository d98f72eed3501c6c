"""The person credit file: grouping, publicity at read time, as_of, history, masking."""

from __future__ import annotations

from datetime import date

import pytest

from helpers import DEPT, OPERATOR, as_dept, cid, file_of, penalty, submit


def records_of(body: dict) -> list[dict]:
    return [r for c in body["categories"] for r in c["matters"]]


def test_file_groups_records_by_category_with_computed_publicity(client, clock):
    clock.set(date(2026, 11, 20))
    honour = {"item_code": "BZJL-01", "id_number": cid(1), "name": "张三",
              "source_record_id": "RY-1", "decision_date": "2026-01-05",
              "fields": {"honour": "市级文明家庭", "honour_level": "市级",
                         "awarding_body": "市文明办"}}
    assert submit(client, [honour], headers=as_dept("civilization_office")
                  ).json()["created"] == 1
    submit(client, [penalty(1, decision_date="2025-01-10"), penalty(2, id_number=cid(1))])
    body = file_of(client, cid(1), as_of="2026-11-21").json()
    assert [c["name"] for c in body["categories"]] == ["行政处罚", "表彰奖励"]
    statuses = sorted(r["publicity"]["status"] for r in records_of(body))
    assert statuses == ["ended", "in_publicity", "no_period"]
    ended = next(r for r in records_of(body) if r["publicity"]["status"] == "ended")
    assert ended["publicity"]["ends_on"] == "2026-01-10"
    assert body["summary"] == {"total": 3, "positive": 1, "negative": 2, "neutral": 0,
                               "in_publicity": 1, "listed": {}}
    assert ended["department_name"] == "市市场监督管理局" and ended["legal_basis"]


def test_as_of_shows_what_the_file_showed_that_day(client, clock):
    clock.set(date(2026, 6, 1))
    submit(client, [penalty(1, decision_date="2026-05-20")])
    clock.set(date(2026, 7, 1))
    submit(client, [penalty(1, decision_date="2026-05-20", fields={"penalty_type": "没收违法所得"})])
    clock.set(date(2026, 8, 1))
    client.post("/api/v1/records/revocations", headers=DEPT,
                json={"source_record_id": "SCJG-2026-000001", "reason": "复议撤销"})

    def shown(day: str) -> list[dict]:
        return records_of(file_of(client, cid(1), as_of=day).json())

    def penalty_type(m: dict) -> str:
        return next(f["value"] for f in m["record"]["fields"] if f["name"] == "penalty_type")

    assert shown("2026-05-25") == []
    (june,) = shown("2026-06-15")
    assert (june["record"]["version"], penalty_type(june), june["publicity"]["status"]) == (
        1, "罚款", "in_publicity")
    (july,) = shown("2026-07-15")
    assert (july["record"]["version"], penalty_type(july)) == (2, "没收违法所得")
    assert july["state"] == "in_effect" and july["ended_on"] is None
    (august,) = shown("2026-08-15")
    assert august["publicity"]["status"] == "revoked" and august["end_note"] == "复议撤销"
    assert august["state"] == "revoked" and august["ended_on"] == "2026-08-01"


def test_history_lists_earlier_versions(client):
    submit(client, [penalty(1)])
    submit(client, [penalty(1, fields={"fine_amount": "9.00"})])
    (rec,) = records_of(file_of(client, cid(1), history=True).json())
    assert rec["record"]["version"] == 2
    assert [v["version"] for v in rec["record"]["versions"]] == [1]
    assert rec["record"]["versions"][0]["superseded_at"] is not None
    (plain,) = records_of(file_of(client, cid(1)).json())
    assert plain["record"]["versions"] is None


def test_identity_is_masked_unless_the_caller_may_see_it(client):
    submit(client, [penalty(1, name="欧阳修文")])
    full = file_of(client, cid(1)).json()["identity"]
    assert (full["id_number"], full["name"], full["masked"]) == (cid(1), "欧阳修文", False)
    res = client.post("/api/v1/files/query", json={"id_number": cid(1)}, headers=DEPT)
    masked = res.json()["identity"]
    assert masked["masked"] and masked["name"] == "欧阳**"
    assert masked["id_number"] == cid(1)[:4] + "*" * 10 + cid(1)[-4:]
    assert cid(1) not in res.text


def test_fifteen_digit_id_finds_the_same_file(client):
    number = cid(3, born=date(1970, 3, 7))
    submit(client, [penalty(3, id_number=number)])
    old = number[:6] + number[8:17]
    assert file_of(client, old).json()["identity"]["id_number"] == number


def test_file_errors_are_clear(client):
    res = client.post("/api/v1/files/query", json={"id_number": cid(1)})
    assert res.status_code == 401 and res.json()["code"] == "AUTH_REQUIRED"
    res = file_of(client, cid(42))
    assert res.status_code == 404 and res.json()["code"] == "PERSON_NOT_FOUND"
    res = file_of(client, "110105194912310020")
    assert res.status_code == 422 and res.json()["code"] == "ID_CHECKSUM"
    res = client.get("/api/v1/persons/' OR 1=1 --/file", headers=OPERATOR)
    assert res.status_code == 404 and res.json()["code"] == "PERSON_NOT_FOUND"


@pytest.mark.parametrize("as_of", ["2026-13-01", "yesterday"])
def test_bad_as_of_is_a_problem(client, as_of):
    res = client.get(f"/api/v1/persons/abc/file?as_of={as_of}", headers=OPERATOR)
    assert res.status_code == 422 and res.json()["code"] == "REQUEST_INVALID"
