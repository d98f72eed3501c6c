"""Pydantic shapes for alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_ALERT_EXAMPLE = {
    "id": "01JD3Z8Q2W0000000000000001", "rule": "volume_spike", "rule_label": "查询量异常放大",
    "subject": "account:01JD3Z8Q2W00000000000000AB", "account_id": "01JD3Z8Q2W00000000000000AB",
    "department_code": "human_resources", "ip": None,
    "window_start": "2026-11-21T02:00:00+00:00", "window_end": "2026-11-21T03:00:00+00:00",
    "count": 2400, "threshold": 300,
    "message": "账号 01JD3Z8Q2W00000000000000AB（部门 human_resources）在一小时内查询 2400 次，超过其近 14 天常态"
               "（活跃小时中位数 30 次）的 10 倍与下限 200",
    "detail": {"usual": 30.0, "factor": 10.0, "floor": 200}, "status": "open", "status_label": "待处理",
    "raised_at": "2026-11-21T02:41:00+00:00", "updated_at": "2026-11-21T02:58:00+00:00",
    "acknowledged_at": None, "acknowledged_by": None, "note": None,
}


class AlertOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_ALERT_EXAMPLE]})
    id: str
    rule: str
    rule_label: str
    subject: str = Field(description="告警对象：account:账号、department:部门、ip:地址")
    account_id: str | None
    department_code: str | None
    ip: str | None
    window_start: datetime
    window_end: datetime
    count: int
    threshold: int
    message: str
    detail: dict[str, Any]
    status: str
    status_label: str
    raised_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    note: str | None


class AlertPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"total": 1, "alerts": [_ALERT_EXAMPLE]}]})
    total: int
    alerts: list[AlertOut]


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"note": "已与人社局核实：年度招录集中核查，属正常业务。"}]})
    note: str = Field(..., min_length=1, max_length=2000, description="核实情况或处理说明")
