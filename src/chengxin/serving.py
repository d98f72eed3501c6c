"""The HTTP server's own answers, in the platform's error format.

A request the HTTP parser (h11) cannot accept never reaches the app: a raw Chinese query string
(not percent-encoded), a malformed header line, a bad request line. uvicorn answers those itself
with a plain-text 400; `ProblemH11Protocol` answers the same 400 as application/problem+json with
a stable code, like every other error of the platform. `chengxin serve` runs with it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from chengxin.errors import PROBLEM, DomainError

log = logging.getLogger(__name__)

MALFORMED = DomainError(
    "REQUEST_MALFORMED",
    "无法解析的 HTTP 请求：请求地址中的中文等字符须按 UTF-8 进行百分号编码（如“张”写作 %E5%BC%A0），"
    "请求行与请求头须符合 HTTP/1.1 规范", 400)


class ProblemH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, its 400 answer made problem+json."""

    def send_400_response(self, msg: str) -> None:
        body = json.dumps(MALFORMED.problem(), ensure_ascii=False).encode()
        headers = [(b"content-type", PROBLEM.encode()), (b"content-length", str(len(body)).encode()),
                   (b"x-content-type-options", b"nosniff"), (b"connection", b"close")]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"), h11.Data(data=body),
                      h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()


def worker_app() -> Any:
    """The app of one server process (`chengxin serve --workers N` imports this in each worker):
    built from the same settings (the environment) as the parent checked, then started as a
    single-process server starts its app."""
    from chengxin.app import create_app
    from chengxin.settings import get_settings

    application = create_app(get_settings())
    start_serving(application)
    return application


def start_serving(application: Any) -> None:
    """What runs beside a served app: the election for the background loops (unless
    CHENGXIN_SERVE_JOBS=false), and the warm-up of the documents and the home page."""
    from chengxin.app import warm_in_background
    from chengxin.leader import elect_in_background

    state = application.state
    if state.settings.serve_jobs:
        elect_in_background(state.sessionmaker, state.keys, state.catalog, state.settings)
    warm_in_background(application)
    start_batch_processes(application)


def start_batch_processes(application: Any) -> None:
    """Start the worker processes of batch checks (PostgreSQL) in the background, so that the first
    batch does not wait for them to import the platform."""
    import threading

    from chengxin.checks import processes

    state = application.state

    def start() -> None:
        try:
            processes.start(state.engine, state.settings.batch_processes)
        except Exception as exc:  # the first batch starts them instead
            log.warning("could not start the batch-check processes: %s", type(exc).__name__)

    threading.Thread(target=start, name="batch-processes", daemon=True).start()
