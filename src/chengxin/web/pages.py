"""The public home page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from chengxin.callers import permit
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse, dependencies=[permit("public")])
def home(request: Request) -> HTMLResponse:
    """平台首页：平台是什么、能做什么、从哪里进入。"""
    state = request.app.state
    return render(request, "home.html", catalog=state.catalog, measures=state.measures)
