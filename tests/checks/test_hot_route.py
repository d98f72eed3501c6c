"""The single check answered in front of the middleware stack (`routing.HotRouteApp`): every
answer, good or an error, is the one the whole stack gives, with the same headers; the stack is
really skipped; an unexpected error is answered and raised as the stack does; an app whose
middleware differ from the ones the hot route replicates refuses to start."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.middleware.gzip import GZipMiddleware

from chengxin.app import GuardRequestBodies, _hot_channels, create_app
from chengxin.checks import endpoints as check_endpoints
from chengxin.web.security import SecurityHeaders
from helpers import COURT, HR, as_dept, as_role, cid, court_case, submit

PATH = "/api/v1/checks"
GOOD = {"id_number": cid(1), "scenario": "civil_service_recruitment", "department": "human_resources",
        "purpose": "招录资格审查", "business_ref": "报名-001"}
HEADERS = ("content-type", "content-length", "x-content-type-options", "referrer-policy", "x-frame-options",
           "content-security-policy", "www-authenticate")
VOLATILE = ("check_id", "checked_at")

CASES = {
    "clear": (GOOD | {"id_number": cid(2)}, HR),
    "block with its hit": (GOOD, HR),
    "no credential": (GOOD, {}),
    "unknown token": (GOOD, {"Authorization": "Bearer cxt_01ARZ3NDEKTSV4RRFFQ69G5FAV_notavalidsecretatall"}),
    "wrong scheme": (GOOD, {"Authorization": "Basic abc"}),
    "no check permission": (GOOD, as_role("auditor")),
    "another department": (GOOD, as_dept("market_regulation")),
    "unknown scenario": (GOOD | {"scenario": "no_such_scenario"}, HR),
    "bad check digit": (GOOD | {"id_number": cid(3)[:17] + ("0" if cid(3)[17] != "0" else "1")}, HR),
    "extra field": (GOOD | {"extra": 1}, HR),
    "malformed json": (b'{"id_number": "1101', HR),
    "not json": (b"id_number=1", HR | {"Content-Type": "text/plain"}),
    "empty body": (b"", HR | {"Content-Type": "application/json"}),
    "not utf-8": ('{"id_number": "张三"}'.encode("gb18030"), HR | {"Content-Type": "application/json"}),
    "oversized": (b"{}", HR | {"Content-Type": "application/json", "Content-Length": str(1 << 40)}),
}


def post(client: TestClient, case: str):
    body, headers = CASES[case]
    if isinstance(body, bytes):
        return client.post(PATH, content=body, headers=headers)
    return client.post(PATH, json=body, headers=headers)


def comparable(res) -> tuple[int, dict[str, str | None], object]:
    headers = {h: res.headers.get(h) for h in HEADERS}
    if res.headers.get("content-type", "").endswith("json"):
        body = res.json()
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in VOLATILE}
    else:
        body = res.text
    if headers["content-length"] is not None and res.status_code == 200:
        headers["content-length"] = None  # the check id is the same length, but not the time's digits
    return res.status_code, headers, body


class Counting:
    """Counts the requests that reach the app's middleware stack."""

    def __init__(self, inner) -> None:
        self.inner, self.calls = inner, 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            self.calls += 1
        await self.inner(scope, receive, send)


@pytest.fixture
def stack(app, client) -> Counting:
    """The app's middleware stack, built and wrapped in a counter."""
    assert client.get("/healthz").status_code == 200
    counting = Counting(app.middleware_stack)
    app.middleware_stack = counting
    return counting


@pytest.mark.parametrize("case", list(CASES))
def test_each_answer_is_the_whole_stacks_answer(app, client, stack, case):
    if case == "block with its hit":
        assert submit(client, [court_case(1)], headers=COURT).json()["created"] == 1
    hot_routes = app.hot
    stack.calls = 0
    hot = post(client, case)
    through_hot = stack.calls == 0
    app.hot = None  # the same request through the whole stack
    try:
        whole = post(client, case)
    finally:
        app.hot = hot_routes
    assert stack.calls >= 1
    assert comparable(hot) == comparable(whole), (hot.text, whole.text)
    assert hot.headers["x-content-type-options"] == "nosniff" and "frame-ancestors" in \
        hot.headers["content-security-policy"]
    # Only a body announced as too large is handed to the stack (which refuses it unread).
    assert through_hot == (case != "oversized")
    if case.startswith("block"):
        assert hot.json()["decision"] == "block" and hot.json()["hits"][0]["measure_code"] == "P-GWY-01"
    elif case == "clear":
        assert hot.status_code == 200 and hot.json()["decision"] == "clear"
    else:
        assert hot.status_code >= 400 and hot.headers["content-type"].startswith("application/problem+json")


def test_an_unexpected_error_is_answered_500_and_raised_as_the_stack_does(app, stack, monkeypatch):
    async def broken(*_args, **_kwargs):
        raise RuntimeError("the writer broke")

    monkeypatch.setattr(check_endpoints, "single_check", broken)
    stack.calls = 0
    res = TestClient(app, raise_server_exceptions=False).post(PATH, json=GOOD, headers=HR)
    assert stack.calls == 0
    assert res.status_code == 500 and res.json()["code"] == "INTERNAL_ERROR"
    assert res.headers["x-frame-options"] == "DENY"
    with pytest.raises(RuntimeError, match="the writer broke"):  # raised again, for the server's log
        TestClient(app).post(PATH, json=GOOD, headers=HR)


def test_an_app_whose_middleware_differ_from_the_replicated_ones_refuses_to_start(settings, engine, keys):
    app = create_app(settings, engine=engine, keys=keys)
    app.add_middleware(GZipMiddleware)
    with pytest.raises(TypeError, match="hot routes replicate the middleware"):
        app.serve_hot_routes((SecurityHeaders, GuardRequestBodies), _hot_channels)


def test_a_middleware_added_after_the_hot_routes_were_declared_is_not_skipped_silently(settings, engine, keys):
    app = create_app(settings, engine=engine, keys=keys)
    app.add_middleware(GZipMiddleware)
    with pytest.raises(RuntimeError, match="added after serve_hot_routes"):
        TestClient(app).post(PATH, json=GOOD, headers=HR)
