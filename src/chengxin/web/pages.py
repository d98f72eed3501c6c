"""The public home page, and the site's own pages every government website has: about (with contact and
a site map) and the privacy notice."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from chengxin.callers import permit
from chengxin.clock import today, utcnow
from chengxin.deps import SessionDep
from chengxin.disclosure import service as disclosure
from chengxin.disclosure.repository import COUNT_CAP
from chengxin.web.render import NAV, render

router = APIRouter(include_in_schema=False)
# The home page's figures are counted at most this often (each count reads every listed matter).
FIGURES_TTL = timedelta(minutes=5)


def _figures(request: Request, session: SessionDep) -> disclosure.Figures:
    state = request.app.state
    cached = getattr(state, "home_figures", None)
    now = utcnow()
    if cached is not None and cached[0] > now and cached[1].as_of == today():
        return cached[1]
    found = disclosure.figures(session, state.catalog, state.tiers, today())
    state.home_figures = (now + FIGURES_TTL, found)
    return found


def cached_figures(request: Request, session: SessionDep) -> disclosure.Figures:
    """Today's figures, counted at most every FIGURES_TTL: the home page's, and the totals of the public
    lists and records pages when nothing is searched (the same numbers on all three)."""
    return _figures(request, session)


@router.get("/", response_class=HTMLResponse, dependencies=[permit("public")])
def home(request: Request, session: SessionDep) -> HTMLResponse:
    """平台首页：查询框、今日在列的红黑名单与公示信息数，以及从哪里办理。"""
    state = request.app.state
    return render(request, "home.html", catalog=state.catalog, measures=state.measures,
                  figures=_figures(request, session), cap=COUNT_CAP)


@router.get("/about", response_class=HTMLResponse, dependencies=[permit("public")])
def about(request: Request) -> HTMLResponse:
    """关于本站：主办单位、联系方式、办理窗口与网站地图。"""
    public = [(href, label) for href, label, perm in NAV if perm == "public"]
    return render(request, "about.html", public=public)


@router.get("/privacy", response_class=HTMLResponse, dependencies=[permit("public")])
def privacy(request: Request) -> HTMLResponse:
    """隐私声明：本站处理哪些个人信息、为什么、保存多久、本人有哪些权利、怎样联系我们。"""
    return render(request, "privacy.html")
