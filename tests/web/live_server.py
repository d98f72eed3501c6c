"""A real server for the browser tests: its own database and data directory, `chengxin serve` in a
subprocess, demo-like data committed beforehand (the per-test rolled-back transaction cannot be
seen by another process)."""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from chengxin.access import verify as audit
from chengxin.access.sealing import seal_all
from chengxin.accounts import service as accounts
from chengxin.app import create_app
from chengxin.cli import prepare_database
from chengxin.clock import utcnow
from chengxin.crypto import create_key_file, load_keys
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.settings import Settings
from chengxin.signing import load_signer
from helpers import check, cid, court_case, free_port, penalty, process_env, scratch_database, serve

PASSWORD = "Browser-Test-Pw1!"
CITIZEN, CITIZEN_NAME = 91, "张三"
DEBTOR = 92  # on the black list: a court's 失信被执行人 record
SECOND = 93  # the citizen's second penalty (source record SCJG-2026-000093)
STAFF = {"web_clerk": ("department", ["submitter", "checker"], "market_regulation"),
         "web_hr": ("department", ["checker"], "human_resources"),
         "web_auditor": ("staff", ["auditor"], None), "web_operator": ("staff", ["operator"], None),
         "web_admin": ("staff", ["platform_admin"], None)}


@dataclass
class Live:
    url: str
    citizen_id: str
    citizen_name: str
    lines: list[str] = field(default_factory=list)

    def code_for(self, challenge_id: str, wait: float = 10.0) -> str:
        """The one-time code the demo identity provider printed on the server console."""
        pattern = re.compile(rf"挑战 {challenge_id} 的验证码：(\d{{6}})")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := pattern.search(line):
                    return found.group(1)
            time.sleep(0.05)
        raise AssertionError(f"服务器控制台没有打印挑战 {challenge_id} 的验证码")



def seed(settings: Settings) -> None:
    """Staff with passwords, a citizen with a penalty whose file a department checked, a sealed and
    verified access log."""
    engine = make_engine(settings.resolved_database_url)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        for username, (kind, roles, dept) in STAFF.items():
            accounts.create_account(session, kind=kind, display_name=username, roles=roles, username=username,
                                    department_code=dept, password=PASSWORD)
        systems = [accounts.create_account(session, kind="department", display_name=f"{dept} 系统", roles=[role],
                                           department_code=dept)
                   for dept, role in (("market_regulation", "submitter"), ("human_resources", "checker"),
                                      ("court", "submitter"))]
        tokens = [accounts.issue_token(session, settings, a.id, name="seed").token for a in systems]
    client = TestClient(create_app(settings, engine=engine))
    # Two penalties of the citizen: one to object to, one to repair (both past the 3-month minimum).
    second = penalty(SECOND, id_number=cid(CITIZEN), name=CITIZEN_NAME, fields={"violation": "虚假宣传"})
    submit = client.post("/api/v1/records/batches", headers={"Authorization": f"Bearer {tokens[0]}"},
                         json={"records": [penalty(CITIZEN, name=CITIZEN_NAME), second]})
    assert submit.status_code == 201 and submit.json()["created"] == 2, submit.text
    court = client.post("/api/v1/records/batches", headers={"Authorization": f"Bearer {tokens[2]}"},
                        json={"records": [court_case(DEBTOR)]})
    assert court.status_code == 201 and court.json()["created"] == 1, court.text
    res = check(client, cid(CITIZEN), "civil_service_recruitment", headers={"Authorization": f"Bearer {tokens[1]}"},
                department="human_resources")
    assert res.status_code == 200, res.text
    client.close()
    signer = load_signer(settings)
    seal_all(factory, signer)
    started = utcnow()
    with factory() as session:
        report = audit.verify(session, signer.public_keys())
    with unit_of_work(factory) as session:
        audit.record(session, report, started)
    engine.dispose()


def start(data_dir: Path, base_url: str) -> tuple[Live, subprocess.Popen, str]:
    """Prepare the database, seed it and start `chengxin serve`; returns once /healthz answers."""
    url = scratch_database(base_url, data_dir, "live", sqlite_file="chengxin.db")
    settings = Settings(data_dir=data_dir, database_url=url)
    create_key_file(settings.resolved_key_file)
    load_keys(settings)
    prepare_database(settings)
    seed(settings)
    port = free_port()
    env = process_env(CHENGXIN_DATA_DIR=str(data_dir), CHENGXIN_DATABASE_URL=url,
                      CHENGXIN_JOBS_INTERVAL_SECONDS="0", CHENGXIN_LOGIN_RATE_PER_MINUTE="1000")
    live = Live(f"http://127.0.0.1:{port}", cid(CITIZEN), CITIZEN_NAME)
    proc = serve(env, port, live.lines, what="浏览器测试的服务")
    return live, proc, url
