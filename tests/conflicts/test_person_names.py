"""A known ID number with another name never renames the person (issue 14, section 3).

The row is kept with a warning, the conflict goes to the credit office's queue (API and page), the
person is told, and the name changes only on an authority's word: the population registry item,
or the credit office resolving the conflict."""

from __future__ import annotations

import re

from sqlalchemy import select

from chengxin.notices.models import Notice
from chengxin.persons.models import Person
from helpers import OPERATOR, as_dept, cid, days_ago, error_code, file_of, penalty, submit, with_csrf

TAX = as_dept("tax")
POLICE = as_dept("public_security")


def _person(session, keys, n: int) -> Person:
    session.expire_all()
    return session.get(Person, keys.subject_key("citizen_id", cid(n)))


def _notices(session, keys, n: int, kind: str) -> list[Notice]:
    key = keys.subject_key("citizen_id", cid(n))
    return list(session.scalars(select(Notice).where(Notice.subject_key == key, Notice.kind == kind,
                                                     Notice.channel == "inapp")))


def _conflicts(client, **params) -> list[dict]:
    res = client.get("/api/v1/conflicts", headers=OPERATOR, params=params)
    assert res.status_code == 200, res.text
    return res.json()["conflicts"]


def registry_row(n: int, name: str, **overrides) -> dict:
    """A population registry (个人身份登记信息, JCXX-01) row from public security."""
    row = {"item_code": "JCXX-01", "id_number": cid(n), "name": name, "source_record_id": f"HJ-{n:06d}",
           "decision_date": days_ago(30), "fields": {"gender": "男", "birth_date": "1985-06-15"}}
    row.update(overrides)
    return row


def test_another_name_is_kept_on_the_row_and_changes_nothing(client, session, keys):
    assert submit(client, [penalty(1)]).json()["created"] == 1  # 张三, from market regulation
    res = submit(client, [penalty(2, id_number=cid(1), name="李四", source_record_id="SW-1")], headers=TAX)
    body = res.json()
    assert res.status_code == 201 and body["created"] == 1 and body["warnings"] == 1, body
    (issue,) = body["issues"]
    assert (issue["code"], issue["level"], issue["field"]) == ("PERSON_NAME_CONFLICT", "warning", "name")

    person = _person(session, keys, 1)
    assert (person.name, person.name_source) == ("张三", "submitted")
    file = file_of(client, cid(1)).json()
    assert file["identity"]["name"] == "张三" and file["summary"]["total"] == 2  # the record is kept

    (conflict,) = _conflicts(client)
    assert conflict["kind"] == "person_name" and conflict["status"] == "open"
    assert (conflict["current_value"], conflict["claimed_value"], conflict["name_now"]) == ("张三", "李四", "张三")
    assert conflict["department_code"] == "tax" and conflict["source_record_id"] == "SW-1"
    assert conflict["id_number"] == cid(1) and conflict["occurrences"] == 1

    (notice,) = _notices(session, keys, 1, "identity_name_conflict")
    assert "行政处罚信息" in notice.body and "姓名未作改变" in notice.body and "李四" not in notice.body


def test_the_same_claim_again_is_one_conflict_and_one_notice(client, session, keys):
    submit(client, [penalty(3)])
    for version in ("罚款", "警告"):  # a second version of the same record, the same wrong name
        row = penalty(4, id_number=cid(3), name="张叁", source_record_id="SW-3", fields={"penalty_type": version})
        assert submit(client, [row], headers=TAX).json()["warnings"] == 1
    (conflict,) = _conflicts(client)
    assert conflict["occurrences"] == 2
    assert len(_notices(session, keys, 3, "identity_name_conflict")) == 1
    # Another department's differing name is its own conflict.
    submit(client, [penalty(5, id_number=cid(3), name="张叁")], headers=as_dept("transport"))
    assert len(_conflicts(client)) == 2


def test_a_spelling_that_only_differs_in_width_or_spacing_is_the_same_name(client, session, keys):
    submit(client, [penalty(6, name="阿依古丽·买买提")])
    body = submit(client, [penalty(7, id_number=cid(6), name=" 阿依古丽•买买提 ", source_record_id="SW-6")],
                  headers=TAX).json()
    assert body["created"] == 1 and body["warnings"] == 0, body
    assert _conflicts(client) == []


def test_a_chunk_naming_a_new_person_twice_makes_them_once_and_raises_the_second(client, session, keys):
    rows = [penalty(8, name="王五"), penalty(9, id_number=cid(8), name="王六")]
    body = submit(client, rows).json()
    assert body["created"] == 2 and [i["code"] for i in body["issues"]] == ["PERSON_NAME_CONFLICT"]
    assert body["issues"][0]["row"] == 2
    assert _person(session, keys, 8).name == "王五"
    assert [c["claimed_value"] for c in _conflicts(client)] == ["王六"]


def test_the_registry_item_sets_the_name_and_its_source(client, session, keys):
    submit(client, [penalty(10, name="赵七")])
    body = submit(client, [registry_row(10, "赵柒")], headers=POLICE).json()
    assert body["created"] == 1 and body["warnings"] == 0, body
    person = _person(session, keys, 10)
    assert (person.name, person.name_source) == ("赵柒", "registry")
    # From then on a department's other spelling is a conflict against the registered name.
    assert submit(client, [penalty(11, id_number=cid(10), name="赵七")], headers=TAX).json()["warnings"] == 1
    (conflict,) = _conflicts(client)
    assert (conflict["current_value"], conflict["name_source"]) == ("赵柒", "registry")
    assert _person(session, keys, 10).name == "赵柒"
    # A new person first known from the registry is made with the registry's name.
    submit(client, [registry_row(12, "钱八")], headers=POLICE)
    assert (_person(session, keys, 12).name, _person(session, keys, 12).name_source) == ("钱八", "registry")


def test_a_person_named_wrongly_can_still_sign_in_object_and_repair(client, session, keys, settings, capsys):
    submit(client, [penalty(13)])  # 张三
    submit(client, [penalty(14, id_number=cid(13), name="李四", source_record_id="SW-13")], headers=TAX)
    res = client.post("/api/v1/auth/person/challenge", json={"id_number": cid(13), "name": "张三"})
    challenge = res.json()["challenge_id"]
    code = re.search(rf"挑战 {challenge} 的验证码：(\d{{6}})", capsys.readouterr().err).group(1)
    signed = client.post("/api/v1/auth/person/verify", json={"challenge_id": challenge, "code": code})
    assert signed.status_code == 200, signed.text
    me = {"Authorization": f"Bearer {signed.json()['token']}"}
    file = client.get("/api/v1/me/file", headers=me).json()
    record = next(m["record"] for c in file["categories"] for m in c["matters"]
                  if m["record"] and m["record"]["source_record_id"] == "SW-13")
    objection = client.post("/api/v1/me/objections", headers=me, data={
        "target_kind": "record", "target_id": record["id"], "reason": "这条处罚不是我的"})
    assert objection.status_code == 201, objection.text


def test_the_office_keeps_accepts_or_corrects_and_the_person_is_told(client, session, keys):
    for n, claimed in ((15, "孙九"), (16, "孙玖"), (17, "孙久")):
        submit(client, [penalty(n, name="孙九九")])
        submit(client, [penalty(n + 100, id_number=cid(n), name=claimed, source_record_id=f"SW-{n}")], headers=TAX)
    conflicts = {c["claimed_value"]: c["id"] for c in _conflicts(client)}

    def resolve(claimed: str, **body):
        return client.post(f"/api/v1/conflicts/{conflicts[claimed]}/resolution", headers=OPERATOR, json=body)

    assert error_code(resolve("孙九", decision="keep", note=" ")) == "CONFLICT_NOTE_REQUIRED"
    assert error_code(resolve("孙九", decision="correct", note="核对")) == "CONFLICT_VALUE_INVALID"
    kept = resolve("孙九", decision="keep", note="经核对户籍登记信息，报送部门录入有误")
    assert kept.status_code == 200 and kept.json()["status"] == "kept"
    assert _person(session, keys, 15).name == "孙九九"
    assert resolve("孙九", decision="accept", note="再次处理").json()["code"] == "CONFLICT_RESOLVED"

    assert resolve("孙玖", decision="accept", note="本人已改名，经户籍登记信息核实").json()["status"] == "accepted"
    person = _person(session, keys, 16)
    assert (person.name, person.name_source) == ("孙玖", "office")
    assert resolve("孙久", decision="correct", value="孙 久久", note="核对户籍").json()["resolved_value"] == "孙 久久"
    assert _person(session, keys, 17).name == "孙 久久"

    (told,) = _notices(session, keys, 16, "identity_name_resolved")
    assert "孙玖" in told.body
    assert [c["status"] for c in _conflicts(client, status="all")] == ["kept", "accepted", "corrected"]
    assert _conflicts(client) == []
    missing = client.get("/api/v1/conflicts/01JD0000000000000000000000", headers=OPERATOR)
    assert missing.status_code == 404 and error_code(missing) == "CONFLICT_NOT_FOUND"


def test_the_console_page_lists_and_resolves(client, session, keys):
    submit(client, [penalty(18, name="周十")])
    submit(client, [penalty(19, id_number=cid(18), name="周拾", source_record_id="SW-18")], headers=TAX)
    queue = client.get("/console/conflicts", headers=OPERATOR)
    assert queue.status_code == 200 and "周拾" in queue.text and "待核实" in queue.text
    conflict_id = re.search(r'href="/console/conflicts/([0-9A-Z]{26})"', queue.text).group(1)
    page = client.get(f"/console/conflicts/{conflict_id}", headers=OPERATOR)
    assert page.status_code == 200 and cid(18) in page.text and "周十" in page.text
    done = client.post(f"/console/conflicts/{conflict_id}/resolution", headers=with_csrf(OPERATOR),
                       data={"decision": "accept", "note": "经核实本人姓名为周拾"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert _person(session, keys, 18).name == "周拾"
    assert client.get("/console/conflicts", headers=OPERATOR).text.count("/console/conflicts/0") == 0
    # Only the credit office holds the queue.
    assert error_code(client.get("/console/conflicts", headers=TAX)) == "AUTH_FORBIDDEN"
    assert error_code(client.get("/api/v1/conflicts", headers=TAX)) == "AUTH_FORBIDDEN"


def test_a_person_created_by_another_submission_meanwhile_is_compared_not_renamed(session, keys, catalog):
    """Between a chunk's look-up and its insert another department creates the same person under
    another name: the insert skips them, and the differing name becomes a conflict."""
    from chengxin.clock import today
    from chengxin.identity.rules import parse_citizen_id
    from chengxin.persons.service import new_person_values
    from chengxin.records import repository
    from chengxin.records import service as records
    from chengxin.records.endpoints import flatten
    from chengxin.records.rules import RowContext

    batch = records.open_batch(session, "market_regulation", "api")
    ctx = RowContext(catalog, "market_regulation", today(), keys.hasher())
    collector = records.Collector(session, catalog, keys, batch, ctx)
    rows = [flatten(penalty(121, id_number=cid(121), name="韩梅梅")), flatten(penalty(122, id_number=cid(122),
                                                                                   name="李雷"))]
    plan = collector.plan(list(enumerate(rows, start=1)))
    assert len(plan.new_persons) == 2
    first = cid(121)
    key = keys.subject_key("citizen_id", first)
    repository.insert_persons(session, [new_person_values(keys, key, parse_citizen_id(first), "韩梅", plan.now,
                                                          "submitted")])
    collector.write(plan, session)
    session.flush()
    assert _person(session, keys, 121).name == "韩梅"  # the stored name stays
    (claim,) = [c for c in plan.name_conflicts if c.person_key == key]
    assert (claim.current, claim.claimed) == ("韩梅", "韩梅梅")
    assert session.get(Person, keys.subject_key("citizen_id", cid(122))).name == "李雷"
    assert len(_notices(session, keys, 121, "identity_name_conflict")) == 1  # the person is told
    assert _notices(session, keys, 122, "identity_name_conflict") == []
