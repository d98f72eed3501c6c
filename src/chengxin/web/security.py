"""Browser safety: security headers on every response, CSRF tokens bound to the session.

The CSRF token is a synchronizer token derived from the credential the browser holds (the
login-session cookie, or a pre-session cookie for visitors who have not signed in): an
HMAC keyed by that secret. A forged cross-site form cannot read the HttpOnly cookie, so it
cannot compute the token; nothing needs to be stored on the server.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chengxin.accounts.auth import SESSION_COOKIE
from chengxin.errors import DomainError
from chengxin.replicas import EXTRA_HEADERS

PRE_COOKIE = "cx_pre"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
_COMMON = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
           (b"x-frame-options", b"DENY")]
_STRICT = [*_COMMON, (b"content-security-policy", CSP.encode())]
# The interactive API docs (vendored Swagger UI, our own start script) set inline styles as they
# render: the one page whose policy allows them; scripts still come only from this origin.
DOCS_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
_DOCS = ("/docs",)
_DOCS_HEADERS = [*_COMMON, (b"content-security-policy", DOCS_CSP.encode())]
# Answers are about persons (files, checks, lists, logs, receipts), or pages that show who is signed
# in: none may stay in a browser's or a proxy's cache. Only the static assets are cacheable; an
# answer that sets its own Cache-Control keeps it.
NO_STORE = (b"cache-control", b"no-store")
_STATIC = "/static/"


class SecurityHeaders:
    """Pure ASGI middleware adding the headers (cheaper than BaseHTTPMiddleware on hot paths)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, self.wrap(scope, send))

    @staticmethod
    def wrap(scope: Scope, send: Send) -> Send:
        """`send`, adding the headers of the request's path to the response."""
        path = scope["path"]
        extra = _DOCS_HEADERS if path.startswith(_DOCS) else _STRICT
        cacheable = path.startswith(_STATIC)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), *extra, *scope.get(EXTRA_HEADERS, ())]
                if not cacheable and not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        return send_with_headers


def binding(request: Request) -> str | None:
    """The secret the token is bound to: a bearer credential, the session cookie or the pre-session one."""
    header = request.headers.get("authorization")
    if header:
        return header
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_COOKIE)


def token_for(bound: str) -> str:
    return hmac.new(bound.encode(), b"chengxin-csrf-v1", hashlib.sha256).hexdigest()


def new_pre_session() -> str:
    return secrets.token_urlsafe(32)


async def require_csrf(request: Request) -> None:
    """The one CSRF check, on every page route: unsafe methods must carry the session's token."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    bound = binding(request)
    if not bound or not sent or not hmac.compare_digest(sent, token_for(bound)):
        raise DomainError("CSRF_REFUSED", "页面已过期或请求来源无法确认，请返回上一页刷新后重试", 403)
