"""Page render time on the demo database (issue 6: every page under 200 ms), beside a minimal page.

    python -m bench.pages [--db sqlite|postgres|both] [--persons N] [--rounds N]

Each page is requested `rounds` times through the application in-process (no network), as the
role it is for; the figure is the median in milliseconds. The baseline is a minimal Jinja2
page served by the same stack (FastAPI, the security headers, one template, no database), so
the ratio says how much the page's own work costs. PostgreSQL: chengxin_test_pages_bench.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from jinja2 import Environment
from rich.console import Console
from sqlalchemy import select

from bench.common import Figure, drop_database, fresh_database, log
from chengxin.access import verify as audit
from chengxin.access.sealing import seal_all
from chengxin.accounts import repository as accounts_repo
from chengxin.accounts import service as accounts
from chengxin.app import create_app
from chengxin.clock import utcnow
from chengxin.crypto import create_key_file, load_keys
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.demo.accounts import ensure_demo_accounts
from chengxin.demo.generate import build_demo
from chengxin.persons import repository as persons
from chengxin.records.models import Record
from chengxin.settings import Settings
from chengxin.signing import load_signer
from chengxin.web.security import token_for

MINIMAL = Environment(autoescape=True).from_string("<!doctype html><title>{{ t }}</title><p>{{ t }}</p>")


def _bearer(session, username: str | None = None, person_key: str | None = None) -> dict[str, str]:
    account = accounts_repo.by_username(session, username) if username else accounts_repo.by_person_key(
        session, person_key) or accounts.create_account(session, kind="person", display_name="本人",
                                                        roles=["person"], person_key=person_key)
    return {"Authorization": f"Bearer {accounts._open_session(session, account, 600, None).token}"}


def _timed(client: TestClient, method: str, url: str, headers: dict[str, str], rounds: int, **kw) -> float:
    res = client.request(method, url, headers=headers, **kw)  # warm-up, and a check that it works
    assert res.status_code == 200, (url, res.status_code, res.text[:300])
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        client.request(method, url, headers=headers, **kw)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run(kind: str, people: int, rounds: int, out: Path) -> list[Figure]:
    db = fresh_database(kind, "chengxin_test_pages_bench", out)
    data = Path(tempfile.mkdtemp(prefix="pages-", dir=out))
    settings = Settings(data_dir=data, database_url=db.url, jobs_interval_seconds=0, public_rate_per_minute=10**6)
    create_key_file(settings.resolved_key_file)
    log(f"{kind}: demo database with {people:,} persons")
    build_demo(settings, persons=people, seed=2026, console=Console(file=sys.stderr))
    engine = make_engine(db.url)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        ensure_demo_accounts(session, settings)
        key = session.scalar(select(Record.subject_key).where(Record.nature == "negative",
                                                              Record.subject_kind == "person"))
        headers = {"person": _bearer(session, person_key=key), "clerk": _bearer(session, "demo_market"),
                   "hr": _bearer(session, "demo_hr"), "auditor": _bearer(session, "demo_auditor"),
                   "operator": _bearer(session, "demo_operator"), "admin": _bearer(session, "demo_admin")}
    app = create_app(settings, engine=engine, keys=load_keys(settings))

    @app.get("/_minimal", include_in_schema=False)
    def minimal() -> HTMLResponse:
        return HTMLResponse(MINIMAL.render(t="诚信"))

    client = TestClient(app)
    hr = {**headers["hr"], "X-CSRF-Token": token_for(headers["hr"]["Authorization"])}
    client.get("/me/file", headers=headers["person"])  # a read for the log, before sealing
    with factory() as session:
        plain = load_keys(settings).decrypt(persons.get(session, key).id_cipher, key.encode())
    check = {"id_number": plain, "scenario": "civil_service_recruitment", "purpose": "资格审查"}
    client.post("/dept/checks", headers=hr, data=check)
    seal_all(factory, load_signer(settings))
    started = utcnow()
    with factory() as session:
        report = audit.verify(session, load_signer(settings).public_keys())
    with unit_of_work(factory) as session:
        audit.record(session, report, started)
    seq = client.get("/api/v1/me/accesses", headers=headers["person"]).json()["items"][-1]["seq"]
    uploads = client.get("/dept/uploads", headers=headers["clerk"]).text
    batch = re.search(r'href="(/dept/batches/[0-9A-Z]{26})"', uploads)
    pages = [("home", "/", {}), ("catalog", "/catalog", {}), ("catalog_item", "/catalog/items/XZCF-01", {}),
             ("measures", "/measures", {}), ("login", "/login", {}), ("person_login", "/person/login", {}),
             ("me_file", "/me/file", headers["person"]), ("me_accesses", "/me/accesses", headers["person"]),
             ("me_proof", f"/me/accesses/{seq}/proof", headers["person"]),
             ("me_authorisations", "/me/authorisations", headers["person"]),
             ("dept_uploads", "/dept/uploads", headers["clerk"]), ("dept_checks", "/dept/checks", headers["hr"]),
             ("dept_feedback", "/dept/feedback", headers["hr"]),
             ("dept_checks_batch", "/dept/checks/batch", headers["hr"]),
             ("feedback_rates", "/feedback/rates", headers["operator"]),
             ("audit_log", "/audit/log", headers["auditor"]), ("tree_head", "/audit/tree-head", headers["auditor"]),
             ("alerts", "/alerts", headers["auditor"])]
    if batch:
        pages.append(("dept_batch", batch.group(1), headers["clerk"]))
    pages += [("public_records", "/public/records", {}), ("public_lists", "/public/lists", {}),
              ("public_lists_red", "/public/lists?list_type=red", {}), ("public_search", "/public/lists?q=张三", {}),
              ("about", "/about", {}), ("privacy", "/privacy", {}),
              ("tipoff_form", "/public/tipoffs", {}), ("me_objections", "/me/objections", headers["person"]),
              ("me_repairs", "/me/repairs", headers["person"]), ("me_notices", "/me/notices", headers["person"]),
              ("console_objections", "/console/objections?status=open", headers["clerk"]),
              ("console_repairs", "/console/repairs", headers["operator"]),
              ("console_tipoffs", "/console/tipoffs", headers["operator"]),
              ("workbench_operator", "/console", headers["operator"]),
              ("workbench_clerk", "/console", headers["clerk"]), ("workbench_hr", "/console", headers["hr"]),
              ("assessment", "/console/assessment", headers["operator"]),
              ("assessment_xlsx", "/console/assessment/report.xlsx", headers["operator"]),
              ("edition_entry", "/console/editions/catalog/entries/XZCF-01", headers["operator"]),
              ("admin_accounts", "/console/accounts", headers["admin"]),
              ("admin_departments", "/console/departments", headers["admin"])]
    for name, queue, who, pattern in (
            ("public_record", "/public/records", {}, r'href="(/public/records/[0-9A-Z]{26})"'),
            ("console_objection", "/console/objections?escalated=0", headers["operator"],
             r'href="(/console/objections/[0-9A-Z]{26})"'),
            ("console_repair", "/console/repairs", headers["operator"], r'href="(/console/repairs/[0-9A-Z]{26})"'),
            ("console_tipoff", "/console/tipoffs", headers["operator"], r'href="(/console/tipoffs/[0-9A-Z]{26})"')):
        if found := re.search(pattern, client.get(queue, headers=who).text):
            pages.append((name, found.group(1), who))
    figures = []
    for name, method, url, page_headers, form in [(n, "GET", u, h, None) for n, u, h in pages] + [
            ("check_post", "POST", "/dept/checks", hr, check)]:
        # The baseline right before each page, so that both see the same load on a shared machine.
        baseline = _timed(client, "GET", "/_minimal", {}, rounds)
        value = _timed(client, method, url, page_headers, rounds, data=form)
        figures.append(Figure(f"page_{name}_{kind}", value, baseline, "ms", "value < 200", value < 200,
                              f"{method} {url} 中位数 median", "最小 Jinja2 页面 minimal page"))
    client.close()
    engine.dispose()
    drop_database(db)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--persons", type=int, default=2000, help="demo persons (the demo's default)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    figures = [f for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db])
               for f in run(kind, args.persons, args.rounds, args.out)]
    for fig in figures:
        print(fig.table_line(), file=sys.stderr)
    for fig in figures:
        print(fig.json_line())


if __name__ == "__main__":
    main()
