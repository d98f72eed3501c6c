"""A request body costs at most its limit, on every route, however it is sent: chunked bodies are
counted as they stream and refused at the byte past the limit; JSON must be UTF-8."""

from __future__ import annotations

import anyio
import pytest

from helpers import DEPT, HR, api_routes, cid, error_code, with_csrf

CHUNK = 16 * 1024
LIMIT = 64 * 1024



def _send_chunked(app, method: str, path: str, content_type: bytes, headers: dict[str, str],
                  chunks: int, first: bytes = b"") -> tuple[int, int, dict[bytes, bytes], bytes]:
    """Send a body of `chunks` chunks without a length (as Transfer-Encoding: chunked arrives);
    returns (status, bytes the app pulled, headers, body)."""
    pulled = 0
    sent = 0
    answer: dict[str, object] = {"status": 0, "headers": {}, "body": b""}

    async def receive():
        nonlocal pulled, sent
        if sent >= chunks:
            return {"type": "http.disconnect"}
        body = (first if sent == 0 else b"") + b"[" * (CHUNK - (len(first) if sent == 0 else 0))
        sent += 1
        pulled += CHUNK
        return {"type": "http.request", "body": body, "more_body": sent < chunks}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = dict(message["headers"])
        elif message["type"] == "http.response.body":
            answer["body"] += message.get("body", b"")

    raw = [(b"content-type", content_type), *((k.lower().encode(), v.encode()) for k, v in headers.items())]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": raw, "client": ("127.0.0.1", 50000), "server": ("testserver", 80), "state": {}}

    async def run():
        await app(scope, receive, send)

    anyio.run(run)
    return answer["status"], pulled, answer["headers"], answer["body"]


@pytest.fixture
def small(app, client):
    assert client.get("/healthz").status_code == 200  # the middleware stack is built
    app.state.settings.max_body_bytes = LIMIT
    app.state.settings.max_upload_bytes = LIMIT
    return app


def test_no_route_reads_a_chunked_body_past_the_limit(small):
    routes = [(path, method) for path, route in api_routes(small.routes)
              for method in sorted(route.methods - {"GET", "HEAD", "OPTIONS"})]
    assert len(routes) > 40
    for path, method in routes:
        concrete = path.replace("{", "").replace("}", "")
        for kind in (b"application/json", b"multipart/form-data; boundary=x", b"application/x-www-form-urlencoded"):
            headers = with_csrf(DEPT) if not path.startswith("/api/") else DEPT
            status, pulled, _, _ = _send_chunked(small, method, concrete, kind, headers, chunks=40)
            # Refused at the chunk that passes the limit (plus the multipart allowance), never later.
            allowance = LIMIT + (64 * 1024 if kind.startswith(b"multipart") else 0)
            assert pulled <= allowance + CHUNK, (method, path, kind, pulled)
            if pulled > allowance:
                assert status == 413, (method, path, kind, status)


def test_a_chunked_json_batch_past_the_limit_is_a_413_problem(small):
    status, pulled, headers, body = _send_chunked(small, "POST", "/api/v1/records/batches", b"application/json",
                                                  DEPT, chunks=1000)
    assert status == 413 and pulled <= LIMIT + CHUNK
    assert headers[b"content-type"].startswith(b"application/problem+json") and b"FILE_TOO_LARGE" in body


def test_the_hot_check_route_counts_its_body_too(small):
    status, pulled, headers, body = _send_chunked(small, "POST", "/api/v1/checks", b"application/json", HR,
                                                  chunks=1000)
    assert status == 413 and pulled <= LIMIT + CHUNK and b"FILE_TOO_LARGE" in body
    assert headers[b"x-content-type-options"] == b"nosniff"  # answered with the stack's headers


def test_a_chunked_upload_past_the_limit_is_refused_on_the_page_as_a_page(small):
    part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
    status, pulled, headers, body = _send_chunked(small, "POST", "/dept/uploads", b"multipart/form-data; boundary=x",
                                                  with_csrf(DEPT), chunks=1000, first=part)
    assert status == 413 and pulled <= LIMIT + 64 * 1024 + CHUNK
    assert headers[b"content-type"].startswith(b"text/html") and b"FILE_TOO_LARGE" in body


def test_a_json_body_within_the_limit_still_works(client, app):
    app.state.settings.max_body_bytes = LIMIT
    res = client.post("/api/v1/checks", json={"id_number": cid(1), "scenario": "civil_service_recruitment",
                                              "department": "human_resources", "purpose": "招录资格审查"},
                      headers=HR)
    assert res.status_code == 200, res.text


@pytest.mark.parametrize("path, headers", [("/api/v1/records/batches", DEPT), ("/api/v1/checks", HR)])
@pytest.mark.parametrize("body", [
    b'{"records": [{"name": "\xff\xfe"}]}',  # Latin-1 / broken bytes
    '{"records": []}'.encode("utf-16"),  # UTF-16 (with its BOM)
    '{"id_number": "张三"}'.encode("gb18030"),
])
def test_json_that_is_not_utf8_is_a_clear_error(client, path, headers, body):
    res = client.post(path, content=body, headers={**headers, "Content-Type": "application/json"})
    assert res.status_code == 400
    assert res.headers["content-type"].startswith("application/problem+json")
    assert error_code(res) == "REQUEST_JSON_NOT_UTF8" and "UTF-8" in res.json()["detail"]
