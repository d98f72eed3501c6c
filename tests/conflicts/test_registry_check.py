"""The population registry in the identity-conflict queue (issue 17, point 7).

The office opens a person-name conflict and sees which name the registry confirms (the demo registry
by default, or a gateway); "按户籍信息处理" sets the registry's name with source registry and writes
the registry's answer into the note. The registry's answer is a read of the person's data, logged."""

from __future__ import annotations

import re

from sqlalchemy import select

from chengxin.access.models import AccessEntry
from chengxin.demo.synth import registered_name
from chengxin.persons.models import Person
from helpers import OPERATOR, as_dept, cid, error_code, file_of, penalty, submit, with_csrf
from registry_gateway import gateway, registry_of

TAX = as_dept("tax")


def _conflict(client, n: int, platform: str, claimed: str) -> str:
    """A person-name conflict: the platform holds `platform`, the tax office sends `claimed`."""
    assert submit(client, [penalty(n, name=platform)]).status_code == 201
    res = submit(client, [penalty(n + 1, id_number=cid(n), name=claimed, source_record_id=f"SW-{n}")], headers=TAX)
    assert res.json()["warnings"] == 1, res.text
    found = client.get("/api/v1/conflicts", headers=OPERATOR).json()["conflicts"]
    return next(c["id"] for c in found if c["claimed_value"] == claimed)


def _person(session, keys, n: int) -> Person:
    session.expire_all()
    return session.get(Person, keys.subject_key("citizen_id", cid(n)))


def _registry_reads(session, person_key: str) -> list[AccessEntry]:
    return list(session.scalars(select(AccessEntry).where(AccessEntry.subject_key == person_key,
                                                          AccessEntry.action == "registry_verify")))


def test_the_detail_says_which_name_the_registry_confirms(client, session, keys):
    held = registered_name(cid(40))
    platform_right = _conflict(client, 40, held, held + "某")
    body = client.get(f"/api/v1/conflicts/{platform_right}", headers=OPERATOR).json()
    r = body["registry"]
    assert (r["source"], r["demo"], r["result"], r["confirms"], r["registry_name"]) == (
        "演示户籍库", True, "match", "platform", held)
    assert r["summary"] == f"户籍核验：与户籍一致的是“{held}”（平台登记的姓名）"

    held = registered_name(cid(42))
    department_right = _conflict(client, 42, "错名某", held)
    r = client.get(f"/api/v1/conflicts/{department_right}", headers=OPERATOR).json()["registry"]
    assert (r["result"], r["confirms"], r["registry_name"]) == ("name_differs", "department", held)
    assert r["summary"] == f"户籍核验：与户籍一致的是“{held}”（部门报送的姓名）"

    neither = _conflict(client, 44, "甲某", "乙某")
    r = client.get(f"/api/v1/conflicts/{neither}", headers=OPERATOR).json()["registry"]
    assert (r["confirms"], r["registry_name"]) == ("neither", registered_name(cid(44)))

    # The queue does not ask the registry (one call per conflict listed); the detail asked once each.
    assert all(c["registry"] is None for c in client.get("/api/v1/conflicts", headers=OPERATOR).json()["conflicts"])
    (read,) = _registry_reads(session, keys.subject_key("citizen_id", cid(40)))
    assert (read.result, read.purpose, read.ref_id) == ("match", "信息冲突核实", platform_right)


def test_the_page_shows_the_verdict_and_resolves_by_the_registry(client, session, keys):
    held = registered_name(cid(46))
    conflict_id = _conflict(client, 46, "错名某", held)
    page = client.get(f"/console/conflicts/{conflict_id}", headers=OPERATOR)
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert f"户籍核验：与户籍一致的是“{held}”（部门报送的姓名）" in text
    assert "演示户籍库" in text and "不是真实户籍信息" in text and "按户籍信息处理" in text

    done = client.post(f"/console/conflicts/{conflict_id}/resolution", headers=with_csrf(OPERATOR),
                       data={"decision": "registry"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    person = _person(session, keys, 46)
    assert (person.name, person.name_source) == (held, "registry")
    # Every surface shows the new name: the file, the queue, the conflict itself.
    assert file_of(client, cid(46)).json()["identity"]["name"] == held
    (c,) = [c for c in client.get("/api/v1/conflicts", headers=OPERATOR, params={"status": "all"}).json()["conflicts"]
            if c["id"] == conflict_id]
    assert (c["status"], c["name_now"], c["name_source"], c["resolved_value"]) == ("accepted", held, "registry", held)
    note = c["resolution_note"]
    assert note.startswith("按户籍信息处理。演示户籍库") and f"与户籍一致的是“{held}”" in note
    queue = client.get("/console/conflicts?status=all", headers=OPERATOR).text
    assert held in queue
    after = client.get(f"/console/conflicts/{conflict_id}", headers=OPERATOR).text
    assert "按户籍信息处理。" in after and 'value="registry"' not in after  # resolved: no second action


def test_the_api_resolves_by_the_registry_even_when_it_confirms_neither(client, session, keys):
    conflict_id = _conflict(client, 48, "甲某", "乙某")
    res = client.post(f"/api/v1/conflicts/{conflict_id}/resolution", headers=OPERATOR,
                      json={"decision": "registry", "note": "已电话告知报送部门"})
    assert res.status_code == 200, res.text
    body = res.json()
    held = registered_name(cid(48))
    assert (body["status"], body["name_now"], body["name_source"]) == ("corrected", held, "registry")
    assert body["resolution_note"].endswith("。已电话告知报送部门")
    assert body["registry"]["confirms"] == "neither"
    assert _person(session, keys, 48).name == held


def test_a_gateway_that_fails_shows_why_and_refuses_the_registry_action(client, session, keys, settings):
    conflict_id = _conflict(client, 50, "丙某", "丁某")
    with gateway(lambda asked: (500, b"")) as (url, seen):
        settings.population_registry = url
        r = client.get(f"/api/v1/conflicts/{conflict_id}", headers=OPERATOR).json()["registry"]
        assert (r["source"], r["demo"], r["result"], r["confirms"]) == ("人口基础信息库", False, "unavailable", None)
        assert r["summary"] == "户籍核验：未能核验（户籍核验服务答复出错（HTTP 500））"
        page = client.get(f"/console/conflicts/{conflict_id}", headers=OPERATOR).text
        assert "未能核验" in page and 'value="registry"' not in page
        refused = client.post(f"/api/v1/conflicts/{conflict_id}/resolution", headers=OPERATOR,
                              json={"decision": "registry"})
        assert error_code(refused) == "CONFLICT_REGISTRY_UNCONFIRMED"
    assert seen and seen[0]["id_number"] == cid(50)
    assert _person(session, keys, 50).name == "丙某"


def test_a_gateway_confirming_the_department_renames(client, session, keys, settings):
    conflict_id = _conflict(client, 52, "戊某", "己某")
    with gateway(registry_of({cid(52): "己某"})) as (url, seen):
        settings.population_registry = url
        res = client.post(f"/api/v1/conflicts/{conflict_id}/resolution", headers=OPERATOR,
                          json={"decision": "registry"})
    assert res.status_code == 200, res.text
    assert res.json()["registry"]["summary"] == "户籍核验：与户籍一致的是“己某”（部门报送的姓名）"
    assert (res.json()["status"], res.json()["name_now"]) == ("accepted", "己某")
    assert seen == [{"id_type": "citizen_id", "id_number": cid(52), "name": "戊某"}]


def test_with_the_registry_switched_off_nothing_is_asked(client, session, keys, settings):
    settings.population_registry = "none"
    conflict_id = _conflict(client, 54, "庚某", "辛某")
    assert client.get(f"/api/v1/conflicts/{conflict_id}", headers=OPERATOR).json()["registry"] is None
    refused = client.post(f"/api/v1/conflicts/{conflict_id}/resolution", headers=OPERATOR,
                          json={"decision": "registry"})
    assert error_code(refused) == "CONFLICT_REGISTRY_OFF"
    assert _registry_reads(session, keys.subject_key("citizen_id", cid(54))) == []
