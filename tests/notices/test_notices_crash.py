"""A worker killed mid-delivery: each notice still reaches the demo file exactly once.

The workers are real processes (`chengxin notices deliver`) on a committed scratch database; a
test-only environment hook makes the file channel die right after appending a notice (or half-way
through writing it), before the outbox row is marked delivered.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from chengxin.clock import utcnow
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.migrate import upgrade
from chengxin.notices import service
from chengxin.notices.channels import CRASH_ENV, CRASH_EXIT
from chengxin.notices.models import Notice
from chengxin.settings import get_settings
from helpers import process_env, scratch_database

TEST_KEYS_ENV = {"CHENGXIN_HASH_SECRET": "aGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGhoaGg=",
                 "CHENGXIN_ENCRYPTION_KEY": "ZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWU="}



@pytest.fixture
def platform(tmp_path: Path, monkeypatch, database_url: str):
    url = scratch_database(database_url, tmp_path, "ncrash")
    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHENGXIN_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    upgrade(engine)
    yield tmp_path, engine
    engine.dispose()
    get_settings.cache_clear()
    scratch_database(database_url, tmp_path, "ncrash", create=False)


def deliver(crash: str | None = None) -> subprocess.CompletedProcess[str]:
    """`chengxin notices deliver` in a process of its own, on this tree's sources."""
    env = process_env(**TEST_KEYS_ENV)
    env.pop(CRASH_ENV, None)
    if crash:
        env[CRASH_ENV] = crash
    return subprocess.run([sys.executable, "-c", "from chengxin.cli import app; app()", "notices", "deliver"],
                          env=env, capture_output=True, text=True, timeout=120)


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().split(b"\n") if path.exists() else []


def test_a_worker_killed_mid_delivery_delivers_each_notice_exactly_once(platform):
    data_dir, engine = platform
    outbox = data_dir / "notices" / "outbox.jsonl"
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        for n, person in enumerate(("a" * 32, "b" * 32, "c" * 32), start=1):
            service.enqueue(session, person_key=person, kind="repair_decided", key=f"REP-{n}",
                            title="信用修复申请已办结", body="您的信用修复申请已办结，相关信息已停止公示。",
                            channels=["file"])
    wanted = {f"repair_decided:REP-{n}:file" for n in (1, 2, 3)}

    # The first worker dies right after appending its first notice, before marking it delivered.
    first = deliver(crash="after_append")
    assert first.returncode == CRASH_EXIT, first.stderr[-2000:]
    assert len([x for x in lines(outbox) if x]) == 1
    # The second dies half-way through writing the next one (its predecessor's lease still holds).
    second = deliver(crash="mid_line")
    assert second.returncode == CRASH_EXIT, second.stderr[-2000:]
    assert not outbox.read_bytes().endswith(b"\n")  # a torn last line
    with factory() as session:
        statuses = session.execute(select(Notice.status, Notice.lease_until, Notice.attempts)).all()
    assert all(s == "pending" for s, _, _ in statuses)
    assert sorted(a for _, _, a in statuses) == [0, 1, 1]
    held = [lease for _, lease, _ in statuses if lease is not None]
    assert len(held) == 2

    # Time passes: the dead workers' leases run out. A healthy worker finishes the job.
    with unit_of_work(factory) as session:
        session.execute(update(Notice).where(Notice.lease_until.is_not(None))
                        .values(lease_until=utcnow() - timedelta(seconds=1)))
    third = deliver()
    assert third.returncode == 0, third.stderr[-2000:]
    assert "送达3条" in "".join(third.stderr.split())  # rich wraps lines at the terminal width

    data = outbox.read_bytes()
    assert data.endswith(b"\n")
    written = [json.loads(x) for x in data.split(b"\n") if x]
    assert sorted(w["idempotency_key"] for w in written) == sorted(wanted)  # each exactly once
    assert all(w["body"] == "您的信用修复申请已办结，相关信息已停止公示。" for w in written)
    with factory() as session:
        assert {s for (s,) in session.execute(select(Notice.status))} == {"delivered"}
    # And once more: nothing is due, nothing is written.
    assert deliver().returncode == 0
    assert outbox.read_bytes() == data
