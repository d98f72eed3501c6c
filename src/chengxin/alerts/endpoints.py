"""Alert API for auditors: list alerts, acknowledge one with a note."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from chengxin.alerts import service
from chengxin.alerts.models import Alert
from chengxin.alerts.rules import RULES
from chengxin.alerts.schemas import AcknowledgeIn, AlertOut, AlertPage
from chengxin.callers import Caller, permit
from chengxin.clock import utcnow
from chengxin.deps import SessionDep
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.params import Int64

router = APIRouter(prefix="/api/v1/alerts", tags=["异常使用告警"], responses=PROBLEM_RESPONSES)


def alert_out(a: Alert) -> AlertOut:
    return AlertOut(
        id=a.id, rule=a.rule, rule_label=RULES.get(a.rule, a.rule), subject=a.subject, account_id=a.account_id,
        department_code=a.department_code, ip=a.ip, window_start=a.window_start, window_end=a.window_end,
        count=a.count, threshold=a.threshold, message=a.message, detail=a.detail, status=a.status,
        status_label=service.STATUSES.get(a.status, a.status), raised_at=a.raised_at, updated_at=a.updated_at,
        acknowledged_at=a.acknowledged_at, acknowledged_by=a.acknowledged_by, note=a.note)


@router.get("", response_model=AlertPage, summary="异常使用告警列表")
def list_alerts(
    caller: Annotated[Caller, permit("alerts.read")], session: SessionDep,
    status: Annotated[Literal["open", "acknowledged"] | None,
                      Query(description="open 待处理，acknowledged 已确认；缺省为全部")] = None,
    rule: Annotated[str | None, Query(max_length=32, description="按规则筛选，如 volume_spike")] = None,
    limit: Annotated[Int64, Query(ge=1, le=500)] = 100,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> AlertPage:
    """按时间倒序列出异常使用告警（只含账号、部门、地址与次数，不含个人信息）。"""
    total, found = service.listing(session, status, rule, limit, offset)
    return AlertPage(total=total, alerts=[alert_out(a) for a in found])


@router.post("/{alert_id}/acknowledge", response_model=AlertOut, summary="确认告警")
def acknowledge(
    body: AcknowledgeIn, caller: Annotated[Caller, permit("alerts.acknowledge")], session: SessionDep,
    alert_id: Annotated[str, Path(max_length=26)],
) -> AlertOut:
    """审计员确认已核实一条告警，并填写核实情况或处理说明。"""
    by = caller.account_id or caller.role
    return alert_out(service.acknowledge(session, alert_id, by, body.note, utcnow()))
