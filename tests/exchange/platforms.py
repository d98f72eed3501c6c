"""Real platforms for the exchange tests (issue 17): each node its own data directory, database,
key file and `chengxin serve` on a port of its own, in a subprocess a test can kill -9 and restart.

Nothing is shared with the suite's database (its per-test transaction is rolled back and no other
process sees it): a platform is migrated and seeded in-process, committed, then served.
"""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from chengxin.accounts import service as accounts
from chengxin.catalog.rules import default_catalog
from chengxin.cli import prepare_database
from chengxin.crypto import create_key_file
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.settings import Settings
from chengxin.signing import load_signer
from helpers import SERVE, free_port, process_env, serve

STAFF_ROLES = ("operator", "platform_admin", "auditor")
CLOCK = "CHENGXIN_CLOCK_START"
PASSWORD = "Exchange-Test-Pw1!"  # the staff accounts' (username `<role>`), for the console pages


@dataclass
class Platform:
    """One node. `start()` prepares it the first time (migrate, seed) and serves it; `kill()` is
    kill -9; `restart()` serves the same data, keys, port and address again."""

    name: str
    node_code: str
    node_name: str
    data_dir: Path
    database_url: str
    exchange_interval: str = "0"  # CHENGXIN_EXCHANGE_INTERVAL_SECONDS; "0": no background exchange
    extra_env: dict[str, str] = field(default_factory=dict)  # more CHENGXIN_* settings, over the defaults
    port: int = field(default_factory=free_port)
    url: str = field(init=False)
    env: dict[str, str] = field(init=False)  # the CHENGXIN_* it runs with (change, then restart)
    process: subprocess.Popen | None = field(default=None, init=False)
    lines: list[str] = field(default_factory=list, init=False)  # console output, every run, a marker per start
    tokens: dict[str, str] = field(default_factory=dict, init=False)  # department code or staff role -> token
    start_seconds: list[float] = field(default_factory=list, init=False)  # each start's, the first with the seed
    seed_seconds: float = field(default=0.0, init=False)  # of the first start: key file, migrations, accounts
    seeded: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "CHENGXIN_DATA_DIR": str(self.data_dir), "CHENGXIN_DATABASE_URL": self.database_url,
            "CHENGXIN_NODE_CODE": self.node_code, "CHENGXIN_NODE_NAME": self.node_name,
            "CHENGXIN_NEIGHBOURS_FILE": str(self.data_dir / "neighbours.yaml"),
            "CHENGXIN_PUBLIC_URL": self.url, "CHENGXIN_JOBS_INTERVAL_SECONDS": "0",
            "CHENGXIN_EXCHANGE_INTERVAL_SECONDS": self.exchange_interval,
            "CHENGXIN_LOGIN_RATE_PER_MINUTE": "1000", **self.extra_env,
        }

    @property
    def settings(self) -> Settings:
        """The platform's settings, for in-process work on its data (the seed, a look at its tables)."""
        return Settings(data_dir=self.data_dir, database_url=self.database_url, node_code=self.node_code,
                        node_name=self.node_name, neighbours_file=self.data_dir / "neighbours.yaml",
                        public_url=self.url)

    def start(self, timeout: float = 60) -> Platform:
        """Serve the platform (the first time: keys, schema and accounts first); returns once /healthz
        answers 200, or raises with the console output."""
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError(f"平台 {self.name} 已在运行")
        began = time.monotonic()
        if not self.seeded:
            self._seed()
            self.seed_seconds = time.monotonic() - began
        env = self._process_env()
        self.lines.append(f"--- {self.name}: start {sum(line.startswith('--- ') for line in self.lines) + 1}, "
                          f"clock from {self.env['CHENGXIN_CLOCK_START']} ---\n")
        self.process = serve(env, self.port, self.lines, timeout=timeout, what=f"平台 {self.name}（{self.url}）")
        self.start_seconds.append(time.monotonic() - began)
        return self

    def kill(self) -> None:
        """kill -9, as a crash or a power cut."""
        self._end(signal.SIGKILL)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM: uvicorn's orderly shutdown (kill -9 when it has not ended in `timeout` seconds)."""
        self._end(signal.SIGTERM, timeout)

    def restart(self, *, hard: bool = False) -> Platform:
        """Stop (kill -9 when `hard`) and start again on the same port."""
        self.kill() if hard else self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """`chengxin <args>` with the platform's environment; output captured, never raises on failure."""
        return subprocess.run([*SERVE, *args], env=self._process_env(), capture_output=True, text=True,
                              encoding="utf-8", check=False, timeout=timeout)

    def cli_background(self, *args: str) -> subprocess.Popen[str]:
        """`chengxin <args>` started in the background with the platform's environment (output
        captured): a test that does something to a neighbour while it runs waits on it itself."""
        return subprocess.Popen([*SERVE, *args], env=self._process_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, encoding="utf-8")

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=kwargs.pop("timeout", 30), **kwargs)

    def token(self, department: str) -> str:
        """Bearer token of the department's system account (roles submitter and checker)."""
        if department not in self.tokens or department in STAFF_ROLES:
            raise KeyError(f"平台 {self.name} 没有部门 {department} 的系统账号")
        return self.tokens[department]

    def staff_token(self, role: str = "operator") -> str:
        """Bearer token of the staff account holding `role` (operator, platform_admin, auditor)."""
        return self.tokens[role]

    def headers(self, who: str = "operator") -> dict[str, str]:
        """Authorization header for a department code or a staff role."""
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def submit(self, department: str, records: list[dict[str, Any]], **body: Any) -> dict[str, Any]:
        """POST the records as the department's batch; the JSON receipt (raises unless 201)."""
        with self.client() as http:
            res = http.post("/api/v1/records/batches", json={"records": records, **body},
                            headers={"Authorization": f"Bearer {self.token(department)}"})
        if res.status_code != 201:
            raise AssertionError(f"平台 {self.name} 拒收批次：{res.status_code} {res.text}")
        return res.json()

    def public_key(self) -> str:
        """The platform's Ed25519 signing public key, base64 of the raw 32 bytes."""
        return base64.b64encode(load_signer(self.settings).public_key()).decode()

    def console(self) -> str:
        return "".join(self.lines)

    def _seed(self) -> None:
        """Keys, schema, departments and the accounts with their tokens, committed in-process."""
        settings = self.settings
        create_key_file(settings.resolved_key_file)
        prepare_database(settings)
        engine = make_engine(settings.resolved_database_url)
        try:
            with unit_of_work(make_sessionmaker(engine)) as session:
                for code in default_catalog().departments:
                    acc = accounts.create_account(session, kind="department", display_name=f"{code} 系统",
                                                  roles=["submitter", "checker"], department_code=code)
                    self.tokens[code] = accounts.issue_token(session, settings, acc.id, name="exchange-test").token
                for role in STAFF_ROLES:
                    acc = accounts.create_account(session, kind="staff", display_name=f"{self.name} {role}",
                                                  roles=[role], username=role,
                                                  password=PASSWORD if role == "operator" else None)
                    self.tokens[role] = accounts.issue_token(session, settings, acc.id, name="exchange-test").token
        finally:
            engine.dispose()
        self.seeded = True

    def _process_env(self) -> dict[str, str]:
        """The process environment: this tree's sources, the platform's CHENGXIN_* and no other (none
        of the shell's: a CHENGXIN_SIGNING_KEY there would give every node the same key). The clock
        starts where the test's clock is now: TEST_NOW as a test begins, and never backwards on a
        restart (a restarted node must not date anything before what it did before the crash)."""
        own = {k: v for k, v in self.env.items() if k != CLOCK}
        env = {k: v for k, v in process_env(**own).items() if not k.startswith("CHENGXIN_") or k in own or k == CLOCK}
        self.env[CLOCK] = env[CLOCK]
        return env

    def _end(self, sig: int, timeout: float = 20) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
