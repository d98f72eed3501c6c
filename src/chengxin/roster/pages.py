"""Roster pages (职业信用档案): the same service as the API, one occupation a page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chengxin.callers import Caller, permit
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, writes
from chengxin.params import Int64
from chengxin.roster import service
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/console/roster", response_class=HTMLResponse)
@writes
def roster_page(request: Request, caller: Annotated[Caller, permit("roster.read")], session: SessionDep,
                keys: KeysDep, catalog: CatalogDep, occupation: Annotated[str, Query(max_length=40)] = "",
                page: Annotated[Int64, Query(ge=1, le=1000)] = 1) -> HTMLResponse:
    """职业信用档案：选择职业人群，分页查看在册人员（脱敏）及其失信事项数；查看即记入查询日志。"""
    choices = service.visible(catalog, caller)
    chosen = occupation if occupation in choices else ""
    result = (service.roster(session, keys, catalog, caller, chosen, today(), PAGE, (page - 1) * PAGE)
              if chosen else None)
    pages = -(-result.total // PAGE) if result else 0
    return render(request, "roster/roster.html", choices=choices, chosen=chosen, result=result, page=page,
                  pages=pages)
