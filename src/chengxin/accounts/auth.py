"""The request authenticator: bearer tokens and login sessions, with a short in-process cache.

A verified credential is cached for `auth_cache_seconds` so that a business system's
checks do not each pay a database read; revoking through this process drops the
entry at once, and every other process drops its whole cache when it sees the
credentials counter move (`generations`, within `sync_seconds`). The secret is compared
against the cached hash on every request, so a cached entry never admits a wrong token.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from chengxin.accounts import service
from chengxin.accounts.rules import hash_secret, parse_token
from chengxin.callers import ANONYMOUS, Caller
from chengxin.clock import utcnow
from chengxin.db import unit_of_work
from chengxin.errors import DomainError

SESSION_COOKIE = "cx_session"
CACHE_LIMIT = 10_000


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def secure_cookies(request: Request) -> bool:
    """Whether cookies carry Secure: the setting when given, else whether this request came over https."""
    setting = request.app.state.settings.secure_cookies
    return request.url.scheme == "https" if setting is None else setting


def set_session_cookie(request: Request, response: Response, token: str, expires_at: datetime) -> None:
    """The login session as a cookie pages send back: HttpOnly, SameSite=Strict, Secure over https.
    Its lifetime is given as Max-Age, relative to now, so that a browser whose clock differs from the
    server's keeps it exactly as long as the session lasts."""
    lifetime = max(0, int((expires_at - utcnow()).total_seconds()))
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies(request),
                        max_age=lifetime)


class TokenAuthenticator:
    """`app.state.authenticate`: the caller of a request, from `Authorization: Bearer …` or the
    session cookie; anonymous without either."""

    def __init__(self, app_state: Any) -> None:
        self.state = app_state
        self.cache: dict[str, tuple[float, service.Verified]] = {}
        # Verifications under way, so that the requests that miss the cache together (a system's
        # concurrent calls, each time the entry runs out) wait for one database check, not one each.
        self.verifying: dict[tuple[str, str, str | None], tuple[asyncio.Future[service.Verified], int]] = {}
        # Moves on with every `drop_all`: a verification that began before the drop may have read
        # the credential before its revocation, so its answer is not kept.
        self.epoch = 0

    def forget(self, credential_id: str) -> None:
        self.cache.pop(credential_id, None)

    def drop_all(self) -> None:
        """Forget every cached credential (another process revoked one, or stopped an account)."""
        self.epoch += 1
        self.cache.clear()

    async def __call__(self, request: Request) -> Caller:
        header = request.headers.get("authorization")
        if header:
            scheme, _, text = header.partition(" ")
            if scheme.lower() != "bearer" or not text.strip():
                raise DomainError("AUTH_SCHEME", "请使用 Authorization: Bearer <令牌>", 401)
            text = text.strip()
        else:
            text = request.cookies.get(SESSION_COOKIE, "")
            if not text:
                return ANONYMOUS
        parsed = parse_token(text)
        if parsed is None:
            raise DomainError("AUTH_TOKEN_INVALID", "调用凭证无效", 401)
        ip = client_ip(request)
        hit = self.cache.get(parsed.token_id)
        if hit is not None and hit[0] > time.monotonic():
            verified = hit[1]
            if (verified.secret_hash == hash_secret(parsed.secret) and verified.expires_at > utcnow()
                    and verified.last_ip == ip):
                return verified.caller
        flight = (parsed.token_id, parsed.secret, ip)
        under_way = self.verifying.get(flight)
        if under_way is None:
            pending = asyncio.ensure_future(
                run_in_threadpool(self._verify, parsed.prefix, parsed.token_id, parsed.secret, ip))
            under_way = self.verifying[flight] = (pending, self.epoch)
            pending.add_done_callback(lambda _: self.verifying.pop(flight, None))
        pending, epoch = under_way
        verified = await asyncio.shield(pending)  # one waiter going away must not cancel it for the others
        if epoch != self.epoch:
            return verified.caller  # verified before the cache was dropped: good for this request only
        if len(self.cache) >= CACHE_LIMIT:
            self.cache.clear()
        self.cache[parsed.token_id] = (time.monotonic() + self.state.settings.auth_cache_seconds, verified)
        return verified.caller

    def _verify(self, prefix: str, credential_id: str, secret: str, ip: str | None) -> service.Verified:
        # Its own short transaction, which writes (an API token's row is touched): on SQLite it
        # takes the write lock first.
        with unit_of_work(self.state.sessionmaker) as session:
            return service.verify_credential(session, prefix, credential_id, secret, ip)
