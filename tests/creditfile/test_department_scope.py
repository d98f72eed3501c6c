"""A department reads the files of persons it holds something on, and no one else's (issue 14, §4)."""

from __future__ import annotations

from helpers import COURT, DEPT, HR, OPERATOR, as_dept, cid, days_ago, penalty, submit

TAX = as_dept("tax")


def _query(client, headers, n: int):
    return client.post("/api/v1/files/query", json={"id_number": cid(n), "purpose": "核查"}, headers=headers)


def test_a_record_a_role_or_a_listing_lets_a_department_read_the_file(client):
    submit(client, [penalty(601)])  # market regulation holds a record
    client.put("/api/v1/organisations/91350100M000100Y43", headers=HR, json={  # HR registered a role
        "name": "某公司", "persons": [{"role": "legal_representative", "id_number": cid(601), "name": "张三"}]})
    listed = client.post("/api/v1/lists/entries", headers=COURT, json={  # the court listed directly
        "list_type": "watch", "id_number": cid(601), "name": "张三", "basis": "《条例》第十条",
        "start_date": days_ago(10), "severity": "general"})
    assert listed.status_code == 201, listed.text
    for headers in (DEPT, HR, COURT, OPERATOR):
        res = _query(client, headers, 601)
        assert res.status_code == 200, (headers, res.text)
    own = _query(client, DEPT, 601).json()
    assert own["summary"]["total"] == 1 and own["identity"]["masked"] is True
    assert _query(client, HR, 601).json()["summary"]["total"] == 0  # its role only, no records of others
    res = _query(client, TAX, 601)  # holds nothing: the answer of an unknown number
    assert res.status_code == 404 and res.json() == _query(client, TAX, 602).json()
    assert "sex" not in res.text and "region" not in res.text

