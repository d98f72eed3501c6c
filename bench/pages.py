"""Every page's server time on a large database (issue 15: ≤ 200 ms per page on 1,000,000 persons).

    python -m bench.pages [--db sqlite|postgres|both] [--persons N] [--rounds N]

The database: `--persons` minus the demo's 2,000 persons bulk-loaded as the check figures load theirs
(`bench.check_data`: persons, records, matters, list entries and organisations with the platform's own
column values, one list entry per ten persons), then the demo (`chengxin demo`'s `build_demo`, through the
collection path) on top, with its accounts, objections, repairs, tip-offs and articles. PostgreSQL is
VACUUMed and ANALYZEd, as autovacuum leaves a live database (index-only scans need the visibility map);
SQLite's planner statistics are refreshed as the server does at its start.

The pages are the application's own GET page routes (every route that answers an HTML page), each opened
as the role its permission names; a route with a parameter is opened by the first link to it found on
the other pages (a page no link reaches is reported as not measured). Each page is requested `rounds`
times through the application in-process (no network); the figure is the median in milliseconds, shown
beside the 200 ms target as a ratio (≤ 1 meets it) and beside a minimal Jinja2 page served by the same
stack (FastAPI, the security headers, one template, no database) measured right before it.
PostgreSQL: the database `--name` (chengxin_test_pages_bench) on CHENGXIN_BENCH_POSTGRES_URL's server.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from jinja2 import Environment
from rich.console import Console
from sqlalchemy import func, select, text

from bench.check_data import Plan
from bench.check_data import build as bulk_load
from bench.common import Figure, drop_database, fresh_database, log
from chengxin.access import verify as audit
from chengxin.access.sealing import seal_all
from chengxin.accounts import repository as accounts_repo
from chengxin.accounts import service as accounts
from chengxin.accounts.rules import PUBLIC
from chengxin.app import create_app
from chengxin.callers import Permit
from chengxin.clock import today, utcnow
from chengxin.crypto import create_key_file, load_keys
from chengxin.db import make_engine, make_sessionmaker, refresh_statistics, unit_of_work
from chengxin.demo.accounts import ensure_demo_accounts
from chengxin.demo.generate import build_demo
from chengxin.errors import is_page
from chengxin.objections.models import Objection
from chengxin.persons import repository as persons
from chengxin.persons.models import Person
from chengxin.records.models import Record
from chengxin.repairs.models import Repair
from chengxin.settings import Settings
from chengxin.signing import load_signer
from chengxin.web.security import token_for

MINIMAL = Environment(autoescape=True).from_string("<!doctype html><title>{{ t }}</title><p>{{ t }}</p>")
TARGET_MS = 200.0
DEMO_PERSONS = 2000
DOWNLOAD = re.compile(r"\.json$|\.\{kind\}$|/evidence/")
# Who opens a page of each permission (the demo's accounts; the person: see `run`).
OPENERS = {"records.submit": ["clerk"], "records.read_own": ["clerk"], "lists.read": ["clerk"],
           "lists.write": ["clerk"], "objections.handle": ["clerk", "operator"], "checks.run": ["hr"],
           "checks.feedback": ["hr"], "checks.rates": ["operator"], "audit.read": ["auditor"],
           "alerts.read": ["auditor"], "accounts.manage": ["admin"]}
SKIP = {"/_minimal"}  # the baseline
RECOUNT = "今日数字重新计数 figures recounted"
# Pages read for their links only (the office's objection queue lists the department's cases under this view).
LINKS = (("/console/objections?escalated=0", "operator"), ("/console/editions/measures", "operator"))
# Pages also measured with a query that makes them work harder.
QUERIES = ("/public/lists?list_type=red", "/public/lists?q=张三", "/console/objections?status=open",
           "/public/records?page=2")


def _bearer(session, username: str | None = None, person_key: str | None = None) -> dict[str, str]:
    account = accounts_repo.by_username(session, username) if username else accounts_repo.by_person_key(
        session, person_key) or accounts.create_account(session, kind="person", display_name="本人",
                                                        roles=["person"], person_key=person_key)
    return {"Authorization": f"Bearer {accounts._open_session(session, account, 600, None).token}"}


def _timed(client: TestClient, method: str, url: str, headers: dict[str, str], rounds: int, before=None,
           **kw) -> float:
    res = client.request(method, url, headers=headers, **kw)  # warm-up, and a check that it works
    assert res.status_code == 200, (url, res.status_code, res.text[:300])
    times = []
    for _ in range(rounds):
        if before is not None:
            before()
        start = time.perf_counter()
        client.request(method, url, headers=headers, **kw)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def page_routes(app) -> dict[str, str]:
    """Every GET route answering an HTML page, with the permission it declares."""
    return _routes(app.routes, "")


def _permission(dependant) -> str | None:
    for dep in dependant.dependencies:
        if isinstance(dep.call, Permit):
            return dep.call.permission
        if found := _permission(dep):
            return found
    return None


def _routes(routes, prefix: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for route in routes:
        if isinstance(route, APIRoute):
            path = prefix + route.path
            if "GET" in route.methods and is_page(path) and not DOWNLOAD.search(path):
                out[path] = _permission(route.dependant) or PUBLIC
        elif hasattr(route, "original_router"):
            out |= _routes(route.original_router.routes, prefix + route.include_context.prefix)
    return out


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile('href="(' + "[^\"/?#]+".join(re.escape(p) for p in parts) + r'(?:\?[^"]*)?)"')


def build_database(kind: str, people: int, out: Path, seed: int = 2026,
                   name: str = "chengxin_test_pages_bench") -> tuple[Settings, object]:
    """The bench database: bulk-loaded persons, then the demo on top (see the module's docstring)."""
    db = fresh_database(kind, name, out)
    data = Path(tempfile.mkdtemp(prefix="pages-", dir=out))
    settings = Settings(data_dir=data, database_url=db.url, jobs_interval_seconds=0, public_rate_per_minute=10**6)
    create_key_file(settings.resolved_key_file)
    bulk = max(0, people - DEMO_PERSONS)
    if bulk:
        log(f"{kind}: {bulk:,} persons bulk-loaded")
        plan = Plan(bulk, max(1, bulk // 10), seed, today(), load_keys(settings))
        bulk_load(kind, plan, out, db=db)
    log(f"{kind}: the demo ({min(people, DEMO_PERSONS):,} persons) through the collection path")
    build_demo(settings, persons=min(people, DEMO_PERSONS), seed=seed, console=Console(file=sys.stderr))
    if bulk:
        _demo_repairs(settings)
    engine = make_engine(db.url)
    if kind == "postgres":  # as autovacuum leaves a live database: analysed, its visibility map set
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:  # as the server's start leaves it
        with engine.begin() as conn:
            refresh_statistics(conn)
    engine.dispose()
    return settings, db


def _demo_repairs(settings: Settings, count: int = 3) -> None:
    """Repair applications as the demo files them, on the demo's own matters: the demo picks the first
    matters by id, here the bulk-loaded ones, none of which it finds eligible (the repair pages would go
    unmeasured)."""
    from chengxin.callers import Caller
    from chengxin.catalog.rules import default_catalog
    from chengxin.demo.cases import EVIDENCE
    from chengxin.errors import DomainError
    from chengxin.matters.models import Matter
    from chengxin.publicity.rules import default_tiers
    from chengxin.repairs import service as repairs

    engine = make_engine(settings.resolved_database_url)
    catalog, tiers, keys, signer = default_catalog(), default_tiers(), load_keys(settings), load_signer(settings)
    with unit_of_work(make_sessionmaker(engine)) as session:
        if session.scalar(select(func.count()).select_from(Repair)):
            return
        made = 0
        for m in session.scalars(select(Matter).where(
                Matter.nature == "negative", Matter.subject_kind == "person", Matter.origin == "record",
                Matter.ended_on.is_(None)).order_by(Matter.id.desc()).limit(300)):
            try:
                _, elig = repairs.assess(session, catalog, tiers, m.subject_key, "matter", m.id, today())
                if elig.eligible:
                    repairs.apply(session, catalog, keys, settings, signer, tiers,
                                  caller=Caller.of(frozenset({"person"}), person_key=m.subject_key),
                                  person_key=m.subject_key, target_kind="matter", target_id=m.id,
                                  method=elig.methods[0], statement="已履行全部义务，并参加了信用修复培训",
                                  commitment=True, uploads=[EVIDENCE])
                    made += 1
            except DomainError:
                continue
            if made >= count:
                break
    engine.dispose()


def run(kind: str, people: int, rounds: int, out: Path, only: list[str], keep: bool = False,
        name: str = "chengxin_test_pages_bench") -> tuple[list[tuple[str, Figure]], list[str]]:
    settings, db = build_database(kind, people, out, name=name)
    engine = make_engine(db.url)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        ensure_demo_accounts(session, settings)
        count = session.scalar(select(func.count()).select_from(Person))
        log(f"{kind}: {count:,} persons, {session.scalar(select(func.count()).select_from(Record)):,} records")
        # The person whose pages are measured: the one with the most records among those with a negative one.
        key = session.scalar(select(Record.subject_key).where(Record.nature == "negative",
                                                              Record.subject_kind == "person")
                             .group_by(Record.subject_key).order_by(func.count().desc(), Record.subject_key)
                             .limit(1))
        objector = session.scalar(select(Objection.subject_key).order_by(Objection.filed_at).limit(1))
        applicant = session.scalar(select(Repair.subject_key).order_by(Repair.filed_at).limit(1))
        who = {"person": _bearer(session, person_key=key), "clerk": _bearer(session, "demo_market"),
               "hr": _bearer(session, "demo_hr"), "auditor": _bearer(session, "demo_auditor"),
               "operator": _bearer(session, "demo_operator"), "admin": _bearer(session, "demo_admin")}
        if objector:
            who["objector"] = _bearer(session, person_key=objector)
        if applicant:
            who["applicant"] = _bearer(session, person_key=applicant)
    app = create_app(settings, engine=engine, keys=load_keys(settings))

    @app.get("/_minimal", include_in_schema=False)
    def minimal() -> HTMLResponse:
        return HTMLResponse(MINIMAL.render(t="诚信"))

    client = TestClient(app)
    hr = {**who["hr"], "X-CSRF-Token": token_for(who["hr"]["Authorization"])}
    client.get("/me/file", headers=who["person"])  # a read for the log, before sealing
    with factory() as session:
        plain = load_keys(settings).decrypt(persons.get(session, key).id_cipher, key.encode())
    check = {"id_number": plain, "scenario": "civil_service_recruitment", "purpose": "资格审查"}
    client.post("/dept/checks", headers=hr, data=check)
    # A batch check from the page (its result page is measured through the history's link).
    client.post("/dept/checks/batch", headers=hr, data={**check, "business_ref": "BENCH-1"},
                files={"file": ("名单.csv", f"姓名,报名号,证件号码\n本人,BM-1,{plain}\n".encode())})
    # The measured person under another name from the clerk's department: a conflict for the office.
    other = {"item_code": "XZCF-01", "id_type": "citizen_id", "id_number": plain, "name": "另一个名字",
             "source_record_id": "BENCH-PAGES-1", "decision_date": (today() - timedelta(days=90)).isoformat(),
             "fields": {"decision_no": "市监罚〔2026〕1号", "violation": "无证经营", "facts": "经查属实。",
                        "penalty_type": "警告", "basis": "《中华人民共和国行政处罚法》",
                        "authority": "市市场监督管理局"}}
    sent = client.post("/api/v1/records/batches", headers=who["clerk"], json={"records": [other]})
    assert sent.status_code == 201, sent.text
    seal_all(factory, load_signer(settings))
    started = utcnow()
    with factory() as session:
        report = audit.verify(session, load_signer(settings).public_keys())
    with unit_of_work(factory) as session:
        audit.record(session, report, started)

    routes = page_routes(app)

    def openers(permission: str) -> list[str]:
        if permission == PUBLIC:
            return ["public"]
        if permission == "person.own":
            return [w for w in ("person", "objector", "applicant") if w in who]
        return OPENERS.get(permission, ["operator"])

    def headers(name: str) -> dict[str, str]:
        return {} if name == "public" else who[name]

    # Static pages first; their links give the addresses of the pages with a parameter.
    pages: list[tuple[str, str, str]] = []  # (route, address, opener)
    html: list[tuple[str, str]] = []  # (opener, page text)
    for path, permission in sorted(routes.items()):
        if "{" in path or path in SKIP:
            continue
        for name in openers(permission):
            res = client.get(path, headers=headers(name))
            html.append((name, res.text))
            if res.status_code == 200 and not any(p[0] == path for p in pages):
                pages.append((path, path, name))
    for query, name in LINKS:
        html.append((name, client.get(query, headers=headers(name)).text))
    static = {p for p in routes if "{" not in p}
    # Two passes: the second also follows the links of the pages the first found (an entry's file is
    # linked from the entry's page, not from the list).
    todo = [p for p in sorted(routes) if p not in SKIP]
    for _ in range(2):
        missing = []
        for path in todo:
            permission = routes[path]
            wanted = _pattern(path)
            # A page that needs a parameter, or a query the bare address lacks (/me/objections/new?record=…).
            if "{" not in path and any(p[0] == path for p in pages):
                continue
            found = None
            for name in openers(permission):
                for _, page in html:
                    hrefs = wanted.findall(page)
                    if "{" not in path:  # no link to it: the queries links to its neighbours carry (?matter=…)
                        hrefs += [path + q for q in re.findall(r'href="/[^"?]*(\?[a-z_]+=[0-9A-Z]{26})"', page)]
                    for href in hrefs:
                        href = href.replace("&amp;", "&")
                        if "{" in path and href.split("?")[0] in static:
                            continue  # /console/lists/new is not /console/lists/{entry_id}
                        res = client.get(href, headers=headers(name))
                        if res.status_code != 200:
                            log(f"{kind}: {href} answered {res.status_code} to {name}")
                        else:
                            found = (path, href, name)
                            break
                    if found:
                        break
                if found:
                    break
            if found:
                pages.append(found)
            else:
                missing.append(path)
        todo = missing
        for route, address, name in pages:
            if "{" not in route and "?" not in address:
                continue
            html.append((name, client.get(address, headers=headers(name)).text))
    pages += [(q.split("?")[0], q, "public" if q.startswith("/public") else "clerk") for q in QUERIES]
    figures = []
    measured = [(route, "GET", address, headers(name), None) for route, address, name in pages]
    measured.append(("/dept/checks (POST)", "POST", "/dept/checks", hr, check))
    # The home page's figures are counted every few minutes (and the public lists and records take their
    # totals from them), in a thread of their own (web.pages.recount_in_background) and when `serve`
    # starts: no visitor waits for the count. Measured here as a request that finds no figures at all
    # (only possible before the start-up count is in), i.e. the background work itself.
    measured.append((RECOUNT, "GET", "/", {}, None))

    def recount() -> None:
        app.state.home_figures = None

    for route, method, url, page_headers, form in measured:
        if only and not any(url.startswith(o) for o in only):
            continue
        # The baseline right before each page, so that both see the same load on a shared machine.
        baseline = _timed(client, "GET", "/_minimal", {}, rounds)
        value = _timed(client, method, url, page_headers, rounds, data=form,
                       before=recount if route == RECOUNT else None)
        name = re.sub(r"[^a-z0-9]+", "_", url.split("?")[0].lower()).strip("_") or "home"
        if "?" in url:
            name += "_" + re.sub(r"[^a-z0-9]+", "_", url.split("?")[1].lower()).strip("_")[:20]
        if route == RECOUNT:
            name, url = "home_recount", f"{url} ({RECOUNT})"
        if route == RECOUNT:  # background work: shown beside the target, not a page's time
            fig = Figure(f"background_{name}_{kind}", value, baseline, "ms",
                         f"后台计数，页面不等待 background (x{value / TARGET_MS:.2f} of a page's target)", None,
                         f"{method} {url} 中位数 median", "最小 Jinja2 页面 minimal page")
        else:
            fig = Figure(f"page_{name}_{kind}", value, baseline, "ms", f"value < {TARGET_MS:.0f}",
                         value < TARGET_MS, f"{method} {url} 中位数 median", "最小 Jinja2 页面 minimal page")
        figures.append((f"{method} {url}", fig))
        log(f"{kind}: {method} {url} {value:.1f} ms ({value / TARGET_MS:.2f} of the target)")
    client.close()
    engine.dispose()
    if keep:
        log(f"{kind}: kept {db.url} (data directory {settings.data_dir})")
    else:
        drop_database(db)
    return figures, missing


def table(figures: list[tuple[str, Figure]]) -> str:
    """Each page's median server time beside the 200 ms target (ratio = time / 200 ms) and the minimal page."""
    lines = [f"{'页面 page':<66} {'中位数 ms':>10} {'目标 ms':>8} {'比值 ratio':>10} {'最小页面 ms':>12}"]
    for url, fig in figures:
        status = {True: "达标 met", False: "未达标 MISSED", None: "后台 background"}[fig.met]
        lines.append(f"{url:<66} {fig.value:>10.1f} {TARGET_MS:>8.0f} {fig.value / TARGET_MS:>10.3f} "
                     f"{fig.baseline:>12.2f}  {status}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--persons", type=int, default=1_000_000,
                        help="persons in the database (the first 2,000 from the demo, the rest bulk-loaded)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--only", action="append", default=[], help="only pages whose address starts so")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--keep", action="store_true", help="keep the database (to look into a slow page)")
    parser.add_argument("--name", default="chengxin_test_pages_bench",
                        help="the database (PostgreSQL; dropped and created) or SQLite file name under --out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    figures: list[tuple[str, Figure]] = []
    for kind in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        measured, missing = run(kind, args.persons, args.rounds, args.out, args.only, args.keep, args.name)
        figures += measured
        print(f"\n{kind}: {args.persons:,} persons, median of {args.rounds} requests per page", file=sys.stderr)
        print(table(measured), file=sys.stderr)
        if missing:
            print(f"{kind}: 未测量 not measured (no link reaches them): {', '.join(missing)}", file=sys.stderr)
    for _, fig in figures:
        print(fig.json_line())


if __name__ == "__main__":
    main()
