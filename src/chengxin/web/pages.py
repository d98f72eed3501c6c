"""The public home page, and the site's own pages every government website has: about (with contact and
a site map) and the privacy notice."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chengxin.callers import permit
from chengxin.clock import today, utcnow
from chengxin.db import reading
from chengxin.deps import SessionDep, lag_tolerant
from chengxin.disclosure import service as disclosure
from chengxin.disclosure.repository import COUNT_CAP
from chengxin.web.render import NAV, render

router = APIRouter(include_in_schema=False)
# The home page's figures are counted at most this often (each count reads every listed matter).
FIGURES_TTL = timedelta(minutes=5)
_recounting = threading.Lock()
log = logging.getLogger(__name__)


def _figures(request: Request, session: SessionDep) -> disclosure.Figures:
    state = request.app.state
    cached = getattr(state, "home_figures", None)
    if cached is not None and cached[1].as_of == today():
        if cached[0] <= utcnow():
            recount_in_background(state)
        return cached[1]  # at most FIGURES_TTL and one recount old
    return count_figures(state, session)


def count_figures(state: Any, session: Session) -> disclosure.Figures:
    """Count today's figures now and keep them for FIGURES_TTL."""
    found = disclosure.figures(session, state.catalog, state.tiers, today())
    state.home_figures = (utcnow() + FIGURES_TTL, found)
    return found


def recount_in_background(state: Any) -> None:
    """Recount the figures in a thread of its own: on a large database the five counts take a few
    hundred milliseconds, which no visitor should wait for (the figures already shown stay until
    the new ones are in). One recount at a time per process."""
    if not _recounting.acquire(blocking=False):
        return

    def run() -> None:
        try:
            with reading(state.sessionmaker) as session:
                count_figures(state, session)
        except Exception as exc:  # the next visit after FIGURES_TTL tries again
            log.warning("could not recount the home page's figures: %s", type(exc).__name__)
        finally:
            _recounting.release()

    threading.Thread(target=run, name="recount-figures", daemon=True).start()


def cached_figures(request: Request, session: SessionDep) -> disclosure.Figures:
    """Today's figures, counted at most every FIGURES_TTL: the home page's, and the totals of the public
    lists and records pages when nothing is searched (the same numbers on all three)."""
    return _figures(request, session)


@router.get("/", response_class=HTMLResponse, dependencies=[permit("public")])
@lag_tolerant
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
