"""Passwords are hashed with argon2id at OWASP's parameters (m = 19 MiB, t = 2, p = 1); a hash made with
other parameters (the library's old default) is replaced at the next successful sign-in, and only then."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.low_level import Type
from sqlalchemy import update

from chengxin.accounts import repository as repo
from chengxin.accounts.models import Account
from helpers import as_role

ADMIN = as_role("platform_admin")
STRONG = "Xinyong-2026!"
OWASP = "$argon2id$v=19$m=19456,t=2,p=1$"


def _account(client, session, username: str) -> Account:
    res = client.post("/api/v1/accounts", headers=ADMIN, json={
        "kind": "staff", "display_name": "李雷", "roles": ["operator"], "username": username, "password": STRONG})
    assert res.status_code == 201, res.text
    account = repo.by_username(session, username)
    assert account is not None
    return account


def test_new_passwords_are_hashed_with_owasps_argon2id_parameters(client, session):
    account = _account(client, session, "lilei")
    assert account.password_hash.startswith(OWASP)


def test_an_old_hash_is_replaced_at_the_next_successful_sign_in(client, session):
    account = _account(client, session, "hanmeimei")
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, type=Type.ID).hash(STRONG)
    session.execute(update(Account).where(Account.id == account.id).values(password_hash=old))
    session.expire_all()
    wrong = client.post("/api/v1/auth/login", json={"username": "hanmeimei", "password": "Wrong-pass-1"})
    assert wrong.status_code == 401
    session.expire_all()
    assert repo.by_username(session, "hanmeimei").password_hash == old  # a failed sign-in changes nothing
    ok = client.post("/api/v1/auth/login", json={"username": "hanmeimei", "password": STRONG})
    assert ok.status_code == 200, ok.text
    session.expire_all()
    rehashed = repo.by_username(session, "hanmeimei").password_hash
    assert rehashed != old and rehashed.startswith(OWASP)
    assert client.post("/api/v1/auth/login", json={"username": "hanmeimei", "password": STRONG}).status_code == 200
