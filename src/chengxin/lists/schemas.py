"""Pydantic shapes for list entries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class DirectEntryIn(BaseModel):
    """A list entry made directly by the listing department (not from a record)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "list_type": "black", "id_type": "citizen_id", "id_number": "11010519491231002X",
        "name": "张三", "basis": "《保障农民工工资支付条例》第四十八条",
        "reference": "人社失信〔2026〕12号", "start_date": "2026-10-01", "severity": "serious"}]})
    list_type: Literal["black", "red", "watch"]
    id_type: str = "citizen_id"
    id_number: str | None = Field(None, max_length=64)
    name: str | None = Field(None, max_length=100)
    uscc: str | None = Field(None, max_length=18)
    org_name: str | None = Field(None, max_length=200)
    basis: str = Field(..., min_length=1, max_length=2000, description="列入依据")
    reference: str | None = Field(None, max_length=100, description="认定文书编号")
    start_date: date
    planned_end: date | None = Field(None, description="计划移出日；缺省按名单期限")
    severity: Literal["minor", "general", "serious"] | None = None
    item_code: str | None = Field(None, max_length=32, description="目录项编码（须声明该名单）；"
                                  "人民法院列入黑名单缺省为 SFCP-01 失信被执行人信息")


class ExitIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"reason": "court_deleted", "note": "被执行人已履行全部义务"}]})
    reason: Literal["revoked", "court_deleted", "repaired"]
    note: str = Field(..., min_length=1, max_length=2000)


class EntryOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "01JD3Z8Q2W0000000000000001", "subject_key": "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e",
        "subject_kind": "person", "list_type": "black", "list_label": "严重失信主体名单",
        "source": "record", "department_code": "court", "item_code": "SFCP-01",
        "severity": "serious", "basis": "…", "reference": "(2026)京0105执123号",
        "start_date": "2026-01-10", "planned_end": "2028-01-10", "status": "active",
        "status_label": "在列", "exited_on": None, "exit_reason": None, "exit_label": None,
        "disputed": False, "updated_at": "2026-01-10T02:00:00Z"}]})
    id: str
    subject_key: str
    subject_kind: str
    list_type: str
    list_label: str
    source: str
    department_code: str
    item_code: str | None
    severity: str | None
    basis: str
    reference: str | None
    start_date: date
    planned_end: date | None
    status: str
    status_label: str
    exited_on: date | None
    exit_reason: str | None
    exit_label: str | None
    disputed: bool
    updated_at: datetime


class EntriesOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"entries": [], "as_of": "2026-11-21"}]})
    as_of: date
    entries: list[EntryOut]
