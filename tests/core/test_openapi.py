"""The OpenAPI document describes every route, with examples and problem responses."""

from __future__ import annotations


def _resolve(doc: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def _has_example(doc: dict, content: dict) -> bool:
    for media in content.values():
        if "example" in media or "examples" in media:
            return True
        schema = _resolve(doc, media.get("schema", {}))
        if "examples" in schema or "example" in schema:
            return True
        if schema.get("type") == "array" and "examples" in _resolve(doc, schema.get("items", {})):
            return True
    return False


def test_every_route_is_described_with_examples(client):
    doc = client.get("/openapi.json").json()
    operations = [(path, method, op) for path, item in doc["paths"].items()
                  for method, op in item.items()]
    assert len(operations) >= 8
    for path, method, op in operations:
        where = f"{method.upper()} {path}"
        assert op.get("summary"), f"{where} has no summary"
        assert op.get("description"), f"{where} has no description"
        body = op.get("requestBody")
        if body and "application/json" in body["content"]:
            assert _has_example(doc, body["content"]), f"{where} request has no example"
        ok_code, ok = next(((c, r) for c, r in op["responses"].items() if c.startswith("2")), ("", None))
        assert ok is not None, f"{where} has no success response"
        if path != "/healthz" and ok_code != "204":
            assert _has_example(doc, ok.get("content", {})), f"{where} response has no example"
            assert "422" in op["responses"], f"{where} documents no problem response"


def test_unknown_route_is_a_problem(client):
    res = client.get("/api/v1/nowhere")
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["code"] == "NOT_FOUND"
