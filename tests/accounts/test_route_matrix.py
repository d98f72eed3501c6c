"""Every route declares one permission; only the public ones answer without credentials.

API routes and pages alike: a page answers an error page (text/html) with the same code, and its
unsafe requests carry the CSRF token (tests/web checks the refusal without one)."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from chengxin.accounts.rules import PERMISSIONS, PUBLIC
from chengxin.callers import Permit
from chengxin.errors import is_page
from helpers import as_role, error_code, with_csrf


def _permits(dependant) -> list[str]:
    found = []
    for dep in dependant.dependencies:
        if isinstance(dep.call, Permit):
            found.append(dep.call.permission)
        found += _permits(dep)
    return found


def _api_routes(routes, prefix: str = ""):
    """APIRoutes with their full paths, through included routers (FastAPI keeps those wrapped)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes, prefix + route.include_context.prefix)


def _routes(app) -> list[tuple[str, APIRoute, str]]:
    out = []
    for path, route in _api_routes(app.routes):
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
    return client.request(method, _concrete(path), json={}, headers=headers)


def test_only_public_routes_answer_without_credentials(client, app):
    public, private = [], []
    for path, route, perm in _routes(app):
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            res = _send(client, method, path)
            if perm == PUBLIC:
                public.append(path)
                assert res.status_code != 401, (method, path)
            else:
                private.append(path)
                assert res.status_code == 401, (method, path, res.status_code)
                assert error_code(res) == "AUTH_REQUIRED", (method, path)
                assert res.headers["content-type"].startswith("text/html" if is_page(path) else "application/")
    assert "/api/v1/catalog" in public and "/api/v1/checks" in private
    assert {"/", "/login", "/catalog"} <= set(public) and {"/me/file", "/dept/uploads", "/audit/log"} <= set(private)


@pytest.mark.parametrize("role", ["operator", "auditor", "platform_admin"])
def test_roles_without_the_permission_are_refused(client, app, role):
    """The role-by-route matrix: a staff role reaches exactly the routes its permissions name."""
    for path, route, perm in _routes(app):
        if perm in (PUBLIC, "self"):
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
