"""The staff workbench (工作台): where every console role lands after signing in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from chengxin.accounts.rules import allowed
from chengxin.callers import Caller, permit
from chengxin.clock import today
from chengxin.deps import CatalogDep, SessionDep, SettingsDep
from chengxin.exchange.pages import overdue_ends
from chengxin.web.render import render
from chengxin.workbench import repository as repo
from chengxin.workbench import service
from chengxin.workbench.rules import shown

router = APIRouter(include_in_schema=False)


@router.get("/console", response_class=HTMLResponse)
def workbench(request: Request, caller: Annotated[Caller, permit("workbench")], session: SessionDep,
              settings: SettingsDep, catalog: CatalogDep) -> HTMLResponse:
    """工作台：本岗位今天要办的事（异议、修复、举报、告警、信息冲突、待反馈）的件数和入口；信用办另见
    逾期未获相邻平台确认的撤销、修复通知。"""
    todos = service.todos(session, caller, today())
    # Operators answer for the exchange (they can send again); an end a neighbour has not confirmed
    # means a repaired person may still be listed there (R14).
    overdue = overdue_ends(session, settings, catalog) if allowed("exchange.manage", caller.roles) else []
    return render(request, "workbench/workbench.html", todos=todos, shortcuts=service.shortcuts(caller),
                  waiting=sum(t.count for t in todos), shown=lambda n: shown(n, repo.CAP), overdue=overdue,
                  ack_hours=settings.exchange_ack_hours)
