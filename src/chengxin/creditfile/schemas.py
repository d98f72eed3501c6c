"""Pydantic shapes of the credit file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chengxin.identity.rules import ID_TYPES


class FileQuery(BaseModel):
    """Ask for a file by identifier (in the body, so the number never lands in a URL log)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [
            {"id_type": "citizen_id", "id_number": "11010519491231002X",
             "as_of": "2026-06-30", "history": False,
             "purpose": "行政许可审查"}
        ]},
    )
    id_type: str = Field("citizen_id", description="证件类型：" + "、".join(
        f"{k}（{v}）" for k, v in ID_TYPES.items()))
    id_number: str = Field(..., min_length=1, max_length=64, description="证件号码")
    as_of: date | None = Field(None, description="查看该日的档案；缺省为今天")
    history: bool = Field(False, description="是否附带各条记录的历史版本")
    purpose: str | None = Field(None, max_length=200, description="查询目的（记入查询日志）")


class FieldValue(BaseModel):
    name: str
    label: str
    value: Any


class PublicityOut(BaseModel):
    status: str = Field(description="in_publicity | ended | not_published | no_period | revoked")
    label: str
    ends_on: date | None = Field(None, description="公示截止日（含当日）")
    min_ends_on: date | None = Field(None, description="最短公示期届满日")


class RecordVersion(BaseModel):
    version: int
    recorded_at: datetime
    superseded_at: datetime | None
    decision_date: date
    severity: str | None
    fields: list[FieldValue]


class RecordOut(BaseModel):
    id: str
    item_code: str
    item_name: str
    category: str
    nature: str
    nature_label: str
    severity: str | None
    severity_label: str | None
    severity_reason: str | None
    decision_date: date
    department_code: str
    department_name: str
    source_record_id: str
    version: int
    recorded_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None
    disputed: bool = Field(False, description="是否异议处理中")
    status_label: str | None = Field(None, description="处理状态标注，如“异议处理中”“已信用修复”")
    repaired_at: datetime | None = Field(None, description="信用修复完成时间（停止公示、共享和惩戒）")
    disclosure: str
    legal_basis: str
    publicity: PublicityOut
    fields: list[FieldValue]
    versions: list[RecordVersion] | None = None


class CategoryOut(BaseModel):
    code: str
    name: str
    records: list[RecordOut]


class IdentityOut(BaseModel):
    id_type: str
    id_type_label: str
    id_number: str = Field(description="证件号码；无权查看时已脱敏")
    masked: bool
    name: str
    sex: str | None
    sex_label: str | None
    birth_year: int | None
    region_code: str | None
    region_name: str | None


class OrganisationOut(BaseModel):
    uscc: str
    name: str
    roles: list[str]
    role_labels: list[str]
    records: list[RecordOut]


class SummaryOut(BaseModel):
    total: int
    positive: int
    negative: int
    neutral: int
    in_publicity: int


class CreditFile(BaseModel):
    """A person's credit file as it stood on `as_of`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "person_key": "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e",
        "as_of": "2026-11-21",
        "identity": {"id_type": "citizen_id", "id_type_label": "居民身份证",
                     "id_number": "1101**********002X", "masked": True, "name": "张*",
                     "sex": "female", "sex_label": "女", "birth_year": 1949,
                     "region_code": "110105", "region_name": "北京市朝阳区"},
        "summary": {"total": 1, "positive": 0, "negative": 1, "neutral": 0, "in_publicity": 1},
        "categories": [], "organisations": [],
    }]})
    person_key: str
    as_of: date
    identity: IdentityOut
    summary: SummaryOut
    categories: list[CategoryOut]
    organisations: list[OrganisationOut]
