"""Every page renders for the role it is for, in Chinese, with the security headers and no inline code."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from web_data import cases_of, penalty_csv, penalty_row, person_headers

from chengxin.access.sealing import seal
from chengxin.accounts.rules import PUBLIC
from chengxin.errors import is_page
from chengxin.web.security import CSP
from helpers import COURT, DEPT, HR, OPERATOR, as_role, check, cid, court_case, error_code, penalty, submit, with_csrf

INLINE = [re.compile(p, re.I) for p in (r"<script(?![^>]*\bsrc=)[^>]*>", r"<style\b", r"\sstyle=", r"\son[a-z]+=",
                                        r"javascript:")]
ROLE_HEADERS = {"records.submit": DEPT, "records.read_own": DEPT, "checks.run": HR, "checks.feedback": HR,
                "checks.rates": as_role("operator"), "audit.read": as_role("auditor"),
                "alerts.read": as_role("auditor"), "objections.handle": DEPT, "repairs.review": OPERATOR,
                "tipoffs.handle": OPERATOR, "articles.manage": OPERATOR,
                "assessment.read": OPERATOR, "lists.read": DEPT, "lists.write": DEPT, "catalog.manage": OPERATOR,
                "conflicts.resolve": OPERATOR, "workbench": DEPT, "files.read": DEPT,
                "accounts.manage": as_role("platform_admin"), "reports.read": OPERATOR,
                "reports.counter": OPERATOR, "repairs.counter": OPERATOR, "exchange.read": OPERATOR,
                "exchange.manage": OPERATOR, "roster.read": OPERATOR, "retention.read": OPERATOR}


def _page_gets(app) -> dict[str, str]:
    from accounts.test_route_matrix import _routes

    return {path: perm for path, route, perm in _routes(app)
            if isinstance(route, APIRoute) and is_page(path) and "GET" in route.methods}


def _assert_clean(res, path: str) -> None:
    assert res.status_code == 200, (path, res.status_code, res.text[:300])
    assert res.headers["content-type"].startswith("text/html")
    assert res.headers["content-security-policy"] == CSP
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["referrer-policy"] == "same-origin"
    assert '<html lang="zh-CN">' in res.text and '<main id="main"' in res.text and 'href="#main"' in res.text
    for pattern in INLINE:
        assert not pattern.search(res.text), (path, pattern.pattern, pattern.search(res.text).group(0))
    ids = re.findall(r'\sid="([^"]+)"', res.text)
    assert len(ids) == len(set(ids)), (path, sorted(i for i in ids if ids.count(i) > 1))
    labelled = set(re.findall(r'<label for="([^"]+)"', res.text))
    for control in re.findall(r"<(?:input|select|textarea)\b[^>]*>", res.text):
        if re.search(r'type="(hidden|checkbox|radio|submit)"', control):
            continue  # hidden fields; checkboxes and radio buttons sit inside their label
        found = re.search(r'\sid="([^"]+)"', control)
        assert found and found.group(1) in labelled, (path, control)


def test_every_page_renders_clean_for_its_role(client, session, keys, signer):
    submit(client, [penalty(71)])
    submit(client, [court_case(71)], headers=COURT)  # on the black list: checks hit, feedback pending
    for _ in range(2):
        assert check(client, cid(71), "civil_service_recruitment").json()["decision"] == "block"
    seal(session, signer)
    person = person_headers(session, keys, 71)
    seq = client.get("/api/v1/me/accesses", headers=person).json()["items"][0]["seq"]
    upload = client.post("/dept/uploads", headers=with_csrf(DEPT), data={"item_code": "XZCF-01"},
                         files={"file": ("处罚.csv", penalty_csv([penalty_row(72)]))}, follow_redirects=False)
    assert upload.status_code == 303, upload.text
    ids = cases_of(client, person, "SCJG-2026-000071")
    article = client.post("/api/v1/articles", headers=OPERATOR, json={
        "kind": "knowledge", "title": "什么是信用修复", "body": "第一段。\n\n第二段。"}).json()["id"]
    client.post(f"/api/v1/articles/{article}/publication", headers=OPERATOR, json={"published": True})
    entry = client.post("/api/v1/lists/entries", headers=DEPT, json={
        "list_type": "watch", "id_number": cid(71), "name": "张三", "basis": "《条例》第十条",
        "start_date": "2026-01-05", "severity": "general"}).json()["id"]
    procedure = client.post("/api/v1/listing-procedures", headers=DEPT, json={
        "id_number": cid(71), "name": "张三", "facts": "拒不履行", "basis": "《条例》第十条"}).json()["id"]
    submit(client, [penalty(73, id_number=cid(71), name="张叁")], headers=HR)  # a name conflict
    org = {"name": "某某食品有限公司",
           "persons": [{"role": "legal_representative", "id_number": cid(71), "name": "张三"}]}
    client.put("/api/v1/organisations/91350100M000100Y43", headers=DEPT, json=org)
    claimed = client.put("/api/v1/organisations/91350100M000100Y43", headers=COURT, json={**org, "persons": []})
    roles_conflict = claimed.json()["conflicts"][0]["id"]  # another department empties the list
    batch_check = client.post("/dept/checks/batch", headers=with_csrf(HR), follow_redirects=False, data={
        "scenario": "civil_service_recruitment", "purpose": "资格审查"},
        files={"file": ("名单.csv", f"证件号码,姓名\n{cid(71)},张三\n".encode())})
    assert batch_check.status_code == 303, batch_check.text
    concrete = {"/catalog/items/{code}": "/catalog/items/XZCF-01",
                "/dept/checks/batches/{check_batch_id}": batch_check.headers["location"],
                "/console/conflicts/{conflict_id}": f"/console/conflicts/{roles_conflict}",
                "/me/accesses/{seq}/proof": f"/me/accesses/{seq}/proof",
                "/dept/batches/{batch_id}": upload.headers["location"],
                "/public/records/{record_id}": f"/public/records/{ids['record']}",
                "/me/objections/new": f"/me/objections/new?record={ids['record']}",
                "/me/objections/{objection_id}": f"/me/objections/{ids['objection']}",
                "/console/objections/{objection_id}": f"/console/objections/{ids['objection']}",
                "/me/repairs/eligibility": f"/me/repairs/eligibility?record={ids['record']}",
                "/me/repairs/{repair_id}": f"/me/repairs/{ids['repair']}",
                "/me/matters/{matter_id}/explanation": f"/me/matters/{ids['record']}/explanation",
                "/me/matters/{matter_id}/extension": f"/me/matters/{ids['record']}/extension",
                "/console/matters/{matter_id}": f"/console/matters/{ids['record']}",
                "/console/repairs/{repair_id}": f"/console/repairs/{ids['repair']}",
                "/console/tipoffs/{tipoff_id}": f"/console/tipoffs/{ids['tipoff']}",
                "/public/articles/{article_id}": f"/public/articles/{article}",
                "/console/articles/{article_id}": f"/console/articles/{article}",
                "/console/lists/{entry_id}": f"/console/lists/{entry}",
                "/console/listing/{procedure_id}": f"/console/listing/{procedure}",
                "/console/lists/{entry_id}/file": f"/console/lists/{entry}/file",
                "/console/editions/{kind}": "/console/editions/catalog",
                "/console/editions/{kind}/entries/{code}": "/console/editions/measures/entries/P-GWY-01",
                "/console/accounts/{account_id}": "/console/accounts/"
                + client.get("/api/v1/auth/me", headers=DEPT).json()["account_id"]}
    downloads = {"/me/accesses/{seq}/proof.json", "/me/accesses/{seq}/signed-head.json",
                 "/me/authorisations/{authorisation_id}/receipt.json", "/me/credential/{credential_id}.json",
                 "/me/repairs/{repair_id}/commitment.json", "/catalog/items/{code}/template.{kind}",
                 "/dept/batches/{batch_id}/rejected.{kind}", "/dept/checks/batches/{check_batch_id}/result.{kind}",
                 "/console/assessment/report.xlsx", "/catalog/supplement.yaml",
                 } | {p for p in _page_gets(client.app) if "/evidence/" in p}
    seen = set()
    for path, perm in _page_gets(client.app).items():
        if path in downloads:
            continue
        headers = {} if perm == PUBLIC else person if perm == "person.own" else ROLE_HEADERS[perm]
        _assert_clean(client.get(concrete.get(path, path), headers=headers), path)
        seen.add(path)
    assert {"/", "/catalog", "/measures", "/login", "/person/login", "/me/file", "/me/accesses",
            "/dept/uploads", "/dept/checks", "/audit/log", "/audit/tree-head", "/alerts", "/feedback/rates",
            "/public/records", "/public/lists", "/public/tipoffs", "/public/tipoffs/follow", "/me/objections",
            "/me/repairs", "/me/notices", "/console/objections", "/console/repairs", "/console/tipoffs",
            "/me/matters/{matter_id}/explanation", "/console/repairs/counter", "/me/matters/{matter_id}/extension",
            "/console/matters/{matter_id}",
            "/public/articles", "/public/articles/{article_id}", "/console/articles", "/console/articles/new",
            "/console/articles/{article_id}", "/console/assessment",
            "/console/lists", "/console/lists/new", "/console/lists/{entry_id}", "/me/contact",
            "/console/conflicts", "/console/conflicts/{conflict_id}", "/console",
            "/console/lists/{entry_id}/file", "/console/accounts", "/console/accounts/{account_id}",
            "/console/departments", "/console/editions/{kind}/entries/{code}", "/me/reports", "/me/reports/view",
            "/verify", "/console/reports", "/console/reports/counter", "/me/credential",
            "/verify/credential", "/console/exchange", "/console/assessment/coverage",
            "/console/roster", "/console/listing", "/console/listing/new",
            "/console/listing/{procedure_id}", "/me/listing", "/console/retention", "/points", "/me/points",
            "/console/points"} <= seen
    names = client.get("/api/v1/conflicts", headers=OPERATOR, params={"kind": "person_name"}).json()["conflicts"]
    _assert_clean(client.get(f"/console/conflicts/{names[0]['id']}", headers=OPERATOR), "a name conflict")


def test_static_files_are_served_from_the_platform_itself(client):
    css = client.get("/static/site.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    page = client.get("/").text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts and all(s.startswith("/static/") for s in scripts)
    for src in scripts:
        assert client.get(src).status_code == 200
    assert "http://" not in page and "https://" not in page  # nothing from another origin


def test_errors_on_pages_are_pages_and_on_the_api_problems(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert error_code(page) == "NOT_FOUND" and "没有找到这个页面" in page.text
    api = client.get("/api/v1/no/such")
    assert api.headers["content-type"].startswith("application/problem+json")
    item = client.get("/catalog/items/NOPE-99")
    assert item.status_code == 404 and error_code(item) == "CATALOG_ITEM_UNKNOWN"
    private = client.get("/me/file", follow_redirects=False)  # to the person login, and back after it
    assert private.status_code == 303 and private.headers["location"] == "/person/login?next=/me/file"


def test_navigation_follows_the_viewer_permissions(client, session, keys):
    anonymous = client.get("/").text
    assert 'href="/person/login"' in anonymous and 'href="/audit/log"' not in anonymous
    person = client.get("/", headers=person_headers(session, keys, 73)).text
    assert 'href="/me/file"' in person and 'href="/dept/uploads"' not in person and "退出登录" in person
    auditor = client.get("/", headers=as_role("auditor")).text
    assert 'href="/audit/log"' in auditor and 'href="/me/file"' not in auditor
