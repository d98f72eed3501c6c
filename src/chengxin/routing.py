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
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError

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

        return handle


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
