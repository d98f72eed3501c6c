"""How long a staff sign-in takes: the login form posted, the password checked with argon2id, the session
opened and the workbench it lands on served, beside the same sign-in with the argon2 parameters the
platform used before (argon2-cffi's default, RFC 9106 low-memory: 64 MiB, t = 3, p = 4).

    python -m bench.login [--rounds N]

In-process (no network), on a fresh SQLite database: the server's own time. The two kinds of sign-in
alternate round by round, so a burst of other load on the machine falls on both. Prints a table on
stderr and one JSON line per figure on stdout (see README.md); the target is issue 15's "staff login
under 300 ms on this machine".
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from argon2 import PasswordHasher, Type
from fastapi.testclient import TestClient
from sqlalchemy import update

from bench.common import Figure
from chengxin.accounts import service as accounts
from chengxin.accounts.models import Account
from chengxin.app import create_app
from chengxin.cli import prepare_database
from chengxin.crypto import create_key_file
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.settings import Settings
from chengxin.web.security import CSRF_FIELD

PASSWORD = "Bench-Login-Pw1!"
TARGET_MS = 300
# What the platform hashed with before issue 15: the library's own default parameters.
PREVIOUS = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4, type=Type.ID)


def _sign_in(client: TestClient, username: str) -> float:
    """Milliseconds from posting the login form to the workbench page being served (the form itself is
    fetched first, untimed: its CSRF token is bound to the visitor's pre-session cookie)."""
    form = client.get("/login").text
    token = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    start = time.perf_counter()
    res = client.post("/login", data={"username": username, "password": PASSWORD, CSRF_FIELD: token},
                      follow_redirects=True)
    elapsed = (time.perf_counter() - start) * 1000
    assert res.status_code == 200 and "工作台" in res.text, res.text[:300]
    client.cookies.clear()
    return elapsed


def measure(rounds: int) -> list[Figure]:
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(data_dir=tmp, login_rate_per_minute=1_000_000)
    create_key_file(settings.resolved_key_file)
    prepare_database(settings)
    engine = make_engine(settings.resolved_database_url)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        for username in ("bench_now", "bench_before"):
            accounts.create_account(session, kind="staff", display_name=username, roles=["operator"],
                                    username=username, password=PASSWORD)
    client = TestClient(create_app(settings, engine=engine))
    previous = PREVIOUS.hash(PASSWORD)

    def before() -> float:
        # The previous parameters, with the verifier configured as it was: nothing to rehash.
        with unit_of_work(factory) as session:
            session.execute(update(Account).where(Account.username == "bench_before").values(password_hash=previous))
        hasher, accounts._hasher = accounts._hasher, PREVIOUS
        try:
            return _sign_in(client, "bench_before")
        finally:
            accounts._hasher = hasher

    _sign_in(client, "bench_now")  # warm-up: templates compiled, connections open
    before()
    now, then = [], []
    for i in range(rounds):
        pair = (lambda: now.append(_sign_in(client, "bench_now")), lambda: then.append(before()))
        for run in (pair if i % 2 == 0 else pair[::-1]):
            run()
    # The first sign-in after the upgrade: an old hash verified, then replaced (once per account).
    upgrade = []
    for _ in range(max(3, rounds // 5)):
        with unit_of_work(factory) as session:
            session.execute(update(Account).where(Account.username == "bench_now").values(password_hash=previous))
        upgrade.append(_sign_in(client, "bench_now"))
    engine.dispose()
    value, baseline = statistics.median(now), statistics.median(then)
    return [
        Figure("staff_login_ms", value, baseline, "ms", f"value <= {TARGET_MS}", value <= TARGET_MS,
               "工作人员登录到工作台（argon2id m=19MiB t=2 p=1）中位数 / staff sign-in to the workbench, median",
               "同一登录，原参数（64MiB t=3 p=4）/ the same sign-in with the previous parameters"),
        Figure("staff_login_rehash_ms", statistics.median(upgrade), baseline, "ms", "info", None,
               "升级后首次登录（校验旧哈希并重新哈希）/ first sign-in after the upgrade (old hash verified, rehashed)",
               "原参数的登录 / a sign-in with the previous parameters"),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.login", description="工作人员登录耗时 staff sign-in time")
    parser.add_argument("--rounds", type=int, default=30, help="sign-ins of each kind (default 30)")
    args = parser.parse_args(argv)
    figures = measure(args.rounds)
    for f in figures:
        print(f.table_line(), file=sys.stderr)
        print(f"   {'':<24} value: {f.what}; baseline: {f.against}", file=sys.stderr)
    for f in figures:
        print(f.json_line())


if __name__ == "__main__":
    main()
