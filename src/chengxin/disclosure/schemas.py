"""Public disclosure API shapes: identities masked (R8), nothing more than the public may see."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class PublicField(BaseModel):
    label: str
    value: str | int | float | bool | None


RECORD_EXAMPLE = {
    "id": "01JBZZ4F8M2K6T9W3X5Y7A1C3E", "subject_kind": "person",
    "name": "张*", "id_number": "1101**********0012", "item_code": "XZCF-01",
    "item_name": "行政处罚信息", "category": "XZCF", "nature": "negative", "nature_label": "失信",
    "severity_label": "一般", "decision_date": "2026-05-20", "department_name": "市市场监督管理局",
    "legal_basis": "《中华人民共和国行政处罚法》", "publicity_ends_on": "2027-05-20", "disputed": False,
    "status_label": None, "fields": [{"label": "处罚类别", "value": "罚款"}],
}
ENTRY_EXAMPLE = {
    "id": "01JBZZ9Q1W2E3R4T5Y6U7I8O9P", "subject_kind": "person", "name": "赵*", "id_number": "1101**********0034",
    "list_type": "black", "list_label": "严重失信主体名单", "item_name": "失信被执行人信息",
    "behaviour": "失信被执行人信息：有履行能力而拒不履行生效法律文书确定义务",
    "basis": "失信被执行人", "department_name": "市中级人民法院",
    "start_date": "2026-01-10", "planned_end": "2028-01-10", "disputed": False, "status_label": None,
}


class PublicRecord(BaseModel):
    id: str
    subject_kind: str = Field("person", description="person 自然人 / organisation 单位")
    name: str = Field(description="自然人姓名（已脱敏，仅显示姓氏）或单位名称（全称）")
    id_number: str = Field(description="自然人证件号码（已脱敏）或单位的统一社会信用代码（全码）")
    item_code: str
    item_name: str
    category: str
    nature: str
    nature_label: str
    severity_label: str | None
    decision_date: date
    department_name: str
    legal_basis: str
    publicity_ends_on: date | None = Field(None, description="公示截止日（含当日）；无期限的为空")
    list_label: str | None = Field(None, description="该事项当日所在的名单（如严重失信主体名单）")
    disputed: bool = Field(description="是否异议处理中")
    status_label: str | None
    fields: list[PublicField]

    model_config = {"json_schema_extra": {"examples": [RECORD_EXAMPLE]}}


class PublicRecordPage(BaseModel):
    as_of: date
    has_more: bool = Field(description="是否还有下一页")
    total: int = Field(0, description="符合条件的条数（超过 10000 时为 10001，表示“一万条以上”）")
    records: list[PublicRecord]

    model_config = {"json_schema_extra": {"examples": [{"as_of": "2026-11-21", "has_more": False,
                                                        "total": 1, "records": [RECORD_EXAMPLE]}]}}


class PublicEntry(BaseModel):
    id: str
    subject_kind: str = Field("person", description="person 自然人 / organisation 单位")
    name: str = Field(description="自然人姓名（已脱敏）或单位名称（全称）")
    id_number: str = Field(description="自然人证件号码（已脱敏）或单位的统一社会信用代码（全码）")
    list_type: str
    list_label: str
    item_name: str | None = Field(None, description="名单所依据的目录信息项")
    behaviour: str = Field("", description="列入名单的行为或事由（目录项名称与记录中的情形）")
    basis: str
    department_name: str
    start_date: date
    planned_end: date | None
    disputed: bool
    status_label: str | None


class PublicEntryPage(BaseModel):
    as_of: date
    has_more: bool
    total: int = Field(0, description="符合条件的条数（超过 10000 时为 10001，表示“一万条以上”）")
    counts: dict[str, int] = Field(default_factory=dict,
                                   description="按名单的条数（black、red），查询条件相同；超过 10000 时为 10001")
    entries: list[PublicEntry]

    model_config = {"json_schema_extra": {"examples": [{"as_of": "2026-11-21", "has_more": False,
                                                        "total": 1, "counts": {"black": 1, "red": 0},
                                                        "entries": [ENTRY_EXAMPLE]}]}}
