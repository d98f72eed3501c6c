"""A leaner route handler for the hottest JSON route (the single check).

FastAPI answers a request through its generic handler: it solves the route's dependency tree
(the permission, the body, the request), parses the body with the `json` module and then
validates the parsed object, and sets up the context a dependency with `yield` would need.
For a route whose endpoint has exactly the shape `endpoint(body: Model, request: Request,
caller: Annotated[Caller, permit("...")])`, `HandParsedRoute` (FastAPI's documented extension
point, a custom `APIRoute` class) does the same work by hand: the permission's dependency is
called as the generic handler would call it, the body is validated straight from its bytes by
the model (pydantic parses and validates in one pass), and the endpoint is called. The route is
documented, authorised and validated exactly as before (the OpenAPI document comes from the
same endpoint and model); errors are raised as the generic handler raises them
(`RequestValidationError` with `("body", ...)` locations, or the permission's `DomainError`),
so the app's error handlers answer them alike. The check tests run through it.

`HotRouteApp` goes one step further for these routes: it answers them in front of the app's
middleware stack (`HandParsedRoute.answer`), which in a server under load cost as much as the
check itself (Starlette's error and exception middleware, FastAPI's exit stack and telemetry
layers, the router, each a coroutine per request). What those layers do for such a request is
done here: the app's own exception handlers answer every error, looked up by exception class as
Starlette's exception middleware does (an unexpected error gets the app's 500 answer and is
raised again for the server's log, as Starlette's server-error middleware does). The app's own
middleware (the security headers, the guard on request bodies) are declared by the app and
replicated through the hooks it passes; an app whose middleware differ from the ones declared
refuses to start, so a middleware added later cannot be skipped by accident. A request the
hooks do not admit (an oversized body) goes through the whole stack.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from chengxin.callers import Permit

JSON_TYPES = ("application/json",)


class HandParsedRoute(APIRoute):
    """`route_class_override=HandParsedRoute` for `endpoint(body, request, caller)` routes."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        model, body_name, request_name, caller_name, permit = _shape(self)
        endpoint = self.endpoint

        async def handle(request: Request) -> Response:
            caller = await permit(request)
            raw = await request.body()
            body = _validate(model, raw, request.headers.get("content-type"))
            return await endpoint(**{body_name: body, request_name: request, caller_name: caller})

        self.hand_parsed = handle
        return handle

    async def answer(self, app: FastAPI, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer a request of this route directly (`HotRouteApp`), errors by the app's handlers."""
        request = Request(scope, receive)
        try:
            response = await self.hand_parsed(request)
        except Exception as exc:
            handler, server_error = _handler_for(app, exc)
            if handler is None:
                raise
            response = handler(request, exc)
            if inspect.isawaitable(response):
                response = await response
            await response(scope, receive, send)
            if server_error:
                raise  # as Starlette's server-error middleware: answered, and raised for the log
            return
        await response(scope, receive, send)


def _handler_for(app: FastAPI, exc: Exception) -> tuple[Any, bool]:
    """The app's handler of `exc` as Starlette's middleware would pick it: by the exception's
    classes, nearest first; else the handler of 500 or Exception (a server error)."""
    handlers = app.exception_handlers
    for cls in type(exc).__mro__:
        if cls is Exception:
            break
        if cls in handlers:
            return _awaitable(handlers[cls]), False
    found = handlers.get(500) or handlers.get(Exception)
    return (None if found is None else _awaitable(found)), True


def _awaitable(handler: Any) -> Any:
    if inspect.iscoroutinefunction(handler):
        return handler
    return lambda request, exc: run_in_threadpool(handler, request, exc)


Hook = Callable[[Scope, Receive, Send], tuple[Receive, Send] | None]


class HotRouteApp(FastAPI):
    """A FastAPI app answering its `HandParsedRoute` routes in front of its middleware stack
    (see the module's docstring), once `serve_hot_routes` has declared how its middleware apply."""

    hot: dict[tuple[str, str], HandParsedRoute] | None = None
    hot_send: Hook | None = None
    hot_middleware = 0  # the number of middleware `serve_hot_routes` accounted for

    def serve_hot_routes(self, middleware: tuple[type, ...], send: Hook) -> None:
        """Answer the hand-parsed routes directly. `middleware`: the app's middleware classes,
        all of whose effect `send` replicates: it returns the `receive` and `send` to answer with
        (doing what the middleware do to the request and its answer), or None when the request
        must go through the whole stack."""
        present = tuple(m.cls for m in self.user_middleware)
        if sorted(map(repr, present)) != sorted(map(repr, middleware)):
            raise TypeError(f"hot routes replicate the middleware {middleware}, the app has {present}")
        self.hot_send = send
        self.hot_middleware = len(self.user_middleware)
        self.hot = {(method, route.path): route for route in self.router.routes
                    if isinstance(route, HandParsedRoute) for method in route.methods}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hot = self.hot
        if hot and scope["type"] == "http" and not self.root_path:
            route = hot.get((scope["method"], scope["path"]))
            if route is not None:
                if len(self.user_middleware) != self.hot_middleware:
                    raise RuntimeError("a middleware was added after serve_hot_routes: declare it there")
                scope["app"] = self
                wrapped = self.hot_send(scope, receive, send)  # type: ignore[misc]
                if wrapped is not None:
                    await route.answer(self, scope, *wrapped)
                    return
        await super().__call__(scope, receive, send)


def _shape(route: APIRoute) -> tuple[type[BaseModel], str, str, str, Permit]:
    """The endpoint's body model and parameter names, and its permission; refuses another shape."""
    dependant = route.dependant
    problem = f"{route.path}: HandParsedRoute needs endpoint(body: Model, request: Request, caller: permit(...))"
    if not inspect.iscoroutinefunction(route.endpoint):
        raise TypeError(problem + " (async)")
    if (len(dependant.body_params) != 1 or dependant.query_params or dependant.path_params
            or dependant.header_params or dependant.cookie_params or len(dependant.dependencies) != 1
            or dependant.request_param_name is None or route.dependencies):
        raise TypeError(problem)
    body = dependant.body_params[0]
    model = body.field_info.annotation
    dep = dependant.dependencies[0]
    if not (isinstance(model, type) and issubclass(model, BaseModel)) or not isinstance(dep.call, Permit) \
            or dep.dependencies or dep.name is None:
        raise TypeError(problem)
    return model, body.name, dependant.request_param_name, dep.name, dep.call


def _validate(model: type[BaseModel], raw: bytes, content_type: str | None) -> BaseModel:
    """The body as the generic handler would take it: JSON bodies only, errors under "body"."""
    if not raw:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required",
                                       "input": None}])
    if content_type is None or not _is_json(content_type):
        raise RequestValidationError([{"type": "model_attributes_type", "loc": ("body",),
                                       "msg": "Input should be a valid dictionary or object to extract fields from",
                                       "input": None}])
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                      for e in exc.errors(include_url=False, include_input=False)],
                                     body=None) from None


def _is_json(content_type: str) -> bool:
    main = content_type.partition(";")[0].strip().lower()
    kind, _, subtype = main.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))
