"""What the HTTP server answers by itself is problem+json too: a raw (not percent-encoded) Chinese
query string never reaches the app, and used to get uvicorn's plain-text 400."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import uvicorn

from chengxin.serving import ProblemH11Protocol


@pytest.fixture
def served(app):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, http=ProblemH11Protocol, lifespan="off", log_level="critical")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    yield sock.getsockname()[1]
    server.should_exit = True
    thread.join(10)
    sock.close()


def raw(port: int, request: bytes) -> tuple[str, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return lines[0], headers, body


@pytest.mark.parametrize("request_bytes", [
    "GET /api/v1/public/records?name=张三 HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
])
def test_a_request_the_server_cannot_parse_gets_a_problem(served, request_bytes):
    status, headers, body = raw(served, request_bytes)
    assert status.startswith("HTTP/1.1 400")
    assert headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["code"] == "REQUEST_MALFORMED" and "百分号编码" in problem["detail"]
    assert int(headers["content-length"]) == len(body)


def test_a_percent_encoded_query_reaches_the_app(served):
    status, _, body = raw(served, b"GET /healthz?x=%E5%BC%A0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status.startswith("HTTP/1.1 200") and json.loads(body)["status"] == "ok"


def test_serve_uses_it():
    import inspect

    from chengxin import cli

    assert "http=ProblemH11Protocol" in inspect.getsource(cli.serve)
