"""Organisations and their responsible persons; the person's file shows them (R10)."""

from __future__ import annotations

from helpers import DEPT, HR, OPERATOR, as_dept, check, cid, file_of, listing_notice, penalty, submit

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


# --- who owns an organisation's facts (issue 14, section 4) ------------------------------------

HR_ORG = "某某建筑劳务有限公司"


def _conflicts(client, **params) -> list[dict]:
    return client.get("/api/v1/conflicts", headers=OPERATOR, params=params).json()["conflicts"]


def _listed_with_representative(client) -> None:
    """HR registers the organisation with its legal representative and puts it on the black list."""
    res = client.put(f"/api/v1/organisations/{USCC}", headers=HR, json={
        "name": HR_ORG, "persons": [{"role": "legal_representative", "id_number": cid(8), "name": "郑一"}]})
    assert res.status_code == 200 and res.json()["registered_by"] == "human_resources"
    org_row = {"item_code": "YZSX-02", "uscc": USCC, "org_name": HR_ORG, "source_record_id": "NMG-1",
               "decision_date": "2026-04-01",
               "fields": {**listing_notice("2026-04-01"), "person_role": "用人单位",
                          "circumstance": "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准",
                          "authority": "市人力资源和社会保障局"}}
    assert submit(client, [org_row], headers=HR).json()["created"] == 1
    assert check(client, cid(8), "honours").json()["decision"] == "block"


def test_another_department_cannot_empty_or_rename_an_organisation(client):
    _listed_with_representative(client)
    res = client.put(f"/api/v1/organisations/{USCC}", headers=DEPT, json={"name": "另一家公司", "persons": []})
    assert res.status_code == 202, res.text
    body = res.json()
    assert body["name"] == HR_ORG and [p["role"] for p in body["persons"]] == ["legal_representative"]
    assert sorted(c["kind"] for c in body["conflicts"]) == ["org_name", "org_roles"]
    # Nothing changed: the sanction still reaches the legal representative.
    assert check(client, cid(8), "honours").json()["decision"] == "block"
    assert client.get(f"/api/v1/organisations/{USCC}", headers=DEPT).json()["name"] == HR_ORG
    queued = {c["kind"]: c for c in _conflicts(client)}
    assert queued["org_name"]["current_value"] == HR_ORG and queued["org_name"]["claimed_value"] == "另一家公司"
    assert queued["org_roles"]["department_code"] == "market_regulation"
    assert [r["name"] for r in queued["org_roles"]["current_roles"]] == ["郑一"]
    assert queued["org_roles"]["claimed_roles"] == []
    # The same data again is the same two conflicts; the same data as registered is no conflict.
    assert client.put(f"/api/v1/organisations/{USCC}", headers=DEPT, json={"name": "另一家公司",
                                                                         "persons": []}).status_code == 202
    same = client.put(f"/api/v1/organisations/{USCC}", headers=DEPT, json={
        "name": HR_ORG, "persons": [{"role": "legal_representative", "id_number": cid(8), "name": "郑一"}]})
    assert same.status_code == 200 and same.json()["conflicts"] == []
    assert [c["occurrences"] for c in _conflicts(client)] == [2, 2]


def test_the_registering_department_changes_its_own_organisation(client):
    _listed_with_representative(client)
    res = client.put(f"/api/v1/organisations/{USCC}", headers=HR, json={
        "name": HR_ORG + "（更名）",
        "persons": [{"role": "legal_representative", "id_number": cid(9), "name": "王二"}]})
    assert res.status_code == 200 and res.json()["conflicts"] == []
    assert res.json()["name"] == HR_ORG + "（更名）" and res.json()["persons"][0]["name"] == "王*"
    assert check(client, cid(9), "honours").json()["decision"] == "block"
    assert check(client, cid(8), "honours").json()["decision"] == "clear"
    assert _conflicts(client) == []


def test_the_office_accepts_another_departments_list(client):
    _listed_with_representative(client)
    claimed = client.put(f"/api/v1/organisations/{USCC}", headers=DEPT, json={"name": HR_ORG, "persons": [
        {"role": "legal_representative", "id_number": cid(8), "name": "郑一"},
        {"role": "actual_controller", "id_number": cid(10), "name": "钱三"}]})
    assert claimed.status_code == 202
    (conflict,) = claimed.json()["conflicts"]
    assert conflict["kind"] == "org_roles"
    wrong = client.post(f"/api/v1/conflicts/{conflict['id']}/resolution", headers=OPERATOR,
                        json={"decision": "correct", "value": "x", "note": "核实"})
    assert wrong.json()["code"] == "CONFLICT_CORRECT_NOT_APPLICABLE"
    done = client.post(f"/api/v1/conflicts/{conflict['id']}/resolution", headers=OPERATOR,
                       json={"decision": "accept", "note": "经核对营业执照，实际控制人为钱三"})
    assert done.status_code == 200 and done.json()["status"] == "accepted"
    roles = client.get(f"/api/v1/organisations/{USCC}", headers=OPERATOR).json()
    assert sorted(p["role"] for p in roles["persons"]) == ["actual_controller", "legal_representative"]
    assert roles["registered_by"] == "human_resources"  # accepting a claim does not move ownership
    assert check(client, cid(10), "honours").json()["decision"] == "block"


def test_a_record_never_renames_an_organisation(client):
    register(client)  # 某某食品有限公司, registered by market regulation
    row = penalty(52, uscc=USCC, org_name="某某食品股份有限公司")
    del row["id_number"], row["name"], row["id_type"]
    body = submit(client, [row], headers=as_dept("tax")).json()
    assert body["created"] == 1 and [i["code"] for i in body["issues"]] == ["ORG_NAME_CONFLICT"]
    assert client.get(f"/api/v1/organisations/{USCC}", headers=DEPT).json()["name"] == "某某食品有限公司"
    (conflict,) = _conflicts(client)
    assert (conflict["kind"], conflict["claimed_value"], conflict["uscc"]) == (
        "org_name", "某某食品股份有限公司", USCC)


def test_an_organisation_known_from_records_belongs_to_the_department_that_registers_it(client):
    row = penalty(53, uscc=USCC, org_name="某某食品")
    del row["id_number"], row["name"], row["id_type"]
    submit(client, [row], headers=as_dept("tax"))
    first = register(client)  # market regulation registers it: its name is the registered one
    assert first.status_code == 200 and first.json()["registered_by"] == "market_regulation"
    assert first.json()["name"] == "某某食品有限公司" and first.json()["conflicts"] == []
    assert register(client, name="别的名字").status_code == 200  # its own registration, its own word
