"""A place on the watch list has its own term: the information stays for its tier. A court lifting
a restriction ends it on that day."""

from __future__ import annotations

from helpers import as_dept, check, cid, days_ago, file_of, matters_of, submit

POLICE = as_dept("public_security")


def test_the_watch_listing_ends_the_information_does_not(client):
    row = {"item_code": "XZCF-04", "id_number": cid(91), "name": "钱九", "source_record_id": "JJ-91",
           "decision_date": days_ago(400),
           "fields": {"decision_no": "公交罚〔2026〕91号", "violation": "醉酒驾驶机动车", "license_revoked": True,
                      "authority": "市公安局交通管理支队"}}
    assert submit(client, [row], headers=POLICE).json()["created"] == 1
    (m,) = matters_of(file_of(client, cid(91)).json())
    assert m["listing"]["list_type"] == "watch" and m["listing"]["listed"] is False  # its year is over
    assert m["state"] == "in_effect" and m["publicity"]["status"] == "in_publicity"
    # (The item is for government use: the public never sees it, listed or not.)
    assert client.get("/api/v1/public/records", params={"name": "钱九"}).json()["records"] == []
    body = check(client, cid(91), "administrative_licensing", headers=as_dept("market_regulation")).json()
    assert body["decision"] == "review" and {h["source"]["kind"] for h in body["hits"]} == {"record"}


def test_a_lifted_court_restriction_ends_on_the_day_it_was_lifted(client):
    court = as_dept("court")
    row = {"item_code": "SFCP-02", "id_number": cid(92), "name": "钱十", "source_record_id": "XG-92",
           "decision_date": days_ago(30), "fields": {"case_no": "（2026）京0105执92号", "court_name": "市中级人民法院",
                                                     "person_role": "被执行人本人", "order_status": "有效"}}
    assert submit(client, [row], headers=court).json()["created"] == 1
    assert [r["item_code"] for r in client.get("/api/v1/public/records", params={"name": "钱十"}).json()["records"]
            ] == ["SFCP-02"]
    assert check(client, cid(92), "high_consumption").json()["decision"] == "block"
    lifted = {**row, "fields": {**row["fields"], "order_status": "已解除", "lifted_on": days_ago(1)}}
    assert submit(client, [lifted], headers=court).json()["new_versions"] == 1
    (m,) = matters_of(file_of(client, cid(92)).json())
    assert m["state"] == "term_ended" and m["publicity"]["ends_on"] == days_ago(2)
    assert client.get("/api/v1/public/records", params={"name": "钱十"}).json()["records"] == []
    assert check(client, cid(92), "high_consumption").json()["decision"] == "clear"
