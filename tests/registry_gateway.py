"""A tiny population-registry gateway for tests: a real HTTP server on a free loopback port."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# (request body as JSON) -> (status, body as bytes); may block to make the client time out.
Answer = Callable[[dict[str, Any]], tuple[int, bytes]]


def registry_of(names: dict[str, str]) -> Answer:
    """A gateway that holds `names` (number -> name) and answers as the adapter expects."""

    def answer(asked: dict[str, Any]) -> tuple[int, bytes]:
        held = names.get(asked["id_number"])
        if held is None:
            body = {"result": "not_found"}
        elif held == asked["name"]:
            body = {"result": "match"}
        else:
            body = {"result": "name_differs", "name": held}
        return 200, json.dumps(body, ensure_ascii=False).encode()

    return answer


@contextmanager
def gateway(answer: Answer) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Serve `answer` at http://127.0.0.1:<free port>/verify; yields the address and the requests seen."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            asked = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(asked)
            status, body = answer(asked)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/verify", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
