"""New editions of the catalog and the measure list: validated, noted, in force at once, history kept."""

from __future__ import annotations

from chengxin.editions import service
from helpers import DEPT, OPERATOR, catalog_without, edition_in_force

CAT = "/api/v1/editions/catalog"
MEA = "/api/v1/editions/measures"



def test_a_catalog_edition_is_validated_published_and_in_force_at_once(client, session):
    version, text = edition_in_force(client, CAT)
    assert f'version: "{version}"' in text
    same = client.post(CAT, headers=OPERATOR, json={"content": text, "change_note": "原样再发一次"})
    assert same.status_code == 409 and same.json()["code"] == "EDITION_VERSION_EXISTS"
    new = text.replace(f'version: "{version}"', 'version: "2099.1"', 1).replace(
        "name: 行政处罚信息\n", "name: 行政处罚信息（修订）\n", 1)
    assert new != text
    assert client.post(CAT, headers=OPERATOR, json={"content": new, "change_note": ""}).status_code == 422
    bad = client.post(CAT, headers=OPERATOR, json={"content": new.replace("items:", "itemz:", 1),
                                                   "change_note": "行政处罚改名"})
    assert bad.status_code == 422 and bad.json()["code"] == "EDITION_INVALID"
    made = client.post(CAT, headers=OPERATOR, json={"content": new, "change_note": "行政处罚信息改名"})
    assert made.status_code == 201, made.text
    assert client.get("/api/v1/catalog").json()["version"] == "2099.1"
    assert client.get("/api/v1/catalog/items/XZCF-01").json()["name"] == "行政处罚信息（修订）"
    listed = client.get(CAT, headers=OPERATOR).json()
    assert listed["in_force"] == "2099.1" and [e["change_note"] for e in listed["editions"]] == ["行政处罚信息改名"]
    catalog, _ = service.current(session)  # what a new process (or the jobs) would load
    assert catalog.version == "2099.1"
    assert client.get(f"{CAT}/2099.1", headers=OPERATOR).json()["content"] == new


def test_a_catalog_that_would_orphan_a_measure_is_refused(client):
    version, text = edition_in_force(client, CAT)
    broken = catalog_without(text, version, "SFCP-01", "2099.2")
    res = client.post(CAT, headers=OPERATOR, json={"content": broken, "change_note": "删去失信被执行人"})
    assert res.status_code == 422 and res.json()["code"] == "EDITION_BREAKS_MEASURES"
    assert client.get("/api/v1/catalog").json()["version"] == version


def test_a_measure_edition_changes_what_checks_apply(client):
    version, text = edition_in_force(client, MEA)
    new = text.replace(f'version: "{version}"', 'version: "2099.1"', 1).replace(
        "name: 不得录用为公务员\n", "name: 不得录用为公务员（修订）\n", 1)
    made = client.post(MEA, headers=OPERATOR, json={"content": new, "change_note": "措施名称修订"})
    assert made.status_code == 201, made.text
    names = {m["code"]: m["name"] for m in client.get("/api/v1/measures").json()["measures"]}
    assert names["P-GWY-01"] == "不得录用为公务员（修订）"
    assert client.post(MEA, headers=DEPT, json={"content": new, "change_note": "x"}).status_code == 403
