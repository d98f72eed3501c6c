"""Domain errors as values with a stable code, rendered as application/problem+json."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("chengxin.errors")

PROBLEM = "application/problem+json"


class DomainError(Exception):
    """An error a person can act on: stable code, HTTP status, Chinese message."""

    def __init__(
        self, code: str, message: str, status: int = 400, **extra: Any
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra

    def problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"urn:chengxin:error:{self.code}",
            "title": self.message,
            "status": self.status,
            "code": self.code,
            "detail": self.message,
        }
        body.update(self.extra)
        return body


class BodyRefused(StarletteHTTPException):
    """A request body refused while it streams in (too large, or JSON that is not UTF-8). An
    HTTPException so that the framework's body parsing passes it on unchanged; answered as the
    DomainError it carries."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.status, error.message)
        self.error = error


class NotFound(DomainError):
    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(code, message, 404, **extra)


def domain_error_of(exc: BaseException) -> DomainError:
    """The error a person is told for `exc` (the handlers below, and an import that stopped)."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, IntegrityError):
        # Two submissions raced on the same idempotency key; the loser retries and is told
        # "unchanged". The message never echoes the statement (it may hold personal data).
        return DomainError("CONFLICT_CONCURRENT", "数据正被另一提交同时修改，请稍后重试（重试不会产生重复数据）", 409)
    if isinstance(exc, DataError):
        # The database refused a value the request carried (PostgreSQL: a NUL character, a number
        # out of range). Nothing was written; the value is not echoed.
        return DomainError("REQUEST_DATA_INVALID", "请求中含有无法保存的字符（如空字符）或超出范围的数值", 400)
    return DomainError("INTERNAL_ERROR", "服务器内部错误，请联系平台运维", 500)


def log_unexpected(exc: BaseException) -> None:
    """Log where an unexpected error broke, never what it said (messages may carry submitted values)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in frames[-4:][::-1])
    log.error("unhandled %s at %s", type(exc).__name__, where)


def problem_response(err: DomainError) -> JSONResponse:
    headers = {"Retry-After": str(err.extra["retry_after"])} if "retry_after" in err.extra else None
    if err.status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(err.problem(), status_code=err.status, media_type=PROBLEM, headers=headers)


_HTTP_CODES = {
    404: ("NOT_FOUND", "请求的资源不存在"),
    405: ("METHOD_NOT_ALLOWED", "不支持该请求方法"),
    413: ("PAYLOAD_TOO_LARGE", "请求内容过大"),
    415: ("UNSUPPORTED_MEDIA_TYPE", "不支持的内容类型"),
}


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if p not in ("body",))


# Paths answered in JSON; every other path is a page, and its errors are pages too.
API_PREFIXES = ("/api/", "/healthz", "/openapi.json", "/docs", "/redoc")


def is_page(path: str) -> bool:
    return not path.startswith(API_PREFIXES)


def answer(request: Request, err: DomainError) -> Response:
    """The one rendering of an error: an HTML page for page routes, problem+json otherwise."""
    page = getattr(request.app.state, "error_page", None)
    if page is not None and is_page(request.url.path):
        return page(request, err)
    return problem_response(err)


def install_handlers(app: FastAPI) -> None:
    """Render every error the app raises with a stable code (problem+json, or a page for page routes)."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        return answer(request, exc)

    @app.exception_handler(BodyRefused)
    async def _body(request: Request, exc: BodyRefused) -> Response:
        return answer(request, exc.error)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = []
        malformed = False
        for e in exc.errors():
            if e.get("type") == "json_invalid":
                malformed = True
            errors.append(
                {"field": _field_path(tuple(e.get("loc", ()))), "code": e.get("type"),
                 "message": _zh_validation(e)}
            )
        if malformed:
            err = DomainError("REQUEST_JSON_MALFORMED", "请求体不是合法的 JSON", 400,
                              errors=errors)
        else:
            err = DomainError("REQUEST_INVALID", "请求参数不符合要求", 422, errors=errors)
        return answer(request, err)

    @app.exception_handler(IntegrityError)
    async def _conflict(request: Request, exc: IntegrityError) -> Response:
        log.warning("integrity conflict: %s", type(exc.orig).__name__)
        return answer(request, domain_error_of(exc))

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:
        log.warning("data refused by the database: %s", type(exc.orig).__name__)
        return answer(request, domain_error_of(exc))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> Response:
        log_unexpected(exc)
        return answer(request, domain_error_of(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code, message = _HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", "请求无法处理"))
        return answer(request, DomainError(code, message, exc.status_code))


def _zh_validation(e: dict[str, Any]) -> str:
    kind = e.get("type", "")
    if kind == "missing":
        return "缺少必填项"
    if kind == "json_invalid":
        return "JSON 格式错误"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "类型不正确"
    if kind.startswith("too_long") or kind == "too_long":
        return "数量或长度超过上限"
    if kind == "extra_forbidden":
        return "不允许的字段"
    return "取值不符合要求"


def _problem_example(code: str, message: str, status: int) -> dict[str, Any]:
    return {
        "description": message,
        "content": {PROBLEM: {
            "schema": {"type": "object", "properties": {
                "type": {"type": "string"}, "title": {"type": "string"},
                "status": {"type": "integer"}, "code": {"type": "string"},
                "detail": {"type": "string"}}},
            "example": DomainError(code, message, status).problem(),
        }},
    }


# Documented on every router so the OpenAPI text shows what errors look like.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _problem_example("REQUEST_JSON_MALFORMED", "请求体不是合法的 JSON", 400),
    401: _problem_example("AUTH_REQUIRED", "请先登录或提供调用凭证", 401),
    404: _problem_example("NOT_FOUND", "请求的资源不存在", 404),
    422: _problem_example("REQUEST_INVALID", "请求参数不符合要求", 422),
}
