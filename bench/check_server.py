"""The HTTP servers of the check figures: `python -m bench.check_server {chengxin|baseline} PORT [TABLE]`.

Both run on the same uvicorn set-up: one process (or BENCH_SERVER_WORKERS processes under
uvicorn's process manager, as `chengxin serve --workers N`, both servers alike;
BENCH_ORDINARY_STACK=1 answers the check through the whole middleware stack instead of
`routing.HotRouteApp`), 127.0.0.1, uvicorn's own
access log off (the platform's access log is a table and stays on), whatever HTTP parser and
event loop uvicorn picks by default in this environment.

- `chengxin`: `chengxin.app.create_app()` configured from the environment (CHENGXIN_DATABASE_URL,
  the key variables), exactly as `chengxin serve` builds it.
- `baseline`: a minimal FastAPI app. `POST /lookup` takes the same JSON body as a check and
  returns `{"decision": table[id_number]}`; `POST /lookup/batch` parses the same body as a batch
  check and streams back one NDJSON line per identifier from a dict look-up. TABLE is a JSON file
  mapping ID numbers to decisions.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

LINES_PER_WRITE = 1000


class LookupIn(BaseModel):
    id_type: str = "citizen_id"
    id_number: str
    scenario: str
    department: str
    business_ref: str | None = None
    purpose: str


class BatchIn(BaseModel):
    scenario: str
    department: str
    business_ref: str | None = None
    purpose: str
    identifiers: list[Any]


def baseline_app(table: dict[str, str]) -> FastAPI:
    app = FastAPI()

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/lookup")
    async def lookup(body: LookupIn) -> dict[str, str]:
        return {"decision": table.get(body.id_number, "clear")}

    @app.post("/lookup/batch")
    async def lookup_batch(body: BatchIn) -> StreamingResponse:
        async def lines() -> AsyncIterator[bytes]:
            out: list[str] = []
            for n, raw in enumerate(body.identifiers, start=1):
                number = raw if isinstance(raw, str) else raw.get("id_number") if isinstance(raw, dict) else None
                out.append(json.dumps({"line": n, "decision": table.get(number or "", "clear")}) + "\n")
                if len(out) >= LINES_PER_WRITE:
                    yield "".join(out).encode()
                    out.clear()
            out.append(json.dumps({"summary": {"total": len(body.identifiers)}}) + "\n")
            yield "".join(out).encode()

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    return app


WORKERS = "BENCH_SERVER_WORKERS"  # processes of the chengxin server (default 1), as `chengxin serve --workers`
ORDINARY = "BENCH_ORDINARY_STACK"  # "1": the check answered through the whole middleware stack, not HotRouteApp


def chengxin_app() -> Any:
    """The platform's app as `chengxin serve` builds it (each worker process calls this)."""
    from chengxin.app import create_app
    from chengxin.serving import start_batch_processes

    app = create_app()
    if os.environ.get(ORDINARY) == "1" and hasattr(app, "hot"):
        app.hot = None  # every request through Starlette's and FastAPI's middleware and router
    start_batch_processes(app)  # as `chengxin serve` does
    return app


def baseline_from_env() -> FastAPI:
    with open(os.environ[TABLE], encoding="utf-8") as fh:
        return baseline_app(json.load(fh))


TABLE = "BENCH_LOOKUP_TABLE"


def main(argv: list[str]) -> int:
    """Both servers with the same number of processes (BENCH_SERVER_WORKERS)."""
    kind, port = argv[0], int(argv[1])
    common: dict[str, Any] = {"host": "127.0.0.1", "port": port, "log_level": "warning", "access_log": False,
                              "timeout_keep_alive": 120, "backlog": 4096}
    if kind != "chengxin":
        os.environ[TABLE] = argv[2]
    factory = "bench.check_server:" + ("chengxin_app" if kind == "chengxin" else "baseline_from_env")
    workers = int(os.environ.get(WORKERS) or 1)
    if workers > 1:  # uvicorn's own process manager, as `chengxin serve --workers N`
        uvicorn.run(factory, factory=True, workers=workers, **common)
    else:
        app = chengxin_app() if kind == "chengxin" else baseline_from_env()
        uvicorn.Server(uvicorn.Config(app, workers=1, **common)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
