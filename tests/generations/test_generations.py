"""Caches across processes: a credential revoked, an account stopped or an edition published
through one process is refused, or in force, in every other within `sync_seconds`, not
`auth_cache_seconds` (issue 19 §1). Two apps on one database, each with an engine of its own,
stand for two server processes; a third app that does not follow the counters (no lifespan, so
no watch) shows what the cache alone would do."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from chengxin.app import create_app
from chengxin.db import make_engine
from chengxin.settings import get_settings
from helpers import as_dept, as_role, own_database_app, with_csrf
from helpers import test_token as token_of

SYNC = 0.3  # CHENGXIN_SYNC_SECONDS here
BOUND = SYNC + 1.2  # the bound, with room for a slow poll on a busy machine
ADMIN = as_role("platform_admin")
OPERATOR = as_role("operator")
MEA = "/api/v1/editions/measures"


@pytest.fixture
def processes(data_dir, keys, monkeypatch) -> Iterator[tuple[TestClient, TestClient, TestClient]]:
    """Two served apps (with their lifespans: they follow the counters) and one that does not."""
    monkeypatch.setenv("CHENGXIN_SYNC_SECONDS", str(SYNC))
    monkeypatch.setenv("CHENGXIN_AUTH_CACHE_SECONDS", "600")  # the cache alone would hold for ten minutes
    get_settings.cache_clear()
    first, engine, _ = own_database_app(keys, tokens=True)
    engines = [engine] + [make_engine(get_settings().resolved_database_url) for _ in range(2)]
    second = create_app(get_settings(), engine=engines[1], keys=keys)
    unfollowing = create_app(get_settings(), engine=engines[2], keys=keys)
    with TestClient(first) as one, TestClient(second) as two:
        yield one, two, TestClient(unfollowing)
    for e in engines:
        e.dispose()


def within(bound: float, condition: Callable[[], bool]) -> float:
    """Seconds until `condition` holds; fails past `bound`."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start <= bound, f"not within {bound} s"
        time.sleep(0.05)
    return time.monotonic() - start


def test_a_token_revoked_through_one_process_is_refused_by_the_other_within_the_bound(processes):
    one, two, unfollowing = processes
    dept = as_dept("market_regulation")
    for client in (one, two, unfollowing):  # each has verified and cached it
        assert client.get("/api/v1/auth/me", headers=dept).status_code == 200
    token_id = token_of("dept:market_regulation")[0]
    assert one.delete(f"/api/v1/tokens/{token_id}", headers=ADMIN).status_code == 204
    assert one.get("/api/v1/auth/me", headers=dept).status_code == 401  # the revoking process: at once
    within(BOUND, lambda: two.get("/api/v1/auth/me", headers=dept).status_code == 401)
    # Without the counters the other process would still admit it for the whole cache time.
    assert unfollowing.get("/api/v1/auth/me", headers=dept).status_code == 200


def test_an_account_stopped_through_one_process_is_refused_by_the_other(processes):
    from chengxin.accounts import repository as accounts

    one, two, unfollowing = processes
    dept = as_dept("tax")
    assert two.get("/api/v1/auth/me", headers=dept).status_code == 200
    assert unfollowing.get("/api/v1/auth/me", headers=dept).status_code == 200
    with one.app.state.sessionmaker() as session:
        account_id = accounts.token(session, token_of("dept:tax")[0]).account_id
    page = one.get("/console/accounts", headers=ADMIN)  # the console sets its CSRF cookie
    assert page.status_code == 200
    stopped = one.post(f"/console/accounts/{account_id}/disable", headers=with_csrf(ADMIN), follow_redirects=False)
    assert stopped.status_code == 303, stopped.text
    within(BOUND, lambda: two.get("/api/v1/auth/me", headers=dept).status_code == 401)
    assert unfollowing.get("/api/v1/auth/me", headers=dept).status_code == 200


def test_a_measure_edition_published_through_one_process_is_in_force_in_the_other(processes):
    one, two, unfollowing = processes
    body = one.get(f"{MEA}/current", headers=OPERATOR).json()
    old, text = body["version"], body["content"]
    for client in (two, unfollowing):
        assert client.get("/api/v1/measures").json()["version"] == old
    new = text.replace(f'version: "{old}"', 'version: "2099.1"', 1).replace(
        "name: 不得录用为公务员\n", "name: 不得录用为公务员（修订）\n", 1)
    made = one.post(MEA, headers=OPERATOR, json={"content": new, "change_note": "措施名称修订"})
    assert made.status_code == 201, made.text
    within(BOUND, lambda: two.get("/api/v1/measures").json()["version"] == "2099.1")
    names = {m["code"]: m["name"] for m in two.get("/api/v1/measures").json()["measures"]}
    assert names["P-GWY-01"] == "不得录用为公务员（修订）"
    assert unfollowing.get("/api/v1/measures").json()["version"] == old


def test_the_counters_move_with_the_change_and_only_then(session):
    from chengxin.accounts import service
    from chengxin.callers import Caller
    from chengxin.generations import repository as repo

    before = repo.read(session.connection())
    assert set(before) == {"credentials", "editions"}  # seeded by the migration
    admin = Caller.of(frozenset({"platform_admin"}), account_id="01GENERATIONSADMIN00000001")
    token_id = token_of("dept:market_regulation")[0]
    service.revoke_token(session, token_id, by=admin)
    after = repo.read(session.connection())
    assert after["credentials"] == before["credentials"] + 1 and after["editions"] == before["editions"]
    service.revoke_token(session, token_id, by=admin)  # already revoked: nothing changed, nothing to follow
    assert repo.read(session.connection()) == after
