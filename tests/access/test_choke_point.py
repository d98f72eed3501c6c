"""Every route that returns personal data leaves access-log entries for the persons it shows.

The table below names each such route with a request that succeeds; the guard fails when a
route holding a personal-data permission is added without an entry here (so without being
checked against the log)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chengxin.access.models import AccessEntry
from chengxin.accounts import repository as repo
from chengxin.accounts import service as accounts
from chengxin.clock import utcnow
from chengxin.settings import Settings
from helpers import COURT, DEPT, HR, OPERATOR, PDF, as_dept, cid, court_case, days_ago, penalty, submit, with_csrf

BANK = "91350100M000100Y43"
PERSONAL = {"files.read", "checks.run", "authorisations.query", "organisations.read", "objections.handle",
            "repairs.review", "conflicts.resolve", "reports.counter", "roster.read", "listing.counter",
            "repairs.counter"}


def _person(client: TestClient, session, keys) -> dict[str, str]:
    key = keys.subject_key("citizen_id", cid(61))
    account = repo.by_person_key(session, key) or accounts.create_account(
        session, kind="person", display_name="本人", roles=["person"], person_key=key)
    issued = accounts._open_session(session, account, 30, None)
    session.commit()
    return {"Authorization": f"Bearer {issued.token}"}


def _bank(session) -> dict[str, str]:
    acc = accounts.create_account(session, kind="third_party", display_name="银行", roles=["third_party"],
                                  org_uscc=BANK)  # made once: only the authorised query asks for it
    token = accounts.issue_token(session, Settings(), acc.id, name="t").token
    session.commit()
    return {"Authorization": f"Bearer {token}"}


def _query(client: TestClient, session, keys, what: str = "query") -> Any:
    person = _person(client, session, keys)
    grant = client.post("/api/v1/me/authorisations", headers=person, json={
        "grantee_uscc": BANK, "purpose_code": "loan", "purpose": "房贷", "scope": ["full_report"],
        "valid_until": (utcnow() + timedelta(days=10)).isoformat(), "use_mode": "single"})
    assert grant.status_code == 201, grant.text
    gid = grant.json()["id"]
    return client.post(f"/api/v1/authorisations/{gid}/{what}", headers=_bank(session),
                       json={"purpose_code": "loan", "purpose": "房贷"})


def _cases(client: TestClient, session, keys, which: str = "api") -> dict[str, str]:
    """An objection and a repair application of the person, each with one evidence file (made once
    per `which`: the API routes and the pages each decide their own)."""
    made = session.info.setdefault("choke_cases", {}).get(which)
    if made is None:
        n = 62 if which == "api" else 63
        submit(client, [penalty(n, id_number=cid(61), decision_date=days_ago(100))])
        person = _person(client, session, keys)
        file = client.get("/api/v1/me/file", headers=person).json()
        rid = next(m["id"] for c in file["categories"] for m in c["matters"]
                   if m["record"]["source_record_id"] == f"SCJG-2026-{n:06d}")
        files = [("evidence", ("证明.pdf", PDF, "application/pdf"))]
        o = client.post("/api/v1/me/objections", headers=person, files=files,
                        data={"target_kind": "matter", "target_id": rid, "reason": "罚款已经缴清"}).json()
        r = client.post("/api/v1/me/repairs", headers=person, files=files, data={
            "target_kind": "matter", "target_id": rid, "method": "fine_paid", "statement": "罚款已经缴清",
            "commitment": "true"}).json()
        made = session.info["choke_cases"][which] = {"o": o["id"], "oe": o["evidence"][0]["id"], "r": r["id"],
                                                     "re": r["evidence"][0]["id"]}
    return made


def _case_request(method: str, path: str, headers: dict[str, str], json: Any = None,
                  form: dict[str, str] | None = None) -> Callable[..., Any]:
    """A request on the cases; a form (a page's POST) goes with the CSRF token and on the pages' cases."""
    def send(c: TestClient, s: Any, k: Any) -> Any:
        ids = _cases(c, s, k, "api" if form is None else "page")
        url = path.format(o=ids["o"], oe=ids["oe"], r=ids["r"], re=ids["re"])
        if form is not None:
            return c.request(method, url, headers=with_csrf(headers), data=form, follow_redirects=False)
        return c.request(method, url, headers=headers, json=json)
    return send


def _listed(c: TestClient, s: Any, k: Any) -> str:
    """A direct black-list entry of the person (made once), for the list management pages."""
    made = s.info.get("choke_entry")
    if made is None:
        res = c.post("/api/v1/lists/entries", headers=DEPT, json={
            "list_type": "watch", "id_number": cid(61), "name": "张三", "basis": "《条例》第十条",
            "start_date": days_ago(10), "severity": "general"})
        assert res.status_code == 201, res.text
        made = s.info["choke_entry"] = res.json()["id"]
    return made


def _procedure(c: TestClient, s: Any, k: Any, which: str = "api") -> str:
    """A listing procedure about the person (made once per `which`: the API's by HR, the pages' by
    DEPT), for the department's and the counter's routes."""
    made = s.info.setdefault("choke_procedures", {}).get(which)
    if made is None:
        res = c.post("/api/v1/listing-procedures", headers=HR if which == "api" else DEPT, json={
            "id_number": cid(61), "name": "张三", "facts": "拒不支付劳动报酬", "basis": "《条例》第十条"})
        assert res.status_code == 201, res.text
        made = s.info["choke_procedures"][which] = res.json()["id"]
    return made


def _conflict(c: TestClient, s: Any, which: str) -> str:
    """An open conflict on the person's name (made once per `which`, as the cases are): another
    department calls them otherwise."""
    made = s.info.setdefault("choke_conflicts", {}).get(which)
    if made is None:
        n, name = (64, "张叁") if which == "api" else (65, "张仨")
        assert submit(c, [penalty(n, id_number=cid(61), name=name)], headers=HR).json()["warnings"] == 1
        found = c.get("/api/v1/conflicts", headers=OPERATOR).json()["conflicts"]
        made = s.info["choke_conflicts"][which] = next(x["id"] for x in found if x["claimed_value"] == name)
    return made


def _conflict_request(method: str, path: str, json: Any = None, form: dict[str, str] | None = None):
    def send(c: TestClient, s: Any, k: Any) -> Any:
        url = path.format(c=_conflict(c, s, "api" if form is None else "page"))
        if form is not None:
            return c.request(method, url, headers=with_csrf(OPERATOR), data=form, follow_redirects=False)
        return c.request(method, url, headers=OPERATOR, json=json)
    return send


def _rostered(path: str) -> Callable[..., Any]:
    """The person on the statistics staff roster (registered once), then `path` read by the office."""
    def send(c: TestClient, s: Any, k: Any) -> Any:
        if not s.info.get("choke_roster"):
            res = submit(c, [{"item_code": "ZYZG-09", "id_number": cid(61), "name": "张三",
                              "source_record_id": "TJ-61", "decision_date": days_ago(10),
                              "fields": {"employer": "某公司", "role": "企业统计人员", "status": "在岗"}}],
                         headers=as_dept("statistics"))
            assert res.json()["created"] == 1, res.text
            s.info["choke_roster"] = True
        return c.get(path, headers=OPERATOR)
    return send


def _counter_matter(c: TestClient, s: Any, n: int) -> str:
    """A matter of the person for a repair filed at the counter (found without reading their file,
    which would log a read of its own)."""
    from chengxin.matters.models import Matter

    assert submit(c, [penalty(n, id_number=cid(61), decision_date=days_ago(100))]).status_code == 201
    return s.scalars(select(Matter.id).where(Matter.source_record_id == f"SCJG-2026-{n:06d}")).one()


def _remedies(c: TestClient, s: Any, k: Any, which: str = "api") -> dict[str, str]:
    """A matter of the person with an extension request and a reconsideration on it, and a second
    matter with neither (made once per `which`, before counting: the department's recording is a read)."""
    made = s.info.setdefault("choke_remedies", {}).get(which)
    if made is None:
        n = 68 if which == "api" else 70
        m, free = _counter_matter(c, s, n), _counter_matter(c, s, n + 1)
        due = utcnow().date() + timedelta(days=10)
        x = c.post(f"/api/v1/me/matters/{m}/extensions", headers=_person(c, s, k), json={
            "obligation": "缴纳罚款", "due_date": due.isoformat(),
            "requested_until": (due + timedelta(days=9)).isoformat(), "reason": "暂时无力缴清"})
        a = c.post(f"/api/v1/matters/{m}/appeals", headers=DEPT, json={
            "kind": "reconsideration", "case_number": f"示复〔2026〕{n}号", "body": "示范市人民政府",
            "filed_on": days_ago(1)})
        assert x.status_code == 201 and a.status_code == 201, (x.text, a.text)
        made = s.info["choke_remedies"][which] = {"m": m, "x": x.json()["id"], "a": a.json()["id"], "free": free}
    return made


def _remedy_request(method: str, path: str, json: Any = None, form: dict[str, str] | None = None):
    def send(c: TestClient, s: Any, k: Any) -> Any:
        ids = _remedies(c, s, k, "api" if form is None else "page")
        url = path.format(**ids)
        if form is not None:
            return c.request(method, url, headers=with_csrf(DEPT), data=form, follow_redirects=False)
        return c.request(method, url, headers=DEPT, json=json)
    return send


APPEAL = {"kind": "lawsuit", "case_number": "（2026）示行初1号", "body": "示范区人民法院", "filed_on": days_ago(1)}
COUNTER_REPAIR = {"method": "fine_paid", "statement": "罚款已经缴清", "commitment": "true"}
CHECK = {"id_number": cid(61), "scenario": "civil_service_recruitment", "department": "human_resources",
         "purpose": "资格审查"}
REQUESTS: dict[tuple[str, str], Callable[..., Any]] = {
    ("POST", "/api/v1/files/query"): lambda c, s, k: c.post("/api/v1/files/query", headers=OPERATOR,
                                                            json={"id_number": cid(61)}),
    ("GET", "/api/v1/persons/{person_key}/file"): lambda c, s, k: c.get(
        f"/api/v1/persons/{k.subject_key('citizen_id', cid(61))}/file", headers=OPERATOR),
    ("GET", "/api/v1/me/file"): lambda c, s, k: c.get("/api/v1/me/file", headers=_person(c, s, k)),
    ("POST", "/api/v1/checks"): lambda c, s, k: c.post("/api/v1/checks", headers=HR, json=CHECK),
    # Asks the neighbouring platforms (none configured here) and logs the department's query itself.
    ("POST", "/api/v1/exchange/queries"): lambda c, s, k: c.post("/api/v1/exchange/queries", headers=HR, json={
        "id_number": cid(61), "purpose": "资格审查"}),
    ("POST", "/api/v1/checks/batch"): lambda c, s, k: c.post("/api/v1/checks/batch", headers=HR, json={
        **{x: CHECK[x] for x in ("scenario", "department", "purpose")}, "identifiers": [cid(61)]}),
    ("GET", "/api/v1/organisations/{uscc}"): lambda c, s, k: c.get(f"/api/v1/organisations/{BANK}",
                                                                   headers=OPERATOR),
    ("POST", "/api/v1/authorisations/{authorisation_id}/query"): _query,
    ("POST", "/api/v1/authorisations/{authorisation_id}/report"): lambda c, s, k: _query(c, s, k, "report"),
    ("POST", "/console/reports/counter"): lambda c, s, k: c.post("/console/reports/counter", headers=with_csrf(
        OPERATOR), data={"id_type": "citizen_id", "id_number": cid(61), "name": "张三", "variant": "self",
                         "checked": "yes"}),
    ("POST", "/api/v1/counter/repairs"): lambda c, s, k: c.post("/api/v1/counter/repairs", headers=OPERATOR, files=[
        ("evidence", ("证明.pdf", PDF, "application/pdf"))], data={
        "id_type": "citizen_id", "id_number": cid(61), "name": "张三", "id_checked": "true", "target_kind": "matter",
        "target_id": _counter_matter(c, s, 66), **COUNTER_REPAIR}),
    ("POST", "/console/repairs/counter/person"): lambda c, s, k: c.post(
        "/console/repairs/counter/person", headers=with_csrf(OPERATOR),
        data={"id_type": "citizen_id", "id_number": cid(61), "name": "张三", "checked": "yes"}),
    ("POST", "/console/repairs/counter"): lambda c, s, k: c.post(
        "/console/repairs/counter", headers=with_csrf(OPERATOR), follow_redirects=False,
        files=[("evidence", ("证明.pdf", PDF, "application/pdf"))],
        data={"person": k.subject_key("citizen_id", cid(61)), "target_id": _counter_matter(c, s, 67),
              **COUNTER_REPAIR, "commitment": "yes"}),
    ("GET", "/api/v1/extensions"): _remedy_request("GET", "/api/v1/extensions"),
    ("POST", "/api/v1/extensions/{extension_id}/decision"): _remedy_request(
        "POST", "/api/v1/extensions/{x}/decision", {"granted": True, "reason": "同意"}),
    ("POST", "/api/v1/matters/{matter_id}/appeals"): _remedy_request("POST", "/api/v1/matters/{free}/appeals", APPEAL),
    ("POST", "/api/v1/appeals/{appeal_id}/outcome"): _remedy_request(
        "POST", "/api/v1/appeals/{a}/outcome", {"outcome": "upheld", "note": "维持"}),
    ("GET", "/console/matters/{matter_id}"): lambda c, s, k: c.get(f"/console/matters/{_remedies(c, s, k)['m']}",
                                                                    headers=DEPT),
    ("POST", "/console/extensions/{extension_id}/decision"): _remedy_request(
        "POST", "/console/extensions/{x}/decision", form={"granted": "no", "reason": "不符合条件"}),
    ("POST", "/console/matters/{matter_id}/appeals"): _remedy_request(
        "POST", "/console/matters/{free}/appeals", form=APPEAL),
    ("POST", "/console/appeals/{appeal_id}/outcome"): _remedy_request(
        "POST", "/console/appeals/{a}/outcome", form={"outcome": "upheld", "note": "维持"}),
    ("GET", "/api/v1/lists/entries"): lambda c, s, k: c.get("/api/v1/lists/entries", headers=COURT),
    ("GET", "/api/v1/listing-procedures"): lambda c, s, k: _procedure(c, s, k) and c.get(
        "/api/v1/listing-procedures", headers=HR),
    ("GET", "/api/v1/listing-procedures/{procedure_id}"): lambda c, s, k: c.get(
        f"/api/v1/listing-procedures/{_procedure(c, s, k)}", headers=OPERATOR),
    ("POST", "/api/v1/listing-procedures/{procedure_id}/counter-statement"): lambda c, s, k: c.post(
        f"/api/v1/listing-procedures/{_procedure(c, s, k)}/counter-statement", headers=OPERATOR,
        json={"statement": "当事人到窗口陈述", "id_checked": True}),
    ("GET", "/console/listing"): lambda c, s, k: _procedure(c, s, k, "page") and c.get(
        "/console/listing", headers=DEPT),
    ("GET", "/console/listing/{procedure_id}"): lambda c, s, k: c.get(
        f"/console/listing/{_procedure(c, s, k, 'page')}", headers=DEPT),
    ("POST", "/console/listing/{procedure_id}/counter-statement"): lambda c, s, k: c.post(
        f"/console/listing/{_procedure(c, s, k, 'page')}/counter-statement", headers=with_csrf(OPERATOR),
        data={"statement": "当事人到窗口陈述", "checked": "yes"}, follow_redirects=False),
    ("GET", "/api/v1/objections"): _case_request("GET", "/api/v1/objections", DEPT),
    ("GET", "/api/v1/objections/{objection_id}"): _case_request("GET", "/api/v1/objections/{o}", DEPT),
    ("GET", "/api/v1/objections/{objection_id}/evidence/{evidence_id}"): _case_request(
        "GET", "/api/v1/objections/{o}/evidence/{oe}", DEPT),
    ("POST", "/api/v1/objections/{objection_id}/decision"): _case_request(
        "POST", "/api/v1/objections/{o}/decision", DEPT, {"outcome": "upheld", "reason": "维持"}),
    ("GET", "/api/v1/repairs"): _case_request("GET", "/api/v1/repairs", OPERATOR),
    ("GET", "/api/v1/repairs/{repair_id}"): _case_request("GET", "/api/v1/repairs/{r}", OPERATOR),
    ("GET", "/api/v1/repairs/{repair_id}/evidence/{evidence_id}"): _case_request(
        "GET", "/api/v1/repairs/{r}/evidence/{re}", OPERATOR),
    ("POST", "/api/v1/repairs/{repair_id}/acceptance"): _case_request(
        "POST", "/api/v1/repairs/{r}/acceptance", OPERATOR, {"accepted": True}),
    ("POST", "/api/v1/repairs/{repair_id}/decision"): _case_request(
        "POST", "/api/v1/repairs/{r}/decision", OPERATOR, {"approved": False, "reason": "材料不足"}),
    # Pages call the same services and the same choke point.
    ("GET", "/console/objections"): _case_request("GET", "/console/objections", DEPT),
    ("GET", "/console/objections/{objection_id}"): _case_request("GET", "/console/objections/{o}", DEPT),
    ("GET", "/console/objections/{objection_id}/evidence/{evidence_id}"): _case_request(
        "GET", "/console/objections/{o}/evidence/{oe}", DEPT),
    ("POST", "/console/objections/{objection_id}/decision"): _case_request(
        "POST", "/console/objections/{o}/decision", DEPT, form={"outcome": "upheld", "reason": "维持"}),
    ("GET", "/console/repairs"): _case_request("GET", "/console/repairs", OPERATOR),
    ("GET", "/console/repairs/{repair_id}"): _case_request("GET", "/console/repairs/{r}", OPERATOR),
    ("GET", "/console/repairs/{repair_id}/evidence/{evidence_id}"): _case_request(
        "GET", "/console/repairs/{r}/evidence/{re}", OPERATOR),
    ("POST", "/console/repairs/{repair_id}/acceptance"): _case_request(
        "POST", "/console/repairs/{r}/acceptance", OPERATOR, form={"accepted": "yes"}),
    ("POST", "/console/repairs/{repair_id}/decision"): _case_request(
        "POST", "/console/repairs/{r}/decision", OPERATOR, form={"approved": "no", "reason": "材料不足"}),
    ("GET", "/api/v1/conflicts"): _conflict_request("GET", "/api/v1/conflicts"),
    ("GET", "/api/v1/conflicts/{conflict_id}"): _conflict_request("GET", "/api/v1/conflicts/{c}"),
    ("POST", "/api/v1/conflicts/{conflict_id}/resolution"): _conflict_request(
        "POST", "/api/v1/conflicts/{c}/resolution", {"decision": "keep", "note": "经核实"}),
    ("GET", "/console/conflicts"): _conflict_request("GET", "/console/conflicts?status=all"),
    ("GET", "/console/conflicts/{conflict_id}"): _conflict_request("GET", "/console/conflicts/{c}"),
    ("POST", "/console/conflicts/{conflict_id}/resolution"): _conflict_request(
        "POST", "/console/conflicts/{c}/resolution", form={"decision": "keep", "note": "经核实"}),
    ("GET", "/me/file"): lambda c, s, k: c.get("/me/file", headers=_person(c, s, k)),
    ("GET", "/console/lists"): lambda c, s, k: _listed(c, s, k) and c.get("/console/lists", headers=OPERATOR),
    ("GET", "/console/lists/{entry_id}"): lambda c, s, k: c.get(f"/console/lists/{_listed(c, s, k)}", headers=DEPT),
    ("GET", "/console/lists/{entry_id}/file"): lambda c, s, k: c.get(f"/console/lists/{_listed(c, s, k)}/file",
                                                                      headers=DEPT),
    ("GET", "/api/v1/roster"): _rostered("/api/v1/roster?occupation=statistics_staff"),
    ("GET", "/console/roster"): _rostered("/console/roster?occupation=statistics_staff"),
    ("POST", "/dept/checks"): lambda c, s, k: c.post("/dept/checks", headers=with_csrf(HR), data={
        **{x: CHECK[x] for x in ("id_number", "scenario", "purpose")}}),
    ("POST", "/dept/checks/batch"): lambda c, s, k: c.post("/dept/checks/batch", headers=with_csrf(HR), data={
        "scenario": CHECK["scenario"], "purpose": "资格审查"}, files={"file": ("名单.csv", f"证件号码\n{cid(61)}\n")}),
}
# Routes holding a personal-data permission that read nobody's data: the empty forms.
FORMS = {("GET", "/dept/checks"), ("GET", "/dept/checks/batch"), ("GET", "/console/reports/counter"),
         ("GET", "/console/repairs/counter")}
# Routes that show again what a batch check already answered (each check was logged when it ran):
# the department's stored result, not a new read of anyone's credit data.
ANSWERED = {("GET", "/dept/checks/batches/{check_batch_id}"),
            ("GET", "/dept/checks/batches/{check_batch_id}/result.{kind}")}


# Routes telling a third party that what it received has since changed: the matter's id and the
# change (revoked, repaired), no one's data; reading them is the notice itself (R14).
CHANGES = {("GET", "/api/v1/disclosures/updates"), ("POST", "/api/v1/disclosures/{disclosure_id}/confirmation")}


def test_the_table_covers_every_personal_data_route(app):
    from accounts.test_route_matrix import _routes

    personal = {(m, path) for path, route, perm in _routes(app) for m in route.methods
                if perm in PERSONAL or path.endswith("/me/file")
                or perm == "lists.read"}  # who is listed, by key (API) or by name (pages)
    assert personal == set(REQUESTS) | FORMS | ANSWERED | CHANGES
    assert not (FORMS | ANSWERED | CHANGES) & set(REQUESTS)


def test_the_forms_read_nobody(client, session):
    before = session.scalar(select(func.count()).select_from(AccessEntry))
    for method, path in FORMS:
        res = client.request(method, path, headers=OPERATOR if path.startswith("/console/") else HR)
        assert res.status_code == 200 and "<form" in res.text, path
    assert session.scalar(select(func.count()).select_from(AccessEntry)) == before


def test_each_personal_data_route_logs_its_read(client, session, keys):
    submit(client, [penalty(61)])
    assert submit(client, [court_case(61, id_number=cid(61), decided=days_ago(30))], headers=COURT).status_code == 201
    res = client.put(f"/api/v1/organisations/{BANK}", headers=DEPT, json={"name": "某银行", "persons": [
        {"role": "legal_representative", "id_number": cid(61), "name": "张三", "since": "2020-01-01"}]})
    assert res.status_code == 200, res.text
    key = keys.subject_key("citizen_id", cid(61))
    for which in ("api", "page"):  # made before counting: making them logs the person's own reads
        _cases(client, session, keys, which)
        _conflict(client, session, which)
        _remedies(client, session, keys, which)
    for (method, path), send in REQUESTS.items():
        before = session.scalar(select(func.count()).select_from(AccessEntry).where(AccessEntry.subject_key == key))
        res = send(client, session, keys)
        assert res.status_code in (200, 201, 303), (method, path, res.status_code, res.text[:300])
        assert res.headers.get("cache-control") == "no-store", (method, path)  # no copy in any cache
        after = session.scalar(select(func.count()).select_from(AccessEntry).where(AccessEntry.subject_key == key))
        assert after > before, (method, path)
