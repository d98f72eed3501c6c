"""Organisations and their responsible persons; the person's file shows them (R10)."""

from __future__ import annotations

from helpers import DEPT, cid, file_of, penalty, submit

USCC = "91350100M000100Y43"


def register(client, uscc: str = USCC, **body):
    payload = {"name": "某某食品有限公司",
               "persons": [{"role": "legal_representative", "id_number": cid(1), "name": "王五"}]}
    payload.update(body)
    return client.put(f"/api/v1/organisations/{uscc}", json=payload, headers=DEPT)


def test_organisation_with_legal_representative(client):
    res = register(client)
    assert res.status_code == 200, res.text
    person = res.json()["persons"][0]
    assert (person["role"], person["role_label"], person["name"]) == (
        "legal_representative", "法定代表人", "王*")
    assert person["id_number"].startswith("1101*")


def test_organisation_record_shows_in_its_representative_file(client):
    register(client)
    org_penalty = penalty(50, uscc=USCC, org_name="某某食品有限公司")
    del org_penalty["id_number"], org_penalty["name"], org_penalty["id_type"]
    body = submit(client, [org_penalty]).json()
    assert body["created"] == 1, body
    file = file_of(client, cid(1)).json()
    (org,) = file["organisations"]
    assert org["uscc"] == USCC and org["role_labels"] == ["法定代表人"]
    assert [m["item_code"] for m in org["matters"]] == ["XZCF-01"]
    assert file["summary"]["total"] == 0


def test_bad_organisation_input(client):
    assert register(client, uscc="91350100M000100Y4Z").json()["code"] == "USCC_CHARS"
    res = register(client, persons=[{"role": "boss", "id_number": cid(1), "name": "王五"}])
    assert res.json()["code"] == "ORG_ROLE_UNKNOWN"
    res = register(client, persons=[{"role": "legal_representative",
                                     "id_number": "110105194912310020", "name": "王五"}])
    assert res.status_code == 422 and res.json()["code"] == "ID_CHECKSUM"
    res = client.get("/api/v1/organisations/91110000600037341L", headers=DEPT)
    assert res.status_code == 404 and res.json()["code"] == "ORG_NOT_FOUND"


def test_organisation_record_needs_uscc_and_name(client):
    row = penalty(51, uscc="91110000600037341N", org_name="")
    del row["id_number"]
    codes = {i["code"] for i in submit(client, [row]).json()["issues"]}
    assert codes == {"USCC_CHECKSUM", "RECORD_ORG_NAME_MISSING"}
