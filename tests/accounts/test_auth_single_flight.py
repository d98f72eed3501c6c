"""The authenticator verifies a token once for the requests that miss its cache together."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from types import SimpleNamespace

from starlette.requests import Request

from chengxin.accounts import service
from chengxin.accounts.auth import TokenAuthenticator
from chengxin.accounts.rules import hash_secret
from chengxin.callers import Caller
from chengxin.clock import utcnow
from chengxin.settings import Settings

TOKEN_ID = "01JD3Z8Q2W0000000000000000"
SECRET = "s" * 43


def request(secret: str = SECRET) -> Request:
    header = f"Bearer cxt_{TOKEN_ID}_{secret}".encode()
    return Request({"type": "http", "headers": [(b"authorization", header)], "client": ("10.0.0.1", 1)})


def test_concurrent_misses_wait_for_one_verification(tmp_path):
    calls: list[str] = []
    lock = threading.Lock()
    auth = TokenAuthenticator(SimpleNamespace(settings=Settings(data_dir=tmp_path)))
    caller = Caller("checker", department_code="human_resources")

    def verify(prefix: str, token_id: str, secret: str, ip: str | None) -> service.Verified:
        with lock:
            calls.append(secret)
        time.sleep(0.05)  # the database check takes a while: the other requests arrive meanwhile
        return service.Verified(caller, hash_secret(secret), utcnow() + timedelta(days=1), ip)

    auth._verify = verify  # type: ignore[method-assign]

    async def together():
        return await asyncio.gather(*(auth(request()) for _ in range(8)), auth(request("t" * 43)))

    callers = asyncio.run(together())
    assert all(c is caller for c in callers)
    assert sorted(calls) == [SECRET, "t" * 43]  # one per distinct credential, not one per request
    assert auth.verifying == {}
