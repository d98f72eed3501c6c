"""Pydantic shapes for conflicts and their resolution."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class RoleOut(BaseModel):
    role: str
    role_label: str
    person_key: str
    name: str
    id_number: str
    since: str | None


class RegistryCheckOut(BaseModel):
    """The population registry's answer for a person-name conflict (the credit office's eyes only)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "source": "演示户籍库", "demo": True, "result": "name_differs", "confirms": "platform",
        "registry_name": "张三", "reason": None, "summary": "户籍核验：与户籍一致的是“张三”（平台登记的姓名）",
        "checked_at": "2026-11-18T02:05:00Z"}]})
    source: str = Field(description="作答的户籍库：演示户籍库（演示）或人口基础信息库")
    demo: bool = Field(description="是否为演示户籍库（姓名按号码推算，不是真实户籍信息）")
    result: Literal["match", "name_differs", "not_found", "unavailable"] = Field(
        description="以平台登记的姓名核验的结果：match 一致 / name_differs 不一致 / not_found 无此号码 / "
                    "unavailable 未能核验")
    confirms: Literal["platform", "department", "neither"] | None = Field(
        description="户籍确认的是哪个姓名：platform 平台登记的 / department 部门报送的 / neither 都不是；"
                    "未能核验或无此号码时为空")
    registry_name: str | None = Field(description="户籍登记的姓名（仅信用办可见）")
    reason: str | None = Field(description="未能核验或无此号码的原因")
    summary: str = Field(description="给信用办看的一句话，如“户籍核验：与户籍一致的是‘张三’”")
    checked_at: datetime = Field(description="户籍库作答的时间")


_EXAMPLE = {
    "id": "01JD5Q9X3M7T2B8C4D6E8F0G1H", "kind": "person_name", "kind_label": "自然人姓名",
    "status": "open", "status_label": "待核实", "person_key": "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e",
    "id_number": "11010519491231002X", "uscc": None, "name_now": "张三",
    "name_source": "submitted", "name_source_label": "部门报送（未经核实）",
    "current_value": "张三", "claimed_value": "张叁", "current_roles": None, "claimed_roles": None,
    "department_code": "market_regulation", "department_name": "市市场监督管理局",
    "origin": "record", "origin_label": "信用记录", "item_code": "XZCF-01",
    "source_record_id": "SCJG-2026-000001", "batch_id": "01JD5Q9X3M7T2B8C4D6E8F0G1J", "occurrences": 1,
    "raised_at": "2026-11-18T02:00:00Z", "last_seen_at": "2026-11-18T02:00:00Z",
    "resolved_at": None, "resolved_by": None, "resolved_value": None, "resolution_note": None,
    "registry": None,
}


class ConflictOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})
    id: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    person_key: str | None = Field(description="自然人姓名冲突：本人的主体键")
    id_number: str | None = Field(description="自然人姓名冲突：证件号码（信用办可见全文）")
    uscc: str | None = Field(description="组织的冲突：统一社会信用代码")
    name_now: str | None = Field(description="平台现登记的姓名或组织名称")
    name_source: str | None = Field(
        description="自然人：现登记姓名的来源（submitted / registry / identity_provider / office）")
    name_source_label: str | None
    current_value: str | None = Field(description="冲突发生时平台登记的内容")
    claimed_value: str = Field(description="部门报送的不同内容（组织责任人为 JSON）")
    current_roles: list[RoleOut] | None = None
    claimed_roles: list[RoleOut] | None = None
    department_code: str
    department_name: str
    origin: str
    origin_label: str
    item_code: str | None
    source_record_id: str | None
    batch_id: str | None
    occurrences: int = Field(description="同一部门报送同一不同内容的次数")
    raised_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolved_value: str | None
    resolution_note: str | None
    registry: RegistryCheckOut | None = Field(
        None, description="自然人姓名冲突：户籍核验的答复（查看单项待核实冲突或按户籍信息处理时向户籍库核验；"
                          "队列中不核验，未配置户籍核验时为空）")


class ConflictsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"open_total": 1, "conflicts": [_EXAMPLE]}]})
    open_total: int = Field(description="待核实的冲突总数")
    conflicts: list[ConflictOut]


class ResolutionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"decision": "keep", "note": "经核对户籍登记信息，报送部门录入有误，已通知其更正"},
        {"decision": "correct", "value": "张三", "note": "经核对户籍登记信息更正"},
        {"decision": "registry", "note": ""},
    ]})
    decision: Literal["keep", "accept", "correct", "registry"] = Field(
        description="keep 维持平台登记 / accept 采用报送内容 / correct 更正为信用办核实的内容（仅名称）/ "
                    "registry 按户籍信息处理（仅自然人姓名：当即向户籍库核验，姓名设为户籍登记的姓名，"
                    "核验答复写入核实情况）")
    value: str | None = Field(None, max_length=200, description="decision 为 correct 时：核实后的姓名或组织名称")
    note: str = Field("", max_length=2000, description="核实情况（按户籍信息处理时可不填）")
