"""Abnormal-use alerts as pages: the credit office and auditors read them, auditors acknowledge."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.accounts import service as accounts
from chengxin.alerts import service
from chengxin.alerts.endpoints import alert_out
from chengxin.alerts.schemas import AcknowledgeIn
from chengxin.callers import Caller, permit
from chengxin.clock import utcnow
from chengxin.deps import CatalogDep, SessionDep
from chengxin.params import Int64
from chengxin.web.forms import model_from_form
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, caller: Annotated[Caller, permit("alerts.read")], session: SessionDep,
                catalog: CatalogDep, status: Annotated[str, Query(max_length=16)] = "open",
                offset: Annotated[Int64, Query(ge=0)] = 0) -> HTMLResponse:
    """异常使用告警（只含账号、部门、地址与次数，不含个人信息）。"""
    status = status if status in service.STATUSES else ""
    total, found = service.listing(session, status or None, None, PAGE, offset)
    alerts = [alert_out(a) for a in found]
    names = accounts.account_names(session, [x for a in alerts for x in (a.account_id, a.acknowledged_by) if x])
    return render(request, "alerts/alerts.html", alerts=alerts, total=total, status=status,
                  statuses=service.STATUSES, offset=offset, page=PAGE, departments=catalog.departments,
                  may_acknowledge=caller.has("auditor"), names=names, message=_message)


def _message(text: str, names: dict[str, str], departments: dict[str, str]) -> str:
    """An alert's message as stored names accounts and departments by id and code: read with names."""
    for account_id, name in names.items():
        text = text.replace(account_id, name)
    for code, name in departments.items():
        text = text.replace(f"部门 {code}", name)
    return text


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_page(alert_id: str, caller: Annotated[Caller, permit("alerts.acknowledge")], session: SessionDep,
                     note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """审计员确认一条告警并填写核实情况。"""
    body = model_from_form(AcknowledgeIn, {"note": "核实情况"}, note=note.strip())
    service.acknowledge(session, alert_id, caller.account_id or caller.role, body.note, utcnow())
    return RedirectResponse("/alerts?status=acknowledged", status_code=303)
