"""Tip-off API shapes: the public sees status and result, never the content of others' tip-offs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from chengxin.cases.schemas import EventOut, EvidenceOut

RECEIPT_EXAMPLE = {"tracking_no": "JB7K2M9QX4TR8P", "status": "received", "status_label": "已受理",
                   "received_at": "2026-11-21T02:00:00Z",
                   "notice": "请妥善保存受理编号，凭编号查询办理进度；平台对举报人信息严格保密。"}


class TipoffReceipt(BaseModel):
    tracking_no: str = Field(description="受理编号（只显示这一次，凭此查询进度）")
    status: str
    status_label: str
    received_at: datetime
    notice: str

    model_config = {"json_schema_extra": {"examples": [RECEIPT_EXAMPLE]}}


class TipoffStatus(BaseModel):
    category_label: str
    status: str
    status_label: str
    received_at: datetime
    updated_at: datetime
    result: str | None = Field(description="办结后的处理结果")
    outcome: str | None = Field(None, description="办结方式：transferred 转办 / rejected 不予受理 / resolved 办结")
    outcome_label: str | None = None
    outcome_text: str | None = Field(None, description="告知举报人的办理结果（一句话）")
    steps: list[dict[str, str]] = Field(description="办理过程（时间、环节）")

    model_config = {"json_schema_extra": {"examples": [{
        "category_label": "失信行为线索", "status": "handling", "status_label": "处理中",
        "received_at": "2026-11-21T02:00:00Z", "updated_at": "2026-11-22T02:00:00Z", "result": None,
        "steps": [{"at": "2026-11-21T02:00:00Z", "label": "受理"}]}]}}


class TipoffOut(BaseModel):
    id: str
    category: str
    category_label: str
    subject_name: str
    content: str
    contact: str | None
    status: str
    status_label: str
    result: str | None
    outcome: str | None = Field(None, description="办结方式：transferred 转办 / rejected 不予受理 / resolved 办结")
    outcome_label: str | None = None
    transferred_to: str | None = Field(None, description="转办的承办部门代码")
    transferred_to_name: str | None = None
    received_at: datetime
    updated_at: datetime
    events: list[EventOut] | None = None
    evidence: list[EvidenceOut] | None = None

    model_config = {"json_schema_extra": {"examples": [{
        "id": "01JC0D1A2B3C4D5E6F7G8H9J0K", "category": "dishonesty", "category_label": "失信行为线索",
        "subject_name": "某餐饮店", "content": "该店长期使用过期食材……", "contact": None, "status": "received",
        "status_label": "已受理", "result": None, "received_at": "2026-11-21T02:00:00Z",
        "updated_at": "2026-11-21T02:00:00Z", "events": None, "evidence": None}]}}


class TipoffList(BaseModel):
    tipoffs: list[TipoffOut]

    model_config = {"json_schema_extra": {"examples": [{"tipoffs": []}]}}


class HandleIn(BaseModel):
    status: Literal["handling", "closed"]
    note: str = Field("", max_length=2000, description="处理说明；办结时为告知举报人的处理结果，不予受理时为理由")
    outcome: Literal["transferred", "rejected", "resolved"] | None = Field(
        None, description="办结方式（status 为 closed 时）：transferred 转办 / rejected 不予受理 / resolved 办结")
    department: str | None = Field(None, max_length=64, description="转办的承办部门代码（转办时必填）")

    model_config = {"json_schema_extra": {"examples": [{"status": "closed", "note": "已移交市场监管部门依法处理。"}]}}
