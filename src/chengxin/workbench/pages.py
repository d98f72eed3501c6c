"""The staff workbench (工作台): where every console role lands after signing in."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from chengxin.callers import Caller, permit
from chengxin.clock import today
from chengxin.deps import SessionDep
from chengxin.web.render import render
from chengxin.workbench import repository as repo
from chengxin.workbench import service
from chengxin.workbench.rules import shown

router = APIRouter(include_in_schema=False)


@router.get("/console", response_class=HTMLResponse)
def workbench(request: Request, caller: Annotated[Caller, permit("workbench")], session: SessionDep) -> HTMLResponse:
    """工作台：本岗位今天要办的事（异议、修复、举报、告警、信息冲突、待反馈）的件数和入口。"""
    todos = service.todos(session, caller, today())
    return render(request, "workbench/workbench.html", todos=todos, shortcuts=service.shortcuts(caller),
                  waiting=sum(t.count for t in todos), shown=lambda n: shown(n, repo.CAP))
