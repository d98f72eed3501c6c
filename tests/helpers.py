"""Plain helpers with keyword defaults for building test data (synthetic only)."""

from __future__ import annotations

import base64
import hashlib
import re
import sys
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from chengxin.demo.synth import citizen_id


def test_token(name: str) -> tuple[str, str, str]:
    """(token id, secret, bearer token) of a test credential: derived from its name, so headers
    can be built at import time; tests/conftest.py stores the rows (hashed, as the platform does)."""
    digest = hashlib.sha256(f"chengxin-test:{name}".encode()).digest()
    token_id = base64.b32encode(digest).decode()[:26]
    secret = digest.hex()
    return token_id, secret, f"cxt_{token_id}_{secret}"


def issue_test_tokens(session: Session, department_codes: dict[str, str]) -> None:
    """One account and token per department (submitter and checker) and per staff role: once per
    run in the suite's database (tests/conftest.py), or in a test's own database. `as_dept` and
    `as_role` turn them into request headers."""
    from datetime import timedelta

    from chengxin.accounts import service as accounts
    from chengxin.accounts.models import ApiToken
    from chengxin.accounts.rules import hash_secret
    from chengxin.clock import utcnow

    def token(account_id: str, name: str, roles: list[str]) -> None:
        token_id, secret, _ = test_token(name)
        session.add(ApiToken(id=token_id, account_id=account_id, name=f"test {name}", secret_hash=hash_secret(secret),
                             scopes=roles, created_at=utcnow(), expires_at=utcnow() + timedelta(days=3650)))

    for code in department_codes:
        acc = accounts.create_account(session, kind="department", display_name=f"{code} 系统",
                                      roles=["submitter", "checker"], department_code=code)
        token(acc.id, f"dept:{code}", acc.roles)
    for role in ("operator", "platform_admin", "auditor"):
        acc = accounts.create_account(session, kind="staff", display_name=role, roles=[role],
                                      username=f"test_{role}")
        token(acc.id, role, acc.roles)
    session.flush()


_DEPARTMENT_OF: dict[str, str] = {}  # Authorization header -> department code


def as_dept(code: str) -> dict[str, str]:
    """Headers of the test system account of a catalog department (submitter and checker)."""
    auth = f"Bearer {test_token(f'dept:{code}')[2]}"
    _DEPARTMENT_OF[auth] = code
    return {"Authorization": auth}


def as_role(role: str) -> dict[str, str]:
    """Headers of the test staff account holding `role` (operator, platform_admin, auditor)."""
    return {"Authorization": f"Bearer {test_token(role)[2]}"}


DEPT = as_dept("market_regulation")
OPERATOR = as_role("operator")


def cid(n: int = 1, *, county: str = "110105", born: date = date(1985, 6, 15),
        male: bool = True) -> str:
    """A valid citizen ID; `n` varies the sequence so tests get distinct people."""
    seq = (n * 2 + (1 if male else 0)) % 1000
    return citizen_id(county, born, seq)


def penalty(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """A valid 行政处罚 (XZCF-01) record from market_regulation, as a JSON batch row."""
    row: dict[str, Any] = {
        "item_code": "XZCF-01",
        "id_type": "citizen_id",
        "id_number": cid(n),
        "name": "张三",
        "source_record_id": f"SCJG-2026-{n:06d}",
        "decision_date": days_ago(182),  # in publicity (general: 3 to 12 months), past the minimum
        "fields": {
            "decision_no": f"京朝市监罚〔2026〕{n}号",
            "violation": "无证经营",
            "facts": "经查，当事人未取得许可从事经营活动。",
            "penalty_type": "罚款",
            "fine_amount": "1.50",
            "basis": "《中华人民共和国行政处罚法》",
            "authority": "市市场监督管理局",
        },
    }
    fields = overrides.pop("fields", None)
    row.update(overrides)
    if fields:
        row["fields"] = {**row["fields"], **fields}
    return row


def submit(client: Any, records: list[dict[str, Any]], headers: dict[str, str] = DEPT,
           **body: Any) -> Any:
    return client.post("/api/v1/records/batches", json={"records": records, **body},
                       headers=headers)


def listing_notice(decided: str, days: int = 20) -> dict[str, str]:
    """The notice fields a locally decided black-list record carries (R13): served `days` before `decided`."""
    from datetime import date, timedelta

    served = date.fromisoformat(decided) - timedelta(days=days)
    return {"notice_date": served.isoformat(), "notice_doc_no": f"告〔{served.year}〕{days}号"}


def file_of(client: Any, id_number: str, **body: Any) -> Any:
    return client.post("/api/v1/files/query", json={"id_number": id_number, **body},
                       headers=OPERATOR)


COURT = as_dept("court")
HR = as_dept("human_resources")


def court_case(n: int = 1, *, decided: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A 失信被执行人 (SFCP-01) record decided `decided` (312 days ago by default): it puts the person
    on the black list for 2 years."""
    decided = decided or days_ago(312)
    row: dict[str, Any] = {
        "item_code": "SFCP-01", "id_number": cid(n), "name": "赵六",
        "source_record_id": f"ZX-2026-{n:06d}", "decision_date": decided,
        "fields": {"case_no": f"（2026）京0105执{n}号", "court_name": "市中级人民法院",
                   "performance": "全部未履行",
                   "dishonest_circumstance": "有履行能力而拒不履行生效法律文书确定义务",
                   "person_role": "被执行人本人"},
    }
    row.update(overrides)
    return row


def check(client: Any, id_number: str, scenario: str, headers: dict[str, str] = HR,
          department: str | None = None, **body: Any) -> Any:
    dept = department or _DEPARTMENT_OF.get(headers.get("Authorization", ""), "")
    payload = {"id_number": id_number, "scenario": scenario, "department": dept,
               "purpose": "资格审查", "business_ref": "REF-1", **body}
    return client.post("/api/v1/checks", json=payload, headers=headers)


PDF = b"%PDF-1.7\n% synthetic evidence\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def as_person(session: Any, settings: Any, keys: Any, id_number: str) -> dict[str, str]:
    """Headers of a signed-in person (an account and token made for the citizen ID)."""
    from chengxin.accounts import repository as accounts_repo
    from chengxin.accounts import service as accounts

    key = keys.subject_key("citizen_id", id_number)
    account = accounts_repo.by_person_key(session, key) or accounts.create_account(
        session, kind="person", display_name="本人", roles=["person"], person_key=key)
    token = accounts.issue_token(session, settings, account.id, name="测试").token
    return {"Authorization": f"Bearer {token}"}


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a platform process a test starts: this tree's sources on the path and
    the test clock (`CHENGXIN_CLOCK_START`), so the process lives on the test's day too."""
    import os
    from pathlib import Path

    import chengxin
    from chengxin.clock import utcnow

    src = str(Path(chengxin.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH")) if p),
            "CHENGXIN_CLOCK_START": utcnow().isoformat(), **extra}


def days_ago(n: int) -> str:
    from datetime import timedelta

    from chengxin.clock import today

    return (today() - timedelta(days=n)).isoformat()


def own_record(client: Any, headers: dict[str, str], source_record_id: str) -> dict[str, Any]:
    """The person's matter whose record has this source id, from their own file (its card)."""
    file = client.get("/api/v1/me/file", headers=headers).json()
    for m in matters_of(file):
        if m["record"] and m["record"]["source_record_id"] == source_record_id:
            return m
    raise AssertionError(f"{source_record_id} not in the file")


def matters_of(file: dict[str, Any]) -> list[dict[str, Any]]:
    """Every matter card of a credit file (JSON), category by category."""
    return [m for c in file["categories"] for m in c["matters"]]


PRE_SESSION = "test-pre-session-0123456789abcdefghijklmnop"


def with_csrf(headers: dict[str, str] | None = None, client: Any = None) -> dict[str, str]:
    """Headers for a page's unsafe request: the CSRF token bound to the bearer credential, or, for a
    visitor without one, to a pre-session cookie set on `client`."""
    from chengxin.web.security import PRE_COOKIE, token_for

    headers = dict(headers or {})
    bound = headers.get("Authorization")
    if bound is None:
        client.cookies.set(PRE_COOKIE, PRE_SESSION)
        bound = PRE_SESSION
    return {**headers, "X-CSRF-Token": token_for(bound)}


def error_code(res: Any) -> str | None:
    """The stable error code of an answer: from problem+json, or from an error page's meta tag."""
    if res.headers.get("content-type", "").startswith("text/html"):
        found = re.search(r'<meta name="error-code" content="([A-Z_]+)">', res.text)
        return found.group(1) if found else None
    if "json" not in res.headers.get("content-type", ""):
        return None  # a download (an Excel file, a CSV) carries no error code
    return res.json().get("code")


def scratch_database(database_url: str, tmp: Any, name: str, *, create: bool = True,
                     sqlite_file: str | None = None) -> str:
    """A fresh, empty database of the suite's kind beside the test one (PostgreSQL: <test database>_<name>;
    SQLite: a file in `tmp`); with `create=False` the PostgreSQL one is dropped instead."""
    from sqlalchemy import create_engine, make_url, text

    if not database_url.startswith("postgresql"):
        return f"sqlite:///{tmp / (sqlite_file or f'{name}.db')}"
    url = make_url(database_url)
    fresh = url.set(database=f"{url.database}_{name}")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{fresh.database}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{fresh.database}"'))
    admin.dispose()
    return fresh.render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database a test made (a SQLite file goes with its directory)."""
    from sqlalchemy import create_engine, make_url, text

    if url.startswith("postgresql"):
        target = make_url(url)
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        admin.dispose()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (for a server a test starts)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVE = [sys.executable, "-c", "from chengxin.cli import app; app()"]  # `chengxin`, with this interpreter


def serve(env: dict[str, str], port: int, lines: list[str], *, timeout: float = 60,
          what: str = "测试平台") -> Any:
    """`chengxin serve` on 127.0.0.1:`port` in a subprocess with `env`, its console (stdout and
    stderr) appended to `lines` as it comes; returns the process once /healthz answers 200. When it
    exits first or `timeout` seconds pass, kills it and raises with the console's last lines."""
    import subprocess
    import threading
    import time

    import httpx

    proc = subprocess.Popen([*SERVE, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8")
    threading.Thread(target=_collect, args=(proc, lines), daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            gone = proc.poll() is not None
            proc.kill()
            proc.wait()
            why = f"进程已退出（{proc.returncode}）" if gone else f"{timeout:.0f} 秒内 /healthz 未答 200"
            raise RuntimeError(f"{what}未能启动（端口 {port}）：{why}。控制台输出：\n" + "".join(lines[-60:]))
        time.sleep(0.1)


def _collect(proc: Any, lines: list[str]) -> None:
    for line in iter(proc.stdout.readline, ""):
        lines.append(line)


def own_database_app(keys, tokens: bool = False):
    """An app on the test database through an engine of its own, as `chengxin serve` has it (not
    the fixtures' single rolled-back connection): migrated, departments in place, and with
    `tokens` the test accounts and tokens (`issue_test_tokens`), so that `as_dept` headers work."""
    from chengxin.app import create_app
    from chengxin.catalog.rules import default_catalog
    from chengxin.db import make_engine, make_sessionmaker, unit_of_work
    from chengxin.departments import repository as departments
    from chengxin.migrate import upgrade
    from chengxin.settings import get_settings

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        departments.ensure(session, default_catalog().departments)
        if tokens:
            issue_test_tokens(session, default_catalog().departments)
    return create_app(settings, engine=engine, keys=keys), engine, factory


def write_csv(path: Any, headers: list[str], rows: list[list[str]]) -> Any:
    """A UTF-8 CSV file of a header row and rows, as a department exports it; returns its path."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(headers)
        out.writerows(rows)
    return path


def api_routes(routes: Any, prefix: str = "") -> Any:
    """(full path, APIRoute) of every route, through included routers (FastAPI keeps those wrapped):
    what the tests that walk every route iterate over."""
    from fastapi.routing import APIRoute

    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes, prefix + route.include_context.prefix)


def edition_in_force(client: Any, url: str) -> tuple[str, str]:
    """(version, YAML text) of the edition in force at an editions address (/api/v1/editions/<kind>)."""
    body = client.get(f"{url}/current", headers=OPERATOR).json()
    return body["version"], body["content"]


def catalog_without(text: str, version: str, item_code: str, new_version: str) -> str:
    """A catalog edition's text without one item, under a new version."""
    start = text.index(f"  - code: {item_code}")
    end = text.index("  - code:", start + 10)
    return (text[:start] + text[end:]).replace(f'version: "{version}"', f'version: "{new_version}"', 1)


def honour(n: int = 1, k: int = 1, decided: str | None = None) -> dict[str, Any]:
    """A 表彰奖励 (BZJL-01, positive) record of person `n` from market_regulation, its k-th."""
    return {"item_code": "BZJL-01", "id_type": "citizen_id", "id_number": cid(n), "name": "张三",
            "source_record_id": f"SCJG-RY-{n}-{k}", "decision_date": decided or days_ago(30 * k),
            "fields": {"honour": "诚信经营示范户", "honour_level": "市级", "awarding_body": "市市场监督管理局"}}
