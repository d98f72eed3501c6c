"""Every integer a route takes in its path or query is a 64-bit one: 2**63 (or below -2**63) is
a 422 like any invalid value, on every route and page, for a caller allowed there; never a 500
from the database driver."""

from __future__ import annotations

import re
import typing

from chengxin.accounts import service as accounts
from chengxin.accounts.rules import PERMISSIONS, PUBLIC
from chengxin.callers import Permit
from chengxin.errors import is_page
from chengxin.params import INT64_MAX
from helpers import OPERATOR, api_routes, as_dept, as_person, as_role, cid, error_code, with_csrf

OTHER_ID = "01JD0000000000000000000000"



def _params(dependant) -> list[tuple[str, str]]:
    """(where, name) of the route's path and query parameters, its dependencies' included."""
    found = [("path", f.alias) for f in dependant.path_params] + [("query", f.alias) for f in dependant.query_params]
    kinds = {f.alias: f.field_info.annotation for f in (*dependant.path_params, *dependant.query_params)}
    found = [(where, name) for where, name in found if _is_int(kinds[name])]
    for dep in dependant.dependencies:
        found += _params(dep)
    return found


def _is_int(annotation) -> bool:
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation is int or any(_is_int(a) for a in typing.get_args(annotation))


def _permission(dependant) -> str:
    for dep in dependant.dependencies:
        if isinstance(dep.call, Permit):
            return dep.call.permission
        found = _permission(dep)
        if found:
            return found
    return ""


def _caller(permission: str, session, settings, keys) -> dict[str, str]:
    if permission == PUBLIC:
        return {}
    if permission == "self":
        return OPERATOR
    role = sorted(PERMISSIONS[permission])[0]
    if role in ("submitter", "checker"):
        return as_dept("market_regulation")
    if role == "person":
        return as_person(session, settings, keys, cid(70))
    if role == "third_party":
        acc = accounts.create_account(session, display_name="测试银行", kind="third_party", roles=["third_party"],
                                      org_uscc="91110000100000000A")
        return {"Authorization": f"Bearer {accounts.issue_token(session, settings, acc.id, name='测试').token}"}
    return as_role(role)


def test_every_int_parameter_refuses_values_beyond_64_bits(app, client, session, settings, keys):
    tried = []
    for path, route in api_routes(app.routes):
        params = _params(route.dependant)
        if not params:
            continue
        headers = _caller(_permission(route.dependant), session, settings, keys)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            for where, name in params:
                for value in (INT64_MAX + 1, -(INT64_MAX + 2)):
                    url = re.sub(r"\{([^}]+)\}", lambda m, v=value, n=name, w=where: str(v) if (w, m.group(1)) == (
                        "path", n) else OTHER_ID, path)
                    query = {name: str(value)} if where == "query" else {}
                    sent = with_csrf(headers, client) if is_page(path) and method != "GET" else headers
                    res = client.request(method, url, params=query, headers=sent)
                    assert res.status_code == 422, (method, path, name, value, res.status_code, res.text[:200])
                    assert error_code(res) == "REQUEST_INVALID", (method, path, name)
                    tried.append((method, path, name))
    names = {name for _, _, name in tried}
    assert {"offset", "before", "after", "seq"} <= names, names
    assert len({(m, p) for m, p, _ in tried}) >= 9


def test_the_api_document_states_the_range(client):
    doc = client.get("/openapi.json").json()
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for param in op.get("parameters", []):
                schema = param["schema"]
                kinds = [schema, *schema.get("anyOf", [])]
                for kind in kinds:
                    if kind.get("type") == "integer":
                        assert kind.get("maximum", INT64_MAX + 1) <= INT64_MAX, (method, path, param["name"])
