"""Schemathesis hooks of `bench.fuzz` (loaded through `SCHEMATHESIS_HOOKS=bench.fuzz_hooks`).

- `after_call` counts every request the run sends, by operation and status class, and appends
  each 5xx (and each request that got no answer at all) with what it takes to send it again to
  `CHENGXIN_FUZZ_FAILURES` (JSON lines, written at once so a killed run keeps them); the counts
  go to `CHENGXIN_FUZZ_TALLY` (JSON) when the process ends.
- `before_call` keeps the fuzzing identities' own tokens (`CHENGXIN_FUZZ_KEEP_TOKENS`) from being
  revoked by the platform_admin run.
- `map_path_parameters` puts the identifiers of objects that exist (`CHENGXIN_FUZZ_IDS`, a JSON
  object of parameter name -> values) in place of half of the generated ones: random
  identifiers only ever reach a route's "not found", real ones reach what it does with the body.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import zlib
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import schemathesis

# Headers that say nothing about the request's content (the credential is named by the identity).
_QUIET_HEADERS = {"authorization", "user-agent", "accept", "accept-encoding", "connection", "content-length"}
BODY_KEPT = 4000

_lock = threading.Lock()
_by_class: Counter[str] = Counter()
_by_operation: dict[str, Counter[str]] = {}
_KNOWN: dict[str, list[Any]] = {}
if os.environ.get("CHENGXIN_FUZZ_IDS"):
    with open(os.environ["CHENGXIN_FUZZ_IDS"], encoding="utf-8") as fh:
        _KNOWN = json.load(fh)


_KEEP_TOKENS = frozenset(filter(None, os.environ.get("CHENGXIN_FUZZ_KEEP_TOKENS", "").split(",")))
NO_SUCH_TOKEN = "0" * 26


def status_class(status: int | None) -> str:
    return "no_answer" if status is None else f"{status // 100}xx"


def _operation(case: Any) -> str:
    return f"{case.operation.method.upper()} {case.operation.path}"


def _body_text(body: Any) -> tuple[str | None, int]:
    if body is None:
        return None, 0
    raw = body if isinstance(body, bytes) else str(body).encode("utf-8", "surrogatepass")
    return raw[:BODY_KEPT].decode("utf-8", "backslashreplace"), len(raw)


def reproduction(case: Any, request: Any, status: int | None, answer: bytes | None) -> dict[str, Any]:
    """What was sent and what came back, enough to send it again by hand."""
    url = urlsplit(request.url)
    body, size = _body_text(request.body)
    return {"operation": _operation(case), "method": request.method,
            "path": url.path + (f"?{url.query}" if url.query else ""),
            "headers": {k: v for k, v in request.headers.items() if k.lower() not in _QUIET_HEADERS},
            "body": body, "body_bytes": size, "status": status,
            "answer": None if answer is None else answer[:500].decode("utf-8", "replace")}


def _count(case: Any, status: int | None, failure: dict[str, Any] | None) -> None:
    cls = status_class(status)
    with _lock:
        _by_class[cls] += 1
        _by_operation.setdefault(_operation(case), Counter())[cls] += 1
        if failure is not None and os.environ.get("CHENGXIN_FUZZ_FAILURES"):
            with open(os.environ["CHENGXIN_FUZZ_FAILURES"], "a", encoding="utf-8") as fh:
                fh.write(json.dumps(failure, ensure_ascii=False) + "\n")


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    status = response.status_code
    failure = reproduction(case, response.request, status, response.content) if status >= 500 else None
    _count(case, status, failure)


@schemathesis.hook
def after_network_error(context: Any, case: Any, request: Any) -> None:
    _count(case, None, reproduction(case, request, None, None))


@schemathesis.hook
def map_path_parameters(context: Any, path_parameters: dict[str, Any]) -> dict[str, Any]:
    if not _KNOWN or not path_parameters:
        return path_parameters
    mapped = dict(path_parameters)
    for name, value in path_parameters.items():
        known = _KNOWN.get(name)
        if known:
            # Chosen from the generated value, so that the same case maps the same way again.
            pick = zlib.crc32(repr(value).encode("utf-8", "surrogatepass")) % (2 * len(known))
            if pick < len(known):
                mapped[name] = known[pick]
    return mapped


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    # The platform_admin run finds the identities' tokens (GET /api/v1/accounts/{id}/tokens) and its
    # stateful phase follows the link to DELETE /api/v1/tokens/{id}: that would leave every later
    # identity, or the run itself, with nothing but 401s. The route reads the first 26 characters.
    params = case.path_parameters
    if params and str(params.get("token_id", ""))[:26] in _KEEP_TOKENS:
        params["token_id"] = NO_SUCH_TOKEN


def _write_tally() -> None:
    path = os.environ.get("CHENGXIN_FUZZ_TALLY")
    if not path:
        return
    with _lock, open(path, "w", encoding="utf-8") as fh:
        json.dump({"by_class": dict(_by_class), "by_operation": {k: dict(v) for k, v in _by_operation.items()}},
                  fh, ensure_ascii=False)


atexit.register(_write_tally)
