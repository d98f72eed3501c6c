"""Pydantic shapes for checks and feedback."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CHECK_EXAMPLE = {
    "id_type": "citizen_id", "id_number": "11010519491231002X",
    "scenario": "civil_service_recruitment", "department": "human_resources",
    "business_ref": "2026年度公务员招录-000123", "purpose": "公务员招录资格审查",
}


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CHECK_EXAMPLE]})
    id_type: str = Field("citizen_id", description="证件类型")
    id_number: str = Field(..., min_length=1, max_length=64, description="证件号码")
    scenario: str = Field(..., max_length=48, description="业务场景编码，见 GET /api/v1/measures")
    department: str = Field(..., max_length=64, description="发起核查的部门编码（须与调用身份一致）")
    business_ref: str | None = Field(None, max_length=100, description="业务编号（便于反馈与审计）")
    purpose: str = Field(..., min_length=1, max_length=200, description="核查目的")


class ViaOut(BaseModel):
    uscc: str
    org_name: str
    role: str
    role_label: str


class SourceOut(BaseModel):
    kind: Literal["list_entry", "record"]
    id: str
    matter: str = Field(description="该名单条目或记录所属的事项编号（同一事项只计一次）")
    list_type: str | None
    list_label: str | None
    item_code: str | None
    item_name: str | None
    department_code: str
    department_name: str
    basis: str
    start: date
    holds_until: date | None = Field(description="有效至（含当日）")
    via: ViaOut | None = Field(None, description="通过所任职组织命中时的关联（R10）")


class HitOut(BaseModel):
    measure_code: str
    measure_name: str
    effect: Literal["punishment", "reward"]
    kind: str
    kind_label: str
    mandatory: bool
    blocking: bool = Field(description="是否据此拦截")
    disputed: bool = Field(description="是否异议处理中")
    status_label: str | None = Field(None, description="如“异议处理中”")
    legal_basis: str
    description: str
    implementing_departments: list[str]
    source: SourceOut | None
    condition: str | None = Field(None, description="激励条件（无来源条目时）")
    condition_label: str | None = None


class CheckOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "check_id": "01JD3Z8Q2W0000000000000000", "decision": "block", "decision_label": "拦截",
        "scenario": "civil_service_recruitment", "scenario_name": "公务员招录",
        "department_code": "human_resources", "business_ref": "2026年度公务员招录-000123",
        "checked_at": "2026-11-21T02:00:00Z", "as_of": "2026-11-21",
        "hits": [{
            "measure_code": "P-GWY-01", "measure_name": "不得录用为公务员", "effect": "punishment",
            "kind": "prohibition", "kind_label": "禁止", "mandatory": True, "blocking": True,
            "disputed": False, "status_label": None,
            "legal_basis": "《中华人民共和国公务员法》第二十六条", "description": "…",
            "implementing_departments": ["human_resources"], "condition": None,
            "condition_label": None,
            "source": {"kind": "list_entry", "id": "01JD3Z8Q2W0000000000000001",
                       "list_type": "black", "list_label": "严重失信主体名单", "item_code": "SFCP-01",
                       "item_name": "失信被执行人信息", "department_code": "court",
                       "department_name": "市中级人民法院", "basis": "…", "start": "2026-01-10",
                       "holds_until": "2028-01-10", "via": None},
        }],
    }]})
    check_id: str
    decision: Literal["block", "review", "green", "clear"]
    decision_label: str
    scenario: str
    scenario_name: str
    department_code: str
    business_ref: str | None
    checked_at: datetime
    as_of: date
    hits: list[HitOut]


class BatchCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "scenario": "public_institution_recruitment", "department": "human_resources",
        "business_ref": "2026年事业单位招聘", "purpose": "事业单位招聘资格审查",
        "identifiers": ["11010519491231002X", {"id_type": "citizen_id", "id_number": "110101199003070011",
                                               "ref": "报名号-0002"}],
    }]})
    scenario: str = Field(..., max_length=48)
    department: str = Field(..., max_length=64)
    business_ref: str | None = Field(None, max_length=100)
    purpose: str = Field(..., min_length=1, max_length=200)
    identifiers: list[Any] = Field(
        ..., description="证件号码，或 {id_type, id_number, ref} 对象；最多 100,000 个")


class FeedbackItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measure_code: str = Field(..., max_length=32)
    outcome: Literal["applied", "not_applied", "overturned"]
    reason: str | None = Field(None, max_length=2000, description="未实施或撤销实施时必填")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "items": [{"measure_code": "P-GWY-01", "outcome": "applied"}]}]})
    items: list[FeedbackItem] = Field(..., min_length=1, max_length=200)


class FeedbackOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "check_id": "01JD3Z8Q2W0000000000000000", "recorded": 1}]})
    check_id: str
    recorded: int


class RateRow(BaseModel):
    department_code: str
    department_name: str
    measure_code: str
    measure_name: str
    hits: int
    answered: int
    rate: float
    outcomes: dict[str, int]


class RatesOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"rows": [{
        "department_code": "human_resources", "department_name": "市人力资源和社会保障局",
        "measure_code": "P-GWY-01", "measure_name": "不得录用为公务员", "hits": 10, "answered": 8,
        "rate": 0.8, "outcomes": {"applied": 7, "not_applied": 1, "overturned": 0}}]}]})
    rows: list[RateRow]
