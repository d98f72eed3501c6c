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
