"""The platform through pgbouncer (Debian's package) in transaction mode, once: the test starts
its own pgbouncer on a free port in front of the test server, and the app runs through it with
CHENGXIN_DB_PGBOUNCER (no server-side prepared statements): the schema check at start-up, an
import, checks (on the check writer's own connection too) and file views, each many times over,
so that psycopg would have prepared its statements without the setting."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url, text

from chengxin.app import create_app
from chengxin.catalog.rules import default_catalog
from chengxin.cli import prepare_database
from chengxin.crypto import create_key_file
from chengxin.db import make_sessionmaker, settings_engine, unit_of_work
from chengxin.settings import Settings
from chengxin.startup import prepare
from helpers import DEPT, check, cid, drop_database, file_of, free_port, issue_test_tokens, penalty, scratch_database
from helpers import submit as submit_records

PGBOUNCER = Path("/usr/sbin/pgbouncer")
CONFIG = """[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {dir}/userlist.txt
pool_mode = transaction
default_pool_size = 10
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options
logfile = {dir}/pgbouncer.log
pidfile = {dir}/pgbouncer.pid
"""


@pytest.fixture
def bouncer(database_url: str) -> Iterator[int]:
    """pgbouncer on a free port, as the postgres user (it refuses to run as root), in a temp dir of
    its own (pytest's are the owner's only: the postgres user could not reach one)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("pgbouncer fronts PostgreSQL only: this is the PostgreSQL run's test")
    if not PGBOUNCER.exists():
        pytest.skip("pgbouncer is not installed (apt-get install -y pgbouncer)")
    server = make_url(database_url)
    place = Path(tempfile.mkdtemp(prefix="chengxin-pgbouncer-"))
    listen = free_port()
    (place / "pgbouncer.ini").write_text(CONFIG.format(host=server.host or "127.0.0.1", port=server.port or 5432,
                                                       listen=listen, dir=place))
    (place / "userlist.txt").write_text(f'"{server.username or "postgres"}" ""\n')
    shutil.chown(place, "postgres")
    for file in place.iterdir():
        shutil.chown(file, "postgres")
    as_root = os.geteuid() == 0
    proc = subprocess.Popen([str(PGBOUNCER), *(["-u", "postgres"] if as_root else []), str(place / "pgbouncer.ini")],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while "listening on 127.0.0.1" not in _log(place):
            assert proc.poll() is None and time.monotonic() < deadline, _log(place) + proc.stdout.read(4096).decode()
            time.sleep(0.1)
        yield listen
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        shutil.rmtree(place, ignore_errors=True)


def _log(place: Path) -> str:
    path = place / "pgbouncer.log"
    return path.read_text(errors="replace") if path.exists() else ""


def test_the_platform_runs_through_pgbouncer_in_transaction_mode(bouncer: int, database_url: str, tmp_path: Path,
                                                                 keys):
    direct = scratch_database(database_url, tmp_path, "bouncer")
    through = make_url(direct).set(port=bouncer).render_as_string(hide_password=False)
    settings = Settings(data_dir=tmp_path, database_url=through, db_pgbouncer=True, jobs_database_url=direct,
                        db_pool_size=2, db_max_overflow=2, exchange_interval_seconds=0, jobs_interval_seconds=0)
    try:
        prepare_database(settings)  # the migrations, through pgbouncer
        create_key_file(settings.resolved_key_file)
        ready = prepare(settings)  # the start-up checks (schema at head, keys) through it
        engine = settings_engine(settings)
        with engine.connect() as conn:  # it is pgbouncer that answers
            assert conn.execute(text("SELECT inet_server_port()")).scalar() == (make_url(direct).port or 5432)
        factory = make_sessionmaker(engine)
        with unit_of_work(factory) as session:
            issue_test_tokens(session, default_catalog().departments)
        with TestClient(create_app(settings, engine=engine, keys=ready.keys)) as client:
            made = submit_records(client, [penalty(n) for n in range(1, 31)], headers=DEPT)
            assert made.status_code in (200, 201), made.text
            assert (made.json()["created"], made.json()["rejected"]) == (30, 0)
            for n in range(1, 21):  # past psycopg's prepare threshold (5) on every statement
                assert check(client, cid(n), "civil_service_recruitment").status_code == 200
                file = file_of(client, cid(n), purpose="行政许可审查")
                assert file.status_code == 200, file.text
                assert file.json()["categories"], file.text
        engine.dispose()
    finally:
        drop_database(direct)
