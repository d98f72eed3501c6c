"""The FastAPI application factory."""

from __future__ import annotations

import codecs
import gc
import gzip
import hashlib
import json
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chengxin import __version__, clock
from chengxin.access import sealing
from chengxin.access.endpoints import router as access_router
from chengxin.accounts.auth import TokenAuthenticator
from chengxin.accounts.endpoints import router as accounts_router
from chengxin.alerts.endpoints import router as alerts_router
from chengxin.articles.endpoints import router as articles_router
from chengxin.assessment.endpoints import router as assessment_router
from chengxin.authorisations.endpoints import router as authorisations_router
from chengxin.callers import permit
from chengxin.catalog import supplement
from chengxin.catalog.endpoints import router as catalog_router
from chengxin.catalog.rules import Catalog
from chengxin.checks.endpoints import router as checks_router
from chengxin.conflicts.endpoints import router as conflicts_router
from chengxin.credentials.endpoints import router as credentials_router
from chengxin.creditfile.endpoints import router as file_router
from chengxin.crypto import Keys, load_keys
from chengxin.db import checkpoint_in_background, make_sessionmaker, reading, settings_engine
from chengxin.disclosure.endpoints import router as disclosure_router
from chengxin.editions.endpoints import router as editions_router
from chengxin.editions.service import in_force, in_force_or_packaged
from chengxin.errors import BodyRefused, DomainError, answer, install_handlers
from chengxin.exchange import feed as exchange_feed
from chengxin.exchange.endpoints import router as exchange_router
from chengxin.exchange.endpoints import third_parties as exchange_third_parties
from chengxin.explanations.endpoints import router as explanations_router
from chengxin.generations.repository import CREDENTIALS, EDITIONS
from chengxin.generations.service import GenerationWatch
from chengxin.listing.endpoints import router as listing_router
from chengxin.lists.endpoints import router as lists_router
from chengxin.notices.endpoints import router as notices_router
from chengxin.objections.endpoints import router as objections_router
from chengxin.organisations.endpoints import router as org_router
from chengxin.points.endpoints import router as points_router
from chengxin.points.rules import default_model
from chengxin.publicity.rules import default_tiers
from chengxin.ratelimit import login_limiter, public_limiter, tipoff_limiter
from chengxin.records.endpoints import router as records_router
from chengxin.records.imports import interrupt_abandoned_imports
from chengxin.remedies.endpoints import router as remedies_router
from chengxin.repairs.endpoints import router as repairs_router
from chengxin.replicas import ReplicaSet
from chengxin.reports.endpoints import router as reports_router
from chengxin.roster.endpoints import router as roster_router
from chengxin.routing import HotRouteApp
from chengxin.sanctions.endpoints import router as measures_router
from chengxin.sanctions.measures import default_measures
from chengxin.settings import Settings, get_settings
from chengxin.signing import load_signer
from chengxin.tipoffs.endpoints import router as tipoffs_router
from chengxin.watch.endpoints import router as watch_router
from chengxin.web.assets import ASSETS
from chengxin.web.security import SecurityHeaders
from chengxin.web.site import install as install_pages

log = logging.getLogger("chengxin")
MULTIPART_OVERHEAD = 64 * 1024  # form boundaries and headers around the file

DESCRIPTION = """
个人公共信用信息平台 API。

- 部门通过 **归集** 接口报送信用记录（JSON 批次或 CSV/XLSX 文件），按目录逐条校验并返回回执与逐行报告；
- **信用档案** 接口返回某人的档案：按类别分组、公示状态在读取时按规则计算，可按 `as_of` 回看某日档案；
- 所有错误均为 `application/problem+json`，带稳定的错误码 `code` 与中文说明。

调用身份：系统使用 API 令牌（`Authorization: Bearer cxt_…`，由平台管理员签发，限定权限、有期限、可吊销）；
工作人员与本人登录后使用登录令牌（`cxs_…`，亦可用会话 Cookie）。每个接口声明所需权限，公开接口无需凭证但限制频率。
"""


def docs_page() -> str:
    """The /docs page: the vendored Swagger UI under content-hashed addresses (cached a year, gzipped)."""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>接口文档</title>
<link rel="icon" href="{ASSETS.url('favicon.svg')}" type="image/svg+xml">
<link rel="stylesheet" href="{ASSETS.url('vendor/swagger-ui-5.35.0/swagger-ui.css')}"></head>
<body><div id="swagger-ui"></div>
<script src="{ASSETS.url('vendor/swagger-ui-5.35.0/swagger-ui-bundle.js')}"></script>
<script src="{ASSETS.url('docs.js')}"></script></body></html>"""


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    catalog: Catalog | None = None,
    keys: Keys | None = None,
) -> HotRouteApp:
    settings = settings or get_settings()
    engine = engine or settings_engine(settings)
    app = HotRouteApp(title="诚信 · 个人公共信用信息平台", version=__version__, docs_url=None, redoc_url=None,
                      openapi_url=None, description=DESCRIPTION, lifespan=_lifespan)
    app.state.settings = settings
    app.state.engine = engine
    checkpoint_in_background(engine)  # SQLite: checks commit on the event loop, which must not wait on a sync
    app.state.sessionmaker = make_sessionmaker(engine)
    # What other processes change and this one caches: counters read before what they guard is loaded.
    app.state.generations = GenerationWatch(engine, {CREDENTIALS: lambda: app.state.authenticate.drop_all(),
                                                     EDITIONS: lambda: follow_editions(app.state)})
    app.state.generations.baseline()
    app.state.follows_editions = catalog is None
    # Hot standbys for the lag-tolerant reads (none unless `replica_urls`); the lifespan starts the monitor.
    app.state.replicas = ReplicaSet.from_settings(settings, engine)
    # The catalog and measure list in force: the newest published editions, else the packaged YAML.
    in_force_catalog, in_force_points, in_force_measures = in_force_or_packaged(app.state.sessionmaker)
    _known_departments(app.state.sessionmaker)
    app.state.catalog = supplement.in_force(app.state, catalog or in_force_catalog)
    _supplement_departments(app.state)
    app.state.tiers = default_tiers()
    app.state.keys = keys or load_keys(settings)
    exchange_feed.install(settings)
    app.state.authenticate = TokenAuthenticator(app.state)
    app.state.login_limiter = login_limiter(settings.login_rate_per_minute)
    app.state.public_limiter = public_limiter(settings.public_rate_per_minute)
    app.state.tipoff_limiter = tipoff_limiter(settings.tipoff_rate_per_minute)
    install_handlers(app)

    app.add_middleware(GuardRequestBodies)

    app.state.measures = in_force_measures if catalog is None else default_measures()
    app.state.points = in_force_points if catalog is None else default_model()
    # The check routes first: they take by far the most requests, and a request is matched
    # against the routes in order. They are the app's own routes rather than an included router,
    # which FastAPI matches through a wrapper, twice per request (several microseconds a check).
    app.router.routes.extend(checks_router.routes)
    for router in (accounts_router, catalog_router, records_router, file_router, org_router,
                   lists_router, watch_router, measures_router, alerts_router, authorisations_router,
                   access_router, objections_router, repairs_router, disclosure_router, notices_router,
                   tipoffs_router, assessment_router, articles_router, editions_router, conflicts_router,
                   reports_router, exchange_router, roster_router, listing_router, explanations_router,
                   remedies_router, points_router):
        app.include_router(router)
    app.include_router(credentials_router)
    app.include_router(exchange_third_parties)

    @app.get("/docs", include_in_schema=False, dependencies=[permit("public")])
    def docs() -> HTMLResponse:
        """Interactive API docs from the vendored Swagger UI (nothing loaded from another origin)."""
        return HTMLResponse(docs_page())

    @app.get("/openapi.json", include_in_schema=False, dependencies=[permit("public")])
    def openapi_document(request: Request) -> Response:
        """The OpenAPI document, made once per process (2.5 s of work) and sent gzipped (364 KB, 40 KB packed)."""
        return openapi_answer(request.app, request)  # not `app`: an endpoint must not pin the app

    @app.get("/healthz", tags=["运维"], summary="健康检查", dependencies=[permit("public")])
    def healthz(request: Request) -> dict[str, Any]:
        """数据库可连接时返回 ok。查询日志不能封存（未配置签名密钥）或有记录长时间未封存时，status 为
        degraded，access_log 说明原因；平台时钟被设为从另一时刻起走（CHENGXIN_CLOCK_START，只用于演示与测试）
        时在 clock 中注明。配置了只读备库时，replicas 列出每个备库（按编号，不含地址）：是否在用、延迟秒数、
        未用的原因与本进程分流到它的请求数；备库不可用时读取改走主库，status 不受影响。"""
        state = request.app.state
        with state.sessionmaker() as session:
            unsealed = sealing.unsealed_problem(session, clock.utcnow(), seal_allowance(state.settings))
        out: dict[str, Any] = {"status": "ok", "version": __version__}
        if (problem := signing_problem(state) or unsealed) is not None:
            out["status"], out["access_log"] = "degraded", problem
        if (start := clock.shifted_start()) is not None:
            out["clock"] = f"平台时钟自 {start.isoformat()} 起走，不是真实时间（CHENGXIN_CLOCK_START）"
        if state.replicas is not None:
            out["replicas"] = state.replicas.status()
        return out

    install_pages(app)
    # The single check (a `HandParsedRoute`) is answered in front of the middleware stack, with
    # the effect of the app's two middleware replicated (`routing.HotRouteApp`).
    app.serve_hot_routes((SecurityHeaders, GuardRequestBodies), _hot_channels)
    return app


def follow_editions(state: Any) -> None:
    """Put in force the editions another process published (as the publishing request does in its own)."""
    if not state.follows_editions:  # made with a catalog of the caller's: it stays
        return
    with reading(make_sessionmaker(state.engine)) as session:
        catalog, points, measures = in_force(session)
    state.catalog, state.points, state.measures = supplement.in_force(state, catalog), points, measures


def _supplement_departments(state: Any) -> None:
    """Register the departments a catalog supplement adds (their records name them)."""
    from chengxin.departments import repository as departments

    added = state.supplement.departments if state.supplement is not None else {}
    if not added:
        return
    try:
        with state.sessionmaker() as session:
            departments.ensure(session, dict(added))
            session.commit()
    except DBAPIError:  # not upgraded yet: `chengxin db upgrade` registers them
        pass


def _known_departments(factory: Any) -> None:
    """The exchanged departments' names, for the check's answers (departments.label)."""
    from chengxin.departments import repository as departments

    try:
        with factory() as session:
            departments.remember(departments.names(session))
    except DBAPIError:  # not upgraded yet: nothing exchanged either
        pass


def openapi_answer(app: FastAPI, request: Request) -> Response:
    """The OpenAPI document as bytes, compressed once; a browser that has it revalidates by ETag."""
    packed = getattr(app.state, "openapi_packed", None)
    if packed is None:
        body = json.dumps(app.openapi(), ensure_ascii=False, separators=(",", ":")).encode()
        packed = (body, gzip.compress(body, compresslevel=9, mtime=0), f'"{hashlib.sha256(body).hexdigest()[:16]}"')
        app.state.openapi_packed = packed
    body, zipped, etag = packed
    headers = {"cache-control": "no-cache", "etag": etag, "vary": "accept-encoding"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(zipped, media_type="application/json", headers={**headers, "content-encoding": "gzip"})
    return Response(body, media_type="application/json", headers=headers)


def seal_allowance(settings: Settings) -> timedelta:
    """How long an access-log entry may wait for its seal before /healthz reports it: the jobs
    seal every interval; an external scheduler (interval 0) gets the sealer's own late window."""
    return max(sealing.LATE_WINDOW, timedelta(seconds=2 * settings.jobs_interval_seconds))


def signing_problem(state: Any) -> str | None:
    """Why the access log cannot be sealed (no signing key configured), or None. Loads the
    signer as `deps.get_signer` does, so the answer is the one the next seal will meet."""
    if getattr(state, "signer", None) is not None:
        return None
    try:
        state.signer = load_signer(state.settings)
    except DomainError as err:
        return f"查询日志无法封存：{err.message}"
    return None


def _hot_channels(scope: Scope, receive: Receive, send: Send) -> tuple[Receive, Send] | None:
    """The `receive` and `send` of a hot route's answer: the body guarded as `GuardRequestBodies`
    guards it, the answer with the security headers (`SecurityHeaders`); or None for a body
    announced as too large (`GuardRequestBodies` refuses it in the stack)."""
    if GuardRequestBodies.too_large(scope):
        return None
    return GuardRequestBodies.guard(scope, receive), SecurityHeaders.wrap(scope, send)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    try:  # imports a previous run of the server left half done say so before anyone asks
        # In a worker thread: waiting for the write lock must not stop the event loop.
        await run_in_threadpool(interrupt_abandoned_imports, app.state.sessionmaker, app.state.settings)
    except Exception as exc:  # the jobs try again; the server still starts
        log.error("could not mark interrupted imports: %s", type(exc).__name__)
    replicas = app.state.replicas
    if replicas is not None:
        await run_in_threadpool(replicas.start)  # one round before the first request, then a thread
    settle_heap()
    # Another process's revocations and publications, followed within `sync_seconds`.
    stop_watch = app.state.generations.start(app.state.settings.sync_seconds)
    try:
        yield
        writer = getattr(app.state, "check_writer", None)
        if writer is not None:
            await writer.aclose()  # the connections the check writer keeps
        kept = getattr(app.state, "verify_connection", None)
        if kept is not None:
            kept.close()  # the one report verifications read on (SQLite)
    finally:
        stop_watch.set()
        if replicas is not None:
            replicas.close()
        gc.unfreeze()  # what the app held can be collected once it is gone (tests build many apps)


def warm_in_background(app: FastAPI) -> None:
    """Make the OpenAPI document, the compressed static files and the home page's figures now, in a
    thread of their own, so that the first visit to /docs (or /) does not wait for them (`chengxin
    serve` calls this; the app lives as long as the process)."""
    threading.Thread(target=warm_documents, args=(app,), name="warm-docs", daemon=True).start()


def warm_documents(app: FastAPI) -> None:
    try:
        ASSETS.warm()
        openapi_answer(app, Request({"type": "http", "method": "GET", "path": "/openapi.json", "headers": []}))
    except Exception as exc:  # a request will make it instead
        log.warning("could not prepare the API documents: %s", type(exc).__name__)
    from chengxin.web.pages import count_figures  # the web pages import the app's pieces

    try:  # the home page's figures, so that its first visitor does not wait for the counts either
        with reading(app.state.sessionmaker) as session:
            count_figures(app.state, session)
    except Exception as exc:  # the first visit counts them instead
        log.warning("could not count the home page's figures: %s", type(exc).__name__)


def settle_heap() -> None:
    """Keep the collector off the objects that live as long as the server (modules, routes, the
    catalog and measure list: some 170,000). Each full collection walks every tracked object,
    and walking these took 80 to 120 ms on two cores: every so often the event loop stopped
    that long and every request under way waited, which set the p99 of checks under load.
    Frozen after one last collection, they are left out of every later one (`gc.freeze`);
    what requests make is collected as before."""
    gc.collect()
    gc.freeze()


class GuardRequestBodies:
    """Bound what a request body may cost, on every route, while it streams in: a body announced
    as too large is refused before a byte of it is read; any other (chunked, or lying about its
    length) is counted as it arrives and refused at the byte that passes the limit, so no route
    ever reads more. File uploads (multipart) may reach CHENGXIN_MAX_UPLOAD_BYTES (the files are
    spooled to disk), every other body CHENGXIN_MAX_BODY_BYTES (it is parsed in memory). A JSON
    body must be UTF-8 (RFC 8259): checked as it streams, so every JSON route, the hand-parsed
    one included, answers the same clear error.

    A plain ASGI middleware: Starlette's `@app.middleware("http")` (BaseHTTPMiddleware) runs the
    rest of the app in a task of its own with a memory stream for the answer, which costs more
    than a whole check's database work on every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.too_large(scope):
            await answer(Request(scope, receive), _too_large(scope))(scope, receive, send)
            return
        await self.app(scope, self.guard(scope, receive), send)

    @staticmethod
    def limit(scope: Scope) -> tuple[int, bool]:
        """The body limit of this request, and whether its body must be UTF-8 JSON."""
        settings = scope["app"].state.settings
        kind = b""
        for name, value in scope["headers"]:
            if name == b"content-type":
                kind = value.partition(b";")[0].strip().lower()
                break
        if kind == b"multipart/form-data":
            return settings.max_upload_bytes + MULTIPART_OVERHEAD, False
        return settings.max_body_bytes, kind == b"application/json" or (
            kind.startswith(b"application/") and kind.endswith(b"+json"))

    @classmethod
    def too_large(cls, scope: Scope) -> bool:
        """Whether the request announces a body beyond its limit."""
        for name, value in scope["headers"]:
            if name == b"content-length":
                return value.isdigit() and int(value) > cls.limit(scope)[0]
        return False

    @classmethod
    def guard(cls, scope: Scope, receive: Receive) -> Receive:
        """`receive`, counting the body's bytes and refusing it past the limit (and, for JSON,
        at the first byte that is not UTF-8)."""
        limit, json = cls.limit(scope)
        decode = codecs.getincrementaldecoder("utf-8")().decode if json else None
        seen = 0

        async def guarded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                seen += len(body)
                if seen > limit:
                    raise BodyRefused(_too_large(scope))
                if decode is not None:
                    try:
                        decode(body, not message.get("more_body", False))
                    except UnicodeDecodeError:
                        raise BodyRefused(DomainError(
                            "REQUEST_JSON_NOT_UTF8", "请求体须为 UTF-8 编码的 JSON（RFC 8259）", 400)) from None
            return message

        return guarded


def _too_large(scope: Scope) -> DomainError:
    limit = GuardRequestBodies.limit(scope)[0]
    shown = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit} 字节"
    return DomainError("FILE_TOO_LARGE", f"请求内容超过上限 {shown}", 413, limit=limit)
