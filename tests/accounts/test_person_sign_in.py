"""A person's sign-in reveals nothing about which ID numbers the platform knows (issue 14, section 3).

Step one answers alike, and runs the very same statements, for an unknown number, a known number
with its name and a known number with another name; the name is checked at step two, after the
code. A real-name identity provider's verified name is the person's identity name."""

from __future__ import annotations

import re
from typing import ClassVar

import pytest
from sqlalchemy import event, select

from chengxin.accounts import providers
from chengxin.accounts.models import SecurityEvent
from chengxin.accounts.providers import Delivery
from chengxin.persons.models import Person
from helpers import as_dept, cid, penalty, submit

CHALLENGE = "/api/v1/auth/person/challenge"


def _answers(client, connection, bodies: list[dict]) -> list[tuple[int, dict, list[str]]]:
    """Each step-one answer: status, body without the challenge's own id and time, SQL statements run."""
    out = []
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(re.sub(r"sa_savepoint_\d+", "sa_savepoint", statement))  # the tests' own nesting

    for body in bodies:
        statements.clear()
        event.listen(connection, "before_cursor_execute", note)
        try:
            res = client.post(CHALLENGE, json=body)
        finally:
            event.remove(connection, "before_cursor_execute", note)
        answer = res.json()
        assert re.fullmatch(r"[0-9A-Z]{26}", answer.pop("challenge_id", "")), answer
        answer.pop("expires_at")
        out.append((res.status_code, answer, list(statements)))
    return out


def test_step_one_answers_alike_for_known_and_unknown_numbers(client, connection, session):
    submit(client, [penalty(501)])  # 张三 is known under cid(501); cid(502) is not
    answers = _answers(client, connection, [
        {"id_number": cid(502), "name": "张三"},  # unknown number
        {"id_number": cid(501), "name": "张三"},  # known, its name
        {"id_number": cid(501), "name": "李四"},  # known, another name
    ])
    assert answers[0][0] == 200 and answers[0][2], answers[0]
    assert answers[1] == answers[0] and answers[2] == answers[0]
    assert not any("persons" in s for s in answers[0][2])  # the platform's data is not even read
    # Nothing about the name is recorded as a failure at step one either.
    assert session.scalars(select(SecurityEvent.detail).where(SecurityEvent.detail == "identity_name")).all() == []
    bad = client.post(CHALLENGE, json={"id_number": "110105194912310020", "name": "张三"})
    assert bad.status_code == 422 and bad.json()["code"] == "ID_CHECKSUM"  # only the format is judged


def _code(client, capsys, number: str, name: str) -> tuple[str, str]:
    challenge = client.post(CHALLENGE, json={"id_number": number, "name": name}).json()["challenge_id"]
    return challenge, re.search(rf"挑战 {challenge} 的验证码：(\d{{6}})", capsys.readouterr().err).group(1)


def test_the_name_is_checked_once_the_code_proves_the_identity(client, capsys, session):
    submit(client, [penalty(503)])
    challenge, code = _code(client, capsys, cid(503), "李四")
    wrong = client.post("/api/v1/auth/person/verify", json={"challenge_id": challenge, "code": "x" + code[1:]})
    assert wrong.json()["code"] == "AUTH_CODE_WRONG"  # without the code, the name is not judged
    res = client.post("/api/v1/auth/person/verify", json={"challenge_id": challenge, "code": code})
    assert res.status_code == 401 and res.json()["code"] == "AUTH_IDENTITY_MISMATCH"
    assert "identity_name" in session.scalars(select(SecurityEvent.detail)).all()
    # A spelling that differs only in width or spacing is the same name.
    challenge, code = _code(client, capsys, cid(503), " 张 三 ")
    assert client.post("/api/v1/auth/person/verify", json={"challenge_id": challenge, "code": code}).status_code == 200
    # An unknown number signs in (the person may have no records yet).
    challenge, code = _code(client, capsys, cid(504), "王五")
    assert client.post("/api/v1/auth/person/verify", json={"challenge_id": challenge, "code": code}).status_code == 200


class RealNameProvider:
    """A stand-in for a real-name provider: it checks against its own registry and vouches for the name."""

    name = "realname"
    registry: ClassVar[dict[str, str]] = {}
    sent: ClassVar[dict[str, str]] = {}  # challenge -> the number it was sent for

    def send_code(self, challenge_id, ident, display_name):
        self.sent[challenge_id] = ident.number
        return "246810", Delivery("sms", "验证码已发送至登记的手机号码")

    def verified_name(self, challenge_id):
        return self.registry.get(self.sent[challenge_id])


@pytest.fixture
def realname(app, monkeypatch) -> type[RealNameProvider]:
    monkeypatch.setitem(providers.PROVIDERS, "realname", RealNameProvider)
    monkeypatch.setattr(app.state.settings, "identity_provider", "realname")
    RealNameProvider.registry = {cid(505): "张叁"}
    return RealNameProvider


def test_a_real_name_providers_name_becomes_the_identity_name(client, session, keys, realname):
    submit(client, [penalty(505)])  # a department wrote 张三; the registry says 张叁
    challenge = client.post(CHALLENGE, json={"id_number": cid(505), "name": "张叁"}).json()
    assert challenge["hint"] == "验证码已发送至登记的手机号码"
    res = client.post("/api/v1/auth/person/verify", json={"challenge_id": challenge["challenge_id"], "code": "246810"})
    assert res.status_code == 200, res.text
    person = session.get(Person, keys.subject_key("citizen_id", cid(505)))
    session.refresh(person)
    assert (person.name, person.name_source) == ("张叁", "identity_provider")
    # A department's 张三 from now on is a conflict against the verified name, not a rename.
    assert submit(client, [penalty(506, id_number=cid(505))], headers=as_dept("tax")).json()["warnings"] == 1
    session.refresh(person)
    assert person.name == "张叁"
