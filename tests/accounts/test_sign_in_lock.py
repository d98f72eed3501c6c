"""A password sign-in checks the password (argon2, a tenth of a second by design) without holding
the database's write lock, and still records its outcome when another writer committed meanwhile."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text

from chengxin.accounts import service
from chengxin.accounts.models import SecurityEvent
from chengxin.db import unit_of_work
from chengxin.settings import get_settings
from helpers import own_database_app

PASSWORD = "Lock-Test-2026!"


def test_another_writer_commits_while_a_sign_in_checks_its_password(data_dir, keys, monkeypatch, is_postgres):
    app, engine, factory = own_database_app(keys)
    with unit_of_work(factory) as session:
        service.create_account(session, kind="staff", display_name="锁测试", roles=["operator"],
                               username="lock_staff", password=PASSWORD)
    # Another process's writer that never waits: on SQLite it fails at once if the lock is held.
    url = get_settings().resolved_database_url
    other = create_engine(url, connect_args={} if is_postgres else {"timeout": 0})
    checking = service._verify
    wrote: list[str] = []

    def verify_while_another_writes(stored: str, password: str) -> bool:
        with other.begin() as conn:
            conn.execute(text("INSERT INTO departments (code, name, created_at) VALUES (:c, '其他', :at)"),
                         {"c": f"other_{len(wrote)}", "at": "2026-11-18 02:00:00"})
        wrote.append("ok")
        return checking(stored, password)

    monkeypatch.setattr(service, "_verify", verify_while_another_writes)
    try:
        with TestClient(app) as client:
            refused = client.post("/api/v1/auth/login", json={"username": "lock_staff", "password": "Wrong-Pass-2026!"})
            signed_in = client.post("/api/v1/auth/login", json={"username": "lock_staff", "password": PASSWORD})
        with factory() as session:
            events = dict(session.execute(select(SecurityEvent.kind, func.count()).group_by(SecurityEvent.kind)).all())
    finally:
        other.dispose()
        engine.dispose()
    assert (refused.status_code, signed_in.status_code) == (401, 200), (refused.text, signed_in.text)
    assert wrote == ["ok", "ok"]
    assert events == {"login_failed": 1, "login_ok": 1}


def test_failed_sign_ins_at_the_same_time_each_count(data_dir, keys, settings):
    """Two wrong passwords at once count two towards the lockout: the second sign-in reads the count
    after the first has written it (on PostgreSQL both read the old count and the lockout came late)."""
    import threading

    from chengxin.accounts import repository
    from chengxin.db import writing
    from chengxin.errors import DomainError

    _, engine, factory = own_database_app(keys)
    with unit_of_work(factory) as session:
        service.create_account(session, kind="staff", display_name="计数测试", roles=["operator"],
                               username="count_staff", password=PASSWORD)
    with factory() as session:
        stored = repository.by_username(session, "count_staff").password_hash
    wrong = service.PasswordCheck(stored, False)

    def fail_once(session) -> None:
        try:
            service.login(session, settings, wrong, "count_staff", "Wrong-Pass-2026!", "203.0.113.9")
        except DomainError as err:
            assert err.code == "AUTH_LOGIN_FAILED"

    first = writing(factory)
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with writing(factory) as session:
                fail_once(session)
                session.commit()
        except BaseException as exc:  # reported by the test's thread
            errors.append(exc)

    try:
        fail_once(first)  # counted and flushed, not yet committed
        other = threading.Thread(target=second)
        other.start()
        other.join(0.5)
        assert other.is_alive()  # waits for the first sign-in's transaction
        first.commit()
        other.join(30)
        assert not other.is_alive() and not errors, errors
        with factory() as session:
            assert repository.by_username(session, "count_staff").failed_logins == 2
    finally:
        first.close()
        engine.dispose()
