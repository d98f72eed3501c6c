"""Every HTML page, as the person it is for, at phone (390 × 844) and desk (1280 × 800) width, through the
vendored axe-core (GB/T 37668-2019 follows WCAG): zero serious or critical findings.

The pages are the application's own GET page routes (helpers.api_routes, as the route matrix walks them),
each opened by the identity its declared permission names, on a live server with one of everything a page
can show (a batch, an objection, a repair, a tip-off, an article, a list entry, a name conflict).

Not checked: /docs, the vendored Swagger UI for developers (not a page people read; tests/web/test_docs_page
checks how it loads). Swagger UI 5.35.0 itself nests buttons in its operation headers (axe nested-interactive,
98 findings) and misses contrast on its method badges (115); fixing it means patching the vendored bundle."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from browser_tab import AXE_IMPACTS, Tab, person_sign_in, sign_in
from fastapi.routing import APIRoute
from live_server import CITIZEN, PASSWORD, STAFF, Live
from playwright.sync_api import expect
from web_data import TIPOFF, penalty_csv, penalty_row

from chengxin.accounts.rules import PERMISSIONS, PUBLIC
from chengxin.callers import Permit
from chengxin.errors import is_page
from chengxin.web.security import token_for
from helpers import PDF, PNG, api_routes, cid, matters_of, penalty

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESK = {"viewport": {"width": 1280, "height": 800}}
PERSON = "person"
# Routes that answer a file to download, not a page.
DOWNLOAD = re.compile(r"\.json$|\.xlsx$|\.yaml$|\.\{kind\}$|/evidence/")


def _permission(route: APIRoute) -> str:
    def walk(dependant) -> Iterator[str]:
        for dep in dependant.dependencies:
            if isinstance(dep.call, Permit):
                yield dep.call.permission
            yield from walk(dep)

    (permission,) = set(walk(route.dependant))
    return permission


def page_routes(app) -> dict[str, str]:
    """Every GET route that answers an HTML page, with its declared permission."""
    return {path: _permission(route) for path, route in api_routes(app.routes)
            if "GET" in route.methods and is_page(path) and not DOWNLOAD.search(path)}


def identity_for(permission: str) -> str | None:
    """Who opens a page: nobody for a public page, the citizen for their own pages, else the first test
    staff account one of whose roles holds the permission."""
    if permission == PUBLIC:
        return None
    if permission == "person.own":
        return PERSON
    roles = PERMISSIONS[permission]
    found = [name for name, (_, held, _) in STAFF.items() if roles & set(held)]
    assert found, f"no test account in live_server.STAFF holds {permission}"
    return found[0]


class Api:
    """The live server's API with a bearer token (and the CSRF token its pages want)."""

    def __init__(self, live: Live, token: str | None = None) -> None:
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        if token:
            auth["X-CSRF-Token"] = token_for(auth["Authorization"])
        self.http = httpx.Client(base_url=live.url, headers=auth, timeout=30, follow_redirects=False)

    @classmethod
    def staff(cls, live: Live, username: str) -> Api:
        res = httpx.post(f"{live.url}/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert res.status_code == 200, res.text
        return cls(live, res.json()["token"])

    @classmethod
    def citizen(cls, live: Live) -> Api:
        res = httpx.post(f"{live.url}/api/v1/auth/person/challenge",
                         json={"id_number": live.citizen_id, "name": live.citizen_name})
        assert res.status_code == 200, res.text
        challenge = res.json()["challenge_id"]
        res = httpx.post(f"{live.url}/api/v1/auth/person/verify",
                         json={"challenge_id": challenge, "code": live.code_for(challenge)})
        assert res.status_code == 200, res.text
        return cls(live, res.json()["token"])

    def ok(self, method: str, url: str, **kw) -> httpx.Response:
        res = self.http.request(method, url, **kw)
        assert res.status_code in (200, 201, 303), (method, url, res.status_code, res.text[:300])
        return res


@pytest.fixture(scope="module")
def addresses(live: Live) -> dict[str, str]:
    """A concrete address for every page route with a parameter (and the pages that want a query)."""
    clerk, operator, me = Api.staff(live, "web_clerk"), Api.staff(live, "web_operator"), Api.citizen(live)
    public = Api(live)
    upload = clerk.ok("POST", "/dept/uploads", data={"item_code": "XZCF-01"},
                      files={"file": ("处罚.csv", penalty_csv([penalty_row(95)]))})
    record = next(m for m in matters_of(me.ok("GET", "/api/v1/me/file").json())
                  if m["record"] and m["record"]["source_record_id"] == f"SCJG-2026-{CITIZEN:06d}")["id"]
    files = [("evidence", ("证明.pdf", PDF, "application/pdf"))]
    objection = me.ok("POST", "/api/v1/me/objections", files=files, data={
        "target_kind": "record", "target_id": record, "reason": "罚款金额登记有误"}).json()["id"]
    repair = me.ok("POST", "/api/v1/me/repairs", files=files, data={
        "target_kind": "record", "target_id": record, "method": "fine_paid", "statement": "罚款已经缴清",
        "commitment": "true"}).json()["id"]
    public.ok("POST", "/api/v1/public/tipoffs", data=TIPOFF, files=[("evidence", ("照片.png", PNG, "image/png"))])
    tipoff = operator.ok("GET", "/api/v1/tipoffs").json()["tipoffs"][-1]["id"]
    seq = me.ok("GET", "/api/v1/me/accesses").json()["items"][0]["seq"]
    article = operator.ok("POST", "/api/v1/articles", json={
        "kind": "knowledge", "title": "什么是信用修复", "body": "第一段。\n\n第二段。"}).json()["id"]
    operator.ok("POST", f"/api/v1/articles/{article}/publication", json={"published": True})
    entry = clerk.ok("POST", "/api/v1/lists/entries", json={
        "list_type": "watch", "id_number": cid(CITIZEN), "name": live.citizen_name, "basis": "《条例》第十条",
        "start_date": "2026-01-05", "severity": "general"}).json()["id"]
    procedure = clerk.ok("POST", "/api/v1/listing-procedures", json={
        "id_number": cid(CITIZEN), "name": live.citizen_name, "facts": "拒不履行生效决定",
        "basis": "《条例》第十条"}).json()["id"]
    # Another name for the citizen: a conflict for the office to settle.
    clerk.ok("POST", "/api/v1/records/batches", json={"records": [penalty(
        96, id_number=cid(CITIZEN), name="张叁", source_record_id="SCJG-2026-000096")]})
    conflict = operator.ok("GET", "/api/v1/conflicts").json()["conflicts"][0]["id"]
    names = "姓名,报名号,证件号码\n" + f"{live.citizen_name},BM-001,{live.citizen_id}\n"
    check_batch = clerk.ok("POST", "/dept/checks/batch", files={"file": ("名单.csv", names.encode())}, data={
        "scenario": "civil_service_recruitment", "purpose": "公务员招录资格审查", "business_ref": "ZL-2026"})
    account = clerk.ok("GET", "/api/v1/auth/me").json()["account_id"]
    me.ok("POST", "/api/v1/me/credentials", json={"claim": "not_blacklisted"})  # /me/credential shows its QR code
    me.ok("PUT", "/api/v1/me/points/consent")  # /me/points shows the ledger
    for api in (clerk, operator, me):
        api.http.close()
    return {"/catalog/items/{code}": "/catalog/items/XZCF-01",
            "/dept/batches/{batch_id}": upload.headers["location"],
            "/me/accesses/{seq}/proof": f"/me/accesses/{seq}/proof",
            "/public/records/{record_id}": f"/public/records/{record}",
            "/me/objections/new": f"/me/objections/new?record={record}",
            "/me/objections/{objection_id}": f"/me/objections/{objection}",
            "/console/objections/{objection_id}": f"/console/objections/{objection}",
            "/me/repairs/eligibility": f"/me/repairs/eligibility?record={record}",
            "/me/repairs/{repair_id}": f"/me/repairs/{repair}",
            "/console/repairs/{repair_id}": f"/console/repairs/{repair}",
            "/console/tipoffs/{tipoff_id}": f"/console/tipoffs/{tipoff}",
            "/public/articles/{article_id}": f"/public/articles/{article}",
            "/console/articles/{article_id}": f"/console/articles/{article}",
            "/console/lists/{entry_id}": f"/console/lists/{entry}",
            "/console/conflicts/{conflict_id}": f"/console/conflicts/{conflict}",
            "/console/editions/{kind}": "/console/editions/catalog",
            "/console/editions/{kind}/entries/{code}": "/console/editions/measures/entries/P-GWY-01",
            "/console/lists/{entry_id}/file": f"/console/lists/{entry}/file",
            "/console/listing/{procedure_id}": f"/console/listing/{procedure}",
            "/console/matters/{matter_id}": f"/console/matters/{record}",
            "/me/matters/{matter_id}/explanation": f"/me/matters/{record}/explanation",
            "/me/matters/{matter_id}/extension": f"/me/matters/{record}/extension",
            "/console/accounts/{account_id}": f"/console/accounts/{account}",
            "/dept/checks/batches/{check_batch_id}": check_batch.headers["location"]}


def _findings(tab: Tab) -> list[dict]:
    """Serious and critical findings, and content outside every landmark (a moderate finding: fixed once,
    kept so)."""
    return [v for v in tab.axe(("moderate", "serious", "critical"))
            if v["impact"] in AXE_IMPACTS or v["id"] == "region"]


def _report(findings: dict[str, list[dict]]) -> str:
    lines = []
    for url, violations in findings.items():
        for v in violations:
            lines.append(f"{url}: [{v['impact']}] {v['id']} — {v['help']}")
            lines += [f"    {n['target']}  {n['html']}" for n in v["nodes"][:5]]
    return "\n".join(lines)


@pytest.mark.parametrize("width", ["phone", "desk"])
def test_every_page_has_no_serious_or_critical_accessibility_finding(browser, live, app, addresses, width):
    routes = page_routes(app)
    assert len(routes) > 40 and {"/", "/me/file", "/dept/uploads", "/console/assessment"} <= set(routes)
    unreachable = {p for p in routes if "{" in p and p not in addresses}
    assert not unreachable, f"a page route without an address to open it by: {sorted(unreachable)}"
    by_identity: dict[str | None, list[str]] = {}
    for path, permission in sorted(routes.items()):
        by_identity.setdefault(identity_for(permission), []).append(addresses.get(path, path))
    findings: dict[str, list[dict]] = {}
    seen = 0
    for who, urls in by_identity.items():
        tab = Tab(browser, live, **(PHONE if width == "phone" else DESK))
        try:
            if who == PERSON:
                person_sign_in(tab, live)
            elif who is not None:
                sign_in(tab, who)
            for url in urls:
                res = tab.page.goto(url)
                assert res is not None and res.status == 200, (who, url, res and res.status)
                assert tab.page.url.split("?")[0].endswith(url.split("?")[0]), (who, url, tab.page.url)
                seen += 1
                if violations := _findings(tab):
                    findings[f"{who or '公众'} {url}"] = violations
            if width == "phone":  # the folded menu, unfolded
                tab.page.locator(".menu-toggle").click()
                expect(tab.page.locator("#site-menu nav")).to_be_visible()
                tab.shot(f"a11y-phone-menu-{who or 'public'}", full_page=False)
                if violations := _findings(tab):
                    findings[f"{who or '公众'} {tab.page.url} (菜单展开)"] = violations
            tab.assert_clean()
        finally:
            tab.context.close()
    assert seen == len(routes)
    assert not findings, "\n" + _report(findings)


def test_the_check_finds_what_it_is_meant_to_find(browser, live):
    """The check itself: a control without a label and text without contrast are serious findings."""
    tab = Tab(browser, live, **DESK)
    try:
        tab.page.goto("/about")
        assert tab.axe() == []
        tab.page.evaluate("""() => {
            const input = document.createElement('input');
            document.querySelector('main').append(input);
            const p = document.createElement('p');
            p.textContent = '几乎看不见的文字';
            p.setAttribute('class', 'x');
            document.querySelector('main').append(p);
            p.style.color = '#f4f4f4';
        }""")
        found = {v["id"]: v for v in tab.axe()}
        assert {"label", "color-contrast"} <= set(found), found
        assert found["label"]["impact"] == "critical" and found["color-contrast"]["impact"] == "serious"
        tab.assert_clean()
    finally:
        tab.context.close()

