"""Every route declares one permission; only the public ones answer without credentials.

API routes and pages alike: a page answers an error page (text/html) with the same code, and its
unsafe requests carry the CSRF token (tests/web checks the refusal without one)."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from chengxin.accounts.rules import NODE, PERMISSIONS, PUBLIC, allowed
from chengxin.callers import Permit
from chengxin.errors import is_page
from helpers import api_routes, as_role, error_code, with_csrf


def _permits(dependant) -> list[str]:
    found = []
    for dep in dependant.dependencies:
        if isinstance(dep.call, Permit):
            found.append(dep.call.permission)
        found += _permits(dep)
    return found



def _routes(app) -> list[tuple[str, APIRoute, str]]:
    out = []
    for path, route in api_routes(app.routes):
        permits = _permits(route.dependant)
        assert len(permits) == 1, f"{path} {route.methods} declares {permits}"
        out.append((path, route, permits[0]))
    return out


def _concrete(path: str) -> str:
    """A request path for a route template: ids that exist nowhere, so nothing is touched."""
    return re.sub(r"\{[^}]+\}", "01JD0000000000000000000000", path)


def test_every_route_declares_exactly_one_known_permission(app):
    routes = _routes(app)
    assert len(routes) > 30
    assert {perm for _, _, perm in routes} <= set(PERMISSIONS)


def _send(client, method: str, path: str, headers: dict[str, str] | None = None):
    if is_page(path) and method != "GET":
        return client.request(method, _concrete(path), data={}, headers=with_csrf(headers, client))
    return client.request(method, _concrete(path), json={}, headers=headers, follow_redirects=False)


def test_only_public_routes_answer_without_credentials(client, app):
    public, private = [], []
    for path, route, perm in _routes(app):
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            res = _send(client, method, path)
            if perm == PUBLIC:
                public.append(path)
                assert res.status_code != 401, (method, path)
            elif perm == NODE:  # another platform: no account, but nothing without its node signature
                assert res.status_code in (403, 422) and error_code(res).startswith("EXCHANGE_"), (method, path)
            else:
                private.append(path)
                if is_page(path) and method == "GET":  # a page sends the visitor to sign in, and back
                    login = "/person/login" if path.startswith("/me/") else "/login"
                    assert res.status_code == 303, (method, path, res.status_code)
                    assert res.headers["location"] == f"{login}?next={_concrete(path)}", (path, res.headers)
                    continue
                assert res.status_code == 401, (method, path, res.status_code)
                assert error_code(res) == "AUTH_REQUIRED", (method, path)
                assert res.headers["content-type"].startswith("text/html" if is_page(path) else "application/")
    assert "/api/v1/catalog" in public and "/api/v1/checks" in private
    assert {"/", "/login", "/catalog"} <= set(public) and {"/me/file", "/dept/uploads", "/audit/log"} <= set(private)


@pytest.mark.parametrize("role", ["operator", "auditor", "platform_admin"])
def test_roles_without_the_permission_are_refused(client, app, role):
    """The role-by-route matrix: a staff role reaches exactly the routes its permissions name."""
    for path, route, perm in _routes(app):
        if perm in (PUBLIC, NODE, "self"):
            continue
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            res = _send(client, method, path, as_role(role))
            if role in PERMISSIONS[perm]:
                assert res.status_code != 403 or error_code(res) != "AUTH_FORBIDDEN", (role, method, path)
                # A permission a role holds is one it can use: no route grants it and then refuses
                # the role for not being a department (operators held lists.write that way).
                assert error_code(res) != "AUTH_DEPARTMENT_REQUIRED", (role, method, path)
            else:
                assert res.status_code == 403 and error_code(res) == "AUTH_FORBIDDEN", (role, method, path)


# --- per object: a second department, person, third party and organisation (issue 14, §4) ------

# Path parameters naming objects that belong to someone, and their kind in the world
# (matrix_world.py); `evidence_id` belongs to the case before it.
OBJECT_PARAMS = {"objection_id": "objection", "repair_id": "repair", "authorisation_id": "authorisation",
                 "matter_id": "record",  # a matter from a record has its first version's id
                 "extension_id": "extension", "appeal_id": "appeal",
                 "entry_id": "entry", "check_id": "check", "message_id": "notice", "seq": "seq",
                 "batch_id": "batch", "person_key": "person_key", "uscc": "org", "check_batch_id": "check_batch",
                 "credential_id": "credential", "disclosure_id": "disclosure", "procedure_id": "procedure"}
# Parameters naming what is the platform's, not anyone's: handled by the one role that holds the
# route's permission (tip-offs, alerts, articles, accounts, editions, conflicts), or public.
PLATFORM_PARAMS = {"tipoff_id", "alert_id", "article_id", "account_id", "token_id", "kind", "version", "code",
                   "tracking_no", "record_id", "conflict_id", "report_id"}
# Routes whose objects arrive in the body or the query, or that need one to get past validation;
# "{kind}" stands for an object of that kind. `refused` is how a foreign object is answered.
SPECS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/files/query"): {"json": {"id_number": "{number}", "purpose": "核查"}},
    ("POST", "/api/v1/records/revocations"): {"json": {"source_record_id": "{source}", "reason": "撤销"}},
    ("PUT", "/api/v1/organisations/{uscc}"): {"json": {"name": "改名公司", "persons": []}, "refused": {202}},
    ("GET", "/api/v1/organisations/{uscc}"): {"open": "organisations are a public register; persons masked"},
    ("GET", "/api/v1/credentials/{credential_id}/status"): {"open": "anyone checks a credential; no holder data"},
    # Deletes the caller's own subscription to that person, whoever else has one (204 either way).
    ("DELETE", "/api/v1/watch/subscriptions/{person_key}"): {"kinds": {"person_key": "subscription"},
                                                             "refused": {204}},
    ("POST", "/api/v1/checks/{check_id}/feedback"): {
        "json": {"items": [{"measure_code": "P-NONE", "outcome": "applied"}]}},
    ("POST", "/dept/checks/{check_id}/feedback"): {"form": {"measure_code": "P-NONE", "outcome": "applied"}},
    ("POST", "/api/v1/lists/entries/{entry_id}/exit"): {"json": {"reason": "revoked", "note": "撤销"}},
    ("POST", "/console/lists/{entry_id}/exit"): {"form": {"reason": "revoked", "note": "撤销"}},
    ("POST", "/api/v1/authorisations/{authorisation_id}/query"): {
        "json": {"purpose_code": "loan", "purpose": "个人住房贷款审批"}},
    ("POST", "/api/v1/authorisations/{authorisation_id}/report"): {
        "json": {"purpose_code": "loan", "purpose": "个人住房贷款审批"}},
    ("POST", "/api/v1/objections/{objection_id}/decision"): {"json": {"outcome": "upheld", "reason": "维持"}},
    ("POST", "/console/objections/{objection_id}/decision"): {"form": {"outcome": "upheld", "reason": "维持"}},
    ("POST", "/api/v1/repairs/{repair_id}/acceptance"): {"json": {"accepted": True}},
    ("POST", "/console/repairs/{repair_id}/acceptance"): {"form": {"accepted": "yes"}},
    ("POST", "/api/v1/repairs/{repair_id}/decision"): {"json": {"approved": False, "reason": "材料不足"}},
    ("POST", "/console/repairs/{repair_id}/decision"): {"form": {"approved": "no", "reason": "材料不足"}},
    ("POST", "/api/v1/me/objections"): {"form": {"target_kind": "record", "target_id": "{record}",
                                                 "reason": "这条信息不是我的"}},
    ("POST", "/me/objections"): {"form": {"target_kind": "record", "target_id": "{record}",
                                          "reason": "这条信息不是我的"}},
    ("POST", "/api/v1/agent/objections"): {"form": {"authorisation_id": "{agent_grant}", "target_kind": "record",
                                                    "target_id": "{record}", "reason": "代本人提出异议"}},
    ("POST", "/api/v1/me/repairs"): {"form": {"target_kind": "record", "target_id": "{record}", "method": "fine_paid",
                                              "statement": "已缴清", "commitment": "true"}},
    ("POST", "/me/repairs"): {"form": {"target_kind": "record", "target_id": "{record}", "method": "fine_paid",
                                       "statement": "已缴清", "commitment": "yes"}},
    ("POST", "/api/v1/agent/repairs"): {"form": {"authorisation_id": "{agent_grant}", "target_kind": "record",
                                                 "target_id": "{record}", "method": "fine_paid",
                                                 "statement": "已缴清", "commitment": "true"}},
    ("GET", "/api/v1/me/repairs/eligibility"): {"query": {"target_kind": "record", "target_id": "{record}"}},
    ("GET", "/me/repairs/eligibility"): {"query": {"record": "{record}"}},
    ("GET", "/me/objections/new"): {"query": {"record": "{record}"}},
    ("POST", "/api/v1/listing-procedures/{procedure_id}/counter-statement"): {
        "json": {"statement": "窗口陈述", "id_checked": True}},
    ("POST", "/api/v1/listing-procedures/{procedure_id}/decision"): {
        "json": {"outcome": "not_list", "reasons": "不列入"}},
    ("POST", "/api/v1/listing-procedures/{procedure_id}/withdrawal"): {"json": {"reasons": "撤回"}},
    ("POST", "/api/v1/me/listing-procedures/{procedure_id}/statement"): {"json": {"statement": "本人陈述"}},
    ("POST", "/console/listing/{procedure_id}/counter-statement"): {
        "form": {"statement": "窗口陈述", "checked": "yes"}},
    ("POST", "/console/listing/{procedure_id}/decision"): {"form": {"outcome": "not_list", "reasons": "不列入"}},
    ("POST", "/me/listing/{procedure_id}/statement"): {"form": {"statement": "本人陈述"}},
    ("PUT", "/api/v1/me/matters/{matter_id}/explanation"): {"json": {"text": "罚款已经全部缴清"}},
    ("POST", "/api/v1/me/matters/{matter_id}/extensions"): {"json": {
        "obligation": "缴纳罚款", "due_date": "2099-01-01", "requested_until": "2099-02-01", "reason": "暂时无力缴清"}},
    # Staff routes on a matter: its deciding department's and the office's.
    ("GET", "/console/matters/{matter_id}"): {"kinds": {"matter_id": "matter"}},
    ("POST", "/api/v1/matters/{matter_id}/appeals"): {"kinds": {"matter_id": "matter"}, "json": {
        "kind": "lawsuit", "case_number": "（2026）示行初1号", "body": "示范区人民法院", "filed_on": "2026-01-05"}},
    ("POST", "/console/matters/{matter_id}/appeals"): {"kinds": {"matter_id": "matter"}, "form": {
        "kind": "lawsuit", "case_number": "（2026）示行初1号", "body": "示范区人民法院", "filed_on": "2026-01-05"}},
    ("POST", "/api/v1/extensions/{extension_id}/decision"): {"json": {"granted": False, "reason": "不符合条件"}},
    ("POST", "/console/extensions/{extension_id}/decision"): {"form": {"granted": "no", "reason": "不符合条件"}},
    ("POST", "/api/v1/appeals/{appeal_id}/outcome"): {"json": {"outcome": "upheld", "note": "维持"}},
    ("POST", "/console/appeals/{appeal_id}/outcome"): {"form": {"outcome": "upheld", "note": "维持"}},
    ("POST", "/me/matters/{matter_id}/explanation"): {"form": {"text": "罚款已经全部缴清"}},
}
# Never walked: they end the caller's own credential.
SKIPPED = {("POST", "/api/v1/auth/logout"), ("POST", "/logout")}
IDENTITIES = ("anon", "admin", "operator", "auditor", "A", "B", "P1", "P2", "T1", "T2")


def _kinds(method: str, path: str) -> dict[str, str]:
    """Placeholder -> object kind of a route ({} when it addresses nobody's objects)."""
    spec = SPECS.get((method, path), {})
    if "open" in spec:
        return {}
    kinds = {}
    for param in re.findall(r"\{([^}]+)\}", path):
        if param in PLATFORM_PARAMS:
            return {}
        if param == "evidence_id":
            kinds[param] = "objection_evidence" if "objections" in path else "repair_evidence"
        else:
            assert param in OBJECT_PARAMS, f"{method} {path}: classify the parameter {param!r}"
            kinds[param] = spec.get("kinds", {}).get(param, OBJECT_PARAMS[param])
    for part in ("json", "form", "query"):
        for value in (spec.get(part) or {}).values():
            if isinstance(value, str) and value.startswith("{"):
                kinds[value[1:-1]] = value[1:-1]
    return kinds


def _combos(world, kinds: dict[str, str]):
    """Each combination of objects for the placeholders, with the identities that own all of it
    (nobody, when the objects belong to different persons or evidence to another case)."""
    for objs in itertools.product(*(world.objects[k] for k in kinds.values())):
        chosen = dict(zip(kinds, objs, strict=True))
        persons = {o.person for o in objs if o.person}
        values = {o.value for o in objs}
        coherent = len(persons) <= 1 and all(o.parent is None or o.parent in values for o in objs)
        owners = frozenset.intersection(*(o.owners for o in objs)) if coherent else frozenset()
        yield chosen, owners


def _fill(value: Any, chosen: dict[str, Any]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value[1:-1] in chosen:
        return chosen[value[1:-1]].value
    if isinstance(value, dict):
        return {k: _fill(v, chosen) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, chosen) for v in value]
    return value


def _request(client, world, who: str, method: str, path: str, chosen: dict[str, Any]):
    spec = SPECS.get((method, path), {})
    url = re.sub(r"\{([^}]+)\}", lambda m: chosen[m.group(1)].value if m.group(1) in chosen
                 else "01JD0000000000000000000000", path)
    headers = world.headers[who]
    query = _fill(spec.get("query"), chosen)
    form = _fill(spec.get("form"), chosen)
    if is_page(path) and method != "GET":
        client.cookies.clear()
        return client.request(method, url, params=query, data=form or {}, headers=with_csrf(headers, client),
                              follow_redirects=False)
    if form is not None:
        return client.request(method, url, params=query, data=form, headers=headers)
    return client.request(method, url, params=query, json=_fill(spec.get("json", {}), chosen), headers=headers)


def _snapshot(session) -> dict[str, list[str]]:
    """Every row of every table but what a refused request still writes: the caller's own token's
    last use, security events, a refused authorised query's access-log entry (result not ok), and
    the conflict another department's organisation data raises instead of changing it."""
    from sqlalchemy import select

    from chengxin.db import Base

    session.expire_all()
    rows = {}
    for t in Base.metadata.sorted_tables:
        if t.name in ("api_tokens", "security_events", "login_sessions", "conflicts"):
            continue
        q = select(t).where(t.c.result == "ok") if t.name == "access_log" else select(t)
        rows[t.name] = sorted(map(repr, session.execute(q).all()))
    return rows


def test_every_route_reaches_only_its_callers_own_objects(client, app, session, settings, keys, signer, factory):
    """Every route, every identity, every object of two: an identity reaches its own objects and is
    refused (403/404, or for an organisation 202: queued, not applied) on everyone else's, changing
    nothing; no answer to anyone shows another's names, numbers or object ids."""
    from matrix_world import build

    for limiter in ("login_limiter", "public_limiter", "tipoff_limiter"):
        getattr(app.state, limiter).per_minute = 10**6
    world = build(client, session, settings, keys, signer, factory)
    routes = [(m, path, perm) for path, route, perm in _routes(app)
              for m in sorted(route.methods - {"HEAD", "OPTIONS"}) if (m, path) not in SKIPPED]
    leaks: list[tuple] = []
    wrong: list[tuple] = []

    def leaked(who: str, method: str, path: str, res) -> None:
        for marker, owners in world.markers.items():
            if who not in owners and marker.encode() in res.content:
                leaks.append((who, method, path, marker))

    planned = []  # (owned, who, method, path, chosen)
    used: set[str] = set()
    for method, path, perm in routes:
        kinds = _kinds(method, path)
        if not kinds:
            continue
        used |= set(kinds.values())
        callers = [w for w in IDENTITIES if w != "anon" and allowed(perm, world.roles[w])]
        for chosen, owners in _combos(world, kinds):
            planned += [(w in owners, w, method, path, chosen) for w in callers]
    assert used == set(world.objects) and len(planned) > 200

    def order(p) -> tuple:  # foreign first; of one's own, what ends a case or a grant last
        return p[0], p[0] and bool(re.search(r"/(revoke|withdraw|exit|decision|acceptance)$", p[3]))

    before = _snapshot(session)
    for owned, who, method, path, chosen in sorted(planned, key=order):
        if owned and before is not None:  # every foreign request is done: it changed nothing
            after = _snapshot(session)
            wrong += [("foreign requests changed", t) for t in before if before[t] != after[t]]
            before = None
        res = _request(client, world, who, method, path, chosen)
        refused = set(SPECS.get((method, path), {}).get("refused", {403, 404}))
        if owned and res.status_code in (401, 403, 404):
            wrong.append(("own refused", who, method, path, res.status_code, res.text[:120]))
        elif not owned and res.status_code not in refused:
            wrong.append(("foreign reached", who, method, path, {k: o.value for k, o in chosen.items()},
                          res.status_code, res.text[:120]))
        leaked(who, method, path, res)
    assert not wrong, "\n".join(map(repr, wrong))

    # Every answer to anyone, from the lists, queues and pages without objects in their path.
    for method, path, perm in routes:
        if method != "GET" or _kinds(method, path) or re.search(r"\{", path):
            continue
        for who in IDENTITIES:
            if perm == PUBLIC or (who != "anon" and allowed(perm, world.roles[who])):
                leaked(who, method, path, _request(client, world, who, method, path, {}))
    assert not leaks, "\n".join(map(repr, sorted(set(leaks))))
