"""Credit knowledge and typical cases: drafts are private, published texts never carry an ID number."""

from __future__ import annotations

from helpers import DEPT, OPERATOR, cid

BODY = {"kind": "honest_case", "title": "拾金不昧的出租车司机", "summary": "归还乘客遗失的现金",
        "body": "2026 年 11 月，出租车司机王某将乘客遗失的 5 万元现金如数归还。"}


def test_the_office_writes_publishes_and_withdraws_and_the_public_reads_published_only(client):
    made = client.post("/api/v1/articles", headers=OPERATOR, json=BODY)
    assert made.status_code == 201, made.text
    aid = made.json()["id"]
    assert client.get("/api/v1/public/articles").json()["articles"] == []
    assert client.get(f"/api/v1/public/articles/{aid}").status_code == 404
    pub = client.post(f"/api/v1/articles/{aid}/publication", headers=OPERATOR, json={"published": True})
    assert pub.json()["status"] == "published" and pub.json()["published_at"]
    listed = client.get("/api/v1/public/articles", params={"kind": "honest_case"}).json()["articles"]
    assert [a["title"] for a in listed] == ["拾金不昧的出租车司机"]
    assert client.get("/api/v1/public/articles", params={"kind": "dishonest_case"}).json()["articles"] == []
    leak = client.put(f"/api/v1/articles/{aid}", headers=OPERATOR, json={**BODY, "body": f"王某（{cid(9)}）……归还现金"})
    assert leak.status_code == 422 and leak.json()["code"] == "ARTICLE_CONTAINS_ID_NUMBER"
    assert cid(9) not in client.get(f"/api/v1/public/articles/{aid}").text
    client.post(f"/api/v1/articles/{aid}/publication", headers=OPERATOR, json={"published": False})
    assert client.get(f"/api/v1/public/articles/{aid}").status_code == 404
    assert client.post("/api/v1/articles", headers=DEPT, json=BODY).status_code == 403
