"""Accounts, API tokens, password and identity sign-in, department isolation, rate limits."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from chengxin.access.models import AccessEntry
from chengxin.accounts import service
from chengxin.accounts.models import ApiToken, SecurityEvent
from chengxin.clock import utcnow
from chengxin.errors import DomainError
from chengxin.settings import Settings
from helpers import DEPT, OPERATOR, as_dept, as_role, cid, penalty, submit

ADMIN = as_role("platform_admin")
STRONG = "Xinyong-2026!"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _department_token(client, roles=("submitter", "checker"), scopes=None) -> tuple[str, str]:
    acc = client.post("/api/v1/accounts", headers=ADMIN, json={
        "kind": "department", "display_name": "市监局系统", "roles": list(roles),
        "department_code": "market_regulation"})
    assert acc.status_code == 201, acc.text
    res = client.post(f"/api/v1/accounts/{acc.json()['id']}/tokens", headers=ADMIN,
                      json={"name": "生产", "scopes": scopes, "days": 30})
    assert res.status_code == 201, res.text
    return acc.json()["id"], res.json()["token"]


def test_token_is_shown_once_stored_hashed_and_works(client, session):
    account_id, token = _department_token(client)
    assert re.fullmatch(r"cxt_[0-9A-Z]{26}_[\w-]{40,}", token)
    listed = client.get(f"/api/v1/accounts/{account_id}/tokens", headers=ADMIN).json()["tokens"]
    assert len(listed) == 1 and token not in str(listed)
    stored = session.scalars(select(ApiToken).where(ApiToken.account_id == account_id)).one()
    assert token.split("_")[2] not in (stored.secret_hash, stored.name)
    me = client.get("/api/v1/auth/me", headers=_bearer(token)).json()
    assert me["department_code"] == "market_regulation" and me["roles"] == ["checker", "submitter"]
    assert submit(client, [penalty(1)], headers=_bearer(token)).status_code == 201


def test_revoked_expired_and_wrong_tokens_are_refused(client, session):
    _, token = _department_token(client)
    token_id = token.split("_")[1]
    wrong = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert client.get("/api/v1/auth/me", headers=_bearer(wrong)).json()["code"] == "AUTH_TOKEN_INVALID"
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=ADMIN).status_code == 204
    res = client.get("/api/v1/auth/me", headers=_bearer(token))
    assert res.status_code == 401 and res.json()["code"] == "AUTH_TOKEN_REVOKED"  # at once, despite the cache
    _, token2 = _department_token(client)
    session.execute(update(ApiToken).where(ApiToken.id == token2.split("_")[1])
                    .values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert client.get("/api/v1/auth/me", headers=_bearer(token2)).json()["code"] == "AUTH_TOKEN_EXPIRED"
    assert client.get("/api/v1/auth/me", headers={"Authorization": "Basic eDp5"}).json()["code"] == "AUTH_SCHEME"


def test_a_scoped_token_holds_only_its_scopes(client):
    _, token = _department_token(client, scopes=["checker"])
    res = submit(client, [penalty(1)], headers=_bearer(token))
    assert res.status_code == 403 and res.json()["code"] == "AUTH_FORBIDDEN"
    res = client.post(f"/api/v1/accounts/{_department_token(client)[0]}/tokens", headers=ADMIN,
                      json={"name": "x", "scopes": ["platform_admin"]})
    assert res.status_code == 422 and res.json()["code"] == "TOKEN_SCOPE_INVALID"


def test_account_roles_must_fit_the_kind_and_department(client):
    res = client.post("/api/v1/accounts", headers=ADMIN, json={
        "kind": "department", "display_name": "x", "roles": ["platform_admin"], "department_code": "tax"})
    assert res.status_code == 422 and res.json()["code"] == "ACCOUNT_ROLE_KIND"
    res = client.post("/api/v1/accounts", headers=ADMIN, json={
        "kind": "department", "display_name": "x", "roles": ["checker"], "department_code": "no_such'; --"})
    assert res.status_code == 422 and res.json()["code"] == "DEPARTMENT_UNKNOWN"
    res = client.post("/api/v1/accounts", headers=as_role("operator"), json={
        "kind": "staff", "display_name": "x", "roles": ["platform_admin"]})
    assert res.status_code == 403


def test_password_sign_in_with_lockout(client, session, app, clock):
    res = client.post("/api/v1/accounts", headers=ADMIN, json={
        "kind": "staff", "display_name": "王五", "roles": ["operator"], "username": "wangwu", "password": "short"})
    assert res.status_code == 422 and res.json()["code"] == "ACCOUNT_PASSWORD_WEAK"
    res = client.post("/api/v1/accounts", headers=ADMIN, json={
        "kind": "staff", "display_name": "王五", "roles": ["operator"], "username": "wangwu", "password": STRONG})
    assert res.status_code == 201 and "password" not in res.text
    ok = client.post("/api/v1/auth/login", json={"username": "wangwu", "password": STRONG})
    assert ok.status_code == 200 and ok.json()["token"].startswith("cxs_")
    assert client.get("/api/v1/auth/me", headers=_bearer(ok.json()["token"])).json()["roles"] == ["operator"]
    limit = app.state.settings.lockout_failures
    for _ in range(limit):
        bad = client.post("/api/v1/auth/login", json={"username": "wangwu", "password": "Wrong-pass-1"})
        assert bad.status_code == 401 and bad.json()["code"] == "AUTH_LOGIN_FAILED"
    locked = client.post("/api/v1/auth/login", json={"username": "wangwu", "password": STRONG})
    assert locked.status_code == 401 and "token" not in locked.json()  # locked: the right password does not help
    kinds = session.scalars(select(SecurityEvent.kind)).all()
    assert kinds.count("login_failed") >= limit + 1 and "login_locked" in kinds
    # A name that is no account, tried as often, gets the very same answer: the lockout does not tell
    # which staff usernames exist.
    app.state.login_limiter.hits.clear()  # as from another address: the per-address limit is not the point here
    for _ in range(limit):
        client.post("/api/v1/auth/login", json={"username": "nobody", "password": "Wrong-pass-1"})
    unknown = client.post("/api/v1/auth/login", json={"username": "nobody", "password": STRONG})
    assert (unknown.status_code, unknown.json()) == (locked.status_code, locked.json())
    assert "锁定" in locked.json()["detail"]  # a locked person learns why it may be
    clock.advance(timedelta(minutes=app.state.settings.lockout_minutes, seconds=1))
    assert client.post("/api/v1/auth/login", json={"username": "wangwu", "password": STRONG}).status_code == 200


def test_logout_ends_the_session(client):
    client.post("/api/v1/accounts", headers=ADMIN, json={
        "kind": "staff", "display_name": "赵六", "roles": ["auditor"], "username": "zhaoliu", "password": STRONG})
    token = client.post("/api/v1/auth/login", json={"username": "zhaoliu", "password": STRONG}).json()["token"]
    assert client.post("/api/v1/auth/logout", headers=_bearer(token)).status_code == 204
    assert client.get("/api/v1/auth/me", headers=_bearer(token)).json()["code"] == "AUTH_SESSION_EXPIRED"


def _code(client, capsys, id_number: str, name: str) -> tuple[str, str]:
    res = client.post("/api/v1/auth/person/challenge", json={"id_number": id_number, "name": name})
    assert res.status_code == 200, res.text
    challenge = res.json()["challenge_id"]
    printed = capsys.readouterr().err
    assert id_number not in printed
    return challenge, re.search(rf"挑战 {challenge} 的验证码：(\d{{6}})", printed).group(1)


def _person_sign_in(client, capsys, id_number: str, name: str) -> dict:
    challenge, code = _code(client, capsys, id_number, name)
    wrong = client.post("/api/v1/auth/person/verify", json={"challenge_id": challenge,
                                                           "code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "AUTH_CODE_WRONG"
    ok = client.post("/api/v1/auth/person/verify", json={"challenge_id": challenge, "code": code})
    assert ok.status_code == 200, ok.text
    again = client.post("/api/v1/auth/person/verify", json={"challenge_id": challenge, "code": code})
    assert again.json()["code"] == "AUTH_CHALLENGE_INVALID"  # one use only
    return ok.json()


def test_a_person_signs_in_through_the_demo_provider(client, capsys, keys, session):
    submit(client, [penalty(41)])
    number = cid(41)
    challenge, code = _code(client, capsys, number, "李四")  # step one answers alike for any name
    mismatch = client.post("/api/v1/auth/person/verify", json={"challenge_id": challenge, "code": code})
    assert mismatch.status_code == 401 and mismatch.json()["code"] == "AUTH_IDENTITY_MISMATCH"
    signed = _person_sign_in(client, capsys, number, "张三")
    me = client.get("/api/v1/auth/me", headers=_bearer(signed["token"])).json()
    assert me["roles"] == ["person"] and me["person_key"] == keys.subject_key("citizen_id", number)
    again = _person_sign_in(client, capsys, number, "张三")
    assert again["account_id"] == signed["account_id"]  # the same account on the next sign-in
    own = client.get("/api/v1/me/file", headers=_bearer(signed["token"]))
    assert own.status_code == 200 and own.json()["identity"]["id_number"] == number  # their own, in full
    assert own.json()["summary"]["total"] == 1
    logged = session.scalars(select(AccessEntry).where(AccessEntry.subject_key == me["person_key"])).all()
    assert [(e.action, e.actor_role) for e in logged] == [("own_view", "person")]
    # A person holds none of the department or staff permissions.
    assert client.post("/api/v1/files/query", json={"id_number": number},
                       headers=_bearer(signed["token"])).json()["code"] == "AUTH_FORBIDDEN"


def test_a_department_sees_only_its_own_records(client):
    submit(client, [penalty(42)])  # market_regulation
    body = {"id_number": cid(42), "purpose": "核查"}
    own = client.post("/api/v1/files/query", json=body, headers=DEPT).json()
    assert sum(len(c["matters"]) for c in own["categories"]) == 1
    # A department holding nothing on the person gets the answer of a number the platform does
    # not know: no sex, birth year, region or organisations (issue 14, section 4).
    other = client.post("/api/v1/files/query", json=body, headers=as_dept("tax"))
    unknown = client.post("/api/v1/files/query", json={**body, "id_number": cid(142)}, headers=as_dept("tax"))
    assert other.status_code == unknown.status_code == 404 and other.json() == unknown.json()
    assert other.json()["code"] == "PERSON_NOT_FOUND"
    key = client.post("/api/v1/files/query", json=body, headers=OPERATOR).json()["person_key"]
    assert client.get(f"/api/v1/persons/{key}/file", headers=as_dept("tax")).json() == unknown.json()
    assert client.get(f"/api/v1/persons/{key}/file", headers=DEPT).status_code == 200


def test_login_is_rate_limited_per_address(client, app):
    app.state.login_limiter.per_minute = 3
    codes = [client.post("/api/v1/auth/login", json={"username": "x", "password": "y"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    res = client.post("/api/v1/auth/login", json={"username": "x", "password": "y"})
    assert res.json()["code"] == "RATE_LIMITED_LOGIN" and int(res.headers["Retry-After"]) >= 1


def test_public_endpoints_are_rate_limited(client, app):
    app.state.public_limiter.per_minute = 5
    codes = [client.get("/api/v1/catalog").status_code for _ in range(6)]
    assert codes[:5] == [200] * 5 and codes[5] == 429
    assert client.get("/api/v1/auth/me", headers=DEPT).status_code == 200  # signed-in calls are not


def test_tokens_and_plain_ids_never_reach_the_logs(client, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    number = cid(43)
    _, token = _department_token(client)
    submit(client, [penalty(43)], headers=_bearer(token))
    client.post("/api/v1/files/query", json={"id_number": number}, headers=_bearer(token))
    client.post("/api/v1/files/query", json={"id_number": number + "X"}, headers=_bearer(token))
    client.get("/api/v1/auth/me", headers=_bearer(token[:-1]))
    client.post("/api/v1/auth/person/challenge", json={"id_number": number, "name": "张三"})
    client.post("/api/v1/checks", headers=_bearer(token), json={
        "id_number": number, "scenario": "administrative_licensing", "department": "market_regulation",
        "purpose": "审查"})
    logged = caplog.text + capsys.readouterr().err
    assert logged  # something was logged or printed, and none of it is a secret
    secret = token.split("_", 2)[2]
    assert secret not in logged and token not in logged
    assert number not in logged and number[:17] not in logged


def test_service_refuses_an_unknown_account_for_a_token(session):
    with pytest.raises(DomainError) as err:
        service.issue_token(session, Settings(), "01JD0000000000000000000000", name="x")
    assert err.value.code == "ACCOUNT_NOT_FOUND"
