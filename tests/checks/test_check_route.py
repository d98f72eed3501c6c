"""The single check's hand-parsed route: body errors, permissions and the OpenAPI document come
out as from FastAPI's generic handler, and a route of another shape is refused at start-up."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import Response

from chengxin.callers import Caller, permit
from chengxin.checks.schemas import CheckIn
from chengxin.routing import HandParsedRoute
from helpers import HR, cid

GOOD = {"id_number": cid(1), "scenario": "civil_service_recruitment", "department": "human_resources",
        "purpose": "审查"}


def fields(res) -> list[str]:
    return [e["field"] for e in res.json()["errors"]]


@pytest.mark.parametrize(("content", "content_type", "status", "code", "field"), [
    (b'{"id_number": "1101', "application/json", 400, "REQUEST_JSON_MALFORMED", None),
    (b"[1, 2]", "application/json", 422, "REQUEST_INVALID", ""),
    (b"", "application/json", 422, "REQUEST_INVALID", ""),
    (b'{"id_number": 110105, "scenario": "x", "department": "human_resources", "purpose": "p"}',
     "application/json", 422, "REQUEST_INVALID", "id_number"),
    (b'{"scenario": "x", "department": "human_resources", "purpose": "p"}', "application/json", 422,
     "REQUEST_INVALID", "id_number"),
    (b'{"id_number": "1", "scenario": "x", "department": "human_resources", "purpose": "p", "extra": 1}',
     "application/json", 422, "REQUEST_INVALID", "extra"),
    (('{"id_number": "1", "scenario": "x", "department": "human_resources", "purpose": "%s"}' % ("长" * 201))
     .encode(), "application/json; charset=utf-8", 422, "REQUEST_INVALID", "purpose"),
    (b'{"id_number": "1", "scenario": "x", "department": "human_resources", "purpose": "p"}', "text/plain", 422,
     "REQUEST_INVALID", ""),
])
def test_body_errors_are_problems_with_stable_codes(client, content, content_type, status, code, field):
    res = client.post("/api/v1/checks", content=content, headers={**HR, "Content-Type": content_type})
    assert res.status_code == status, res.text
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["code"] == code
    if field is not None:
        assert field in fields(res)


def test_permission_is_checked_before_the_body_is_read(client):
    res = client.post("/api/v1/checks", content=b"not json", headers={"Content-Type": "application/json"})
    assert res.status_code == 401 and res.json()["code"] == "AUTH_REQUIRED"


def test_vendor_json_content_type_is_accepted(client):
    res = client.post("/api/v1/checks", json=GOOD, headers={**HR, "Content-Type": "application/vnd.cx+json"})
    assert res.status_code == 200, res.text
    assert res.json()["decision"] == "clear"


def test_openapi_documents_body_permission_and_answer(client):
    op = client.get("/openapi.json").json()["paths"]["/api/v1/checks"]["post"]
    assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/CheckIn")
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/CheckOut")
    assert op["summary"] == "核查（比对、拦截、锁定）"


def _app_with(endpoint) -> None:
    router = APIRouter()
    router.add_api_route("/x", endpoint, methods=["POST"], route_class_override=HandParsedRoute)
    FastAPI().include_router(router)


def test_a_route_of_another_shape_is_refused():
    async def with_query(body: CheckIn, request: Request, caller: Annotated[Caller, permit("checks.run")],
                         q: Annotated[str, Query()] = "") -> Response:
        return Response()

    def not_async(body: CheckIn, request: Request, caller: Annotated[Caller, permit("checks.run")]) -> Response:
        return Response()

    async def no_permit(body: CheckIn, request: Request) -> Response:
        return Response()

    for endpoint in (with_query, not_async, no_permit):
        with pytest.raises(TypeError, match="HandParsedRoute"):
            _app_with(endpoint)
