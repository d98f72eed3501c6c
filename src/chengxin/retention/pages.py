"""The credit office's retention page: the rule in force and the report of each purge run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from chengxin.callers import Caller, permit
from chengxin.deps import CatalogDep, SessionDep, SettingsDep
from chengxin.retention import repository as repo
from chengxin.retention.rules import HOLD_LABELS, REASON_LABELS
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Caller, permit("retention.read")]

STATUS_LABELS = {"running": "进行中或已中断", "done": "已完成", "failed": "失败"}
TRIGGER_LABELS = {"job": "定时任务", "cli": "命令行"}


@router.get("/console/retention", response_class=HTMLResponse)
def retention_page(request: Request, caller: Reader, session: SessionDep, settings: SettingsDep,
                   catalog: CatalogDep) -> HTMLResponse:
    """到期删除：现行保存期与修复后删除的设置，最近各次删除的报告（删除了什么、多少、存档与暂缓）。"""
    names = {"LIST": "名单条目", **{code: item.name for code, item in catalog.items.items()}}
    return render(request, "retention/console.html", runs=repo.latest_runs(session, 20), settings=settings,
                  names=names, reasons=REASON_LABELS, holds=HOLD_LABELS, statuses=STATUS_LABELS,
                  triggers=TRIGGER_LABELS)
