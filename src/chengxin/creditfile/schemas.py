"""Pydantic shapes of the credit file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chengxin.explanations.schemas import ExplanationOut
from chengxin.identity.rules import ID_TYPES
from chengxin.remedies.schemas import AppealOut, ExtensionOut


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
    status: str = Field(description="in_publicity | ended | not_published | no_period | revoked | repaired | "
                                    "court_deleted")
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
    """The record a matter comes from: its live version's content (and its history if asked)."""

    id: str
    source_record_id: str
    version: int
    recorded_at: datetime
    severity_reason: str | None
    fields: list[FieldValue]
    versions: list[RecordVersion] | None = None


class ListingOut(BaseModel):
    """The matter's place on a list."""

    list_type: str = Field(description="black 严重失信主体名单 / red 守信激励对象名单 / watch 重点关注名单")
    list_label: str
    start_date: date
    planned_end: date | None = Field(None, description="列入期限届满日（含当日）")
    listed: bool = Field(description="当日是否在列")
    status_label: str = Field(description="在列、期限届满、已移出（撤销、信用修复、法院删除）等")


class ActionOut(BaseModel):
    """Whether the person can take a step on the matter now, and if not, why (and from when)."""

    allowed: bool
    reason: str | None = None
    earliest: date | None = None


class ActionsOut(BaseModel):
    objection: ActionOut
    repair: ActionOut


class MatterOut(BaseModel):
    """One matter (失信事项 / 守信事项): one card, one state, one set of actions."""

    id: str = Field(description="事项编号；列入名单的事项，名单条目编号与之相同")
    origin: str = Field(description="record 来自部门报送的信用记录 / direct 部门直接列入名单")
    item_code: str | None
    item_name: str
    category: str
    nature: str
    nature_label: str
    severity: str | None
    severity_label: str | None
    start_date: date = Field(description="决定日期或列入日期")
    department_code: str
    department_name: str
    domain: str | None = Field(None, description="所属领域编码（依目录项、处罚领域字段或报送部门确定）；"
                                                 "限定领域的惩戒措施据此适用")
    legal_basis: str
    reference: str | None = None
    disclosure: str
    state: str = Field(description="in_effect 有效 / pending 未生效 / term_ended 期限届满 / revoked 已撤销 / "
                                   "repaired 已信用修复 / court_deleted 已由人民法院删除")
    state_label: str
    ended_on: date | None = None
    end_note: str | None = None
    disputed: bool = Field(False, description="是否异议处理中")
    repair_pending: bool = Field(False, description="是否有在办的信用修复申请")
    status_label: str | None = Field(None, description="处理状态标注，如“异议处理中”“修复申请处理中”“已信用修复”")
    listing: ListingOut | None = None
    publicity: PublicityOut
    record: RecordOut | None = None
    actions: ActionsOut | None = Field(None, description="本人可办理的事项（仅本人查看时给出）")
    explanation: ExplanationOut | None = Field(None, description="本人对该事项的解释（自主解释），随事项一并显示")
    extension: ExtensionOut | None = Field(None, description="最近一次延期履行申请及其结果")
    appeal: AppealOut | None = Field(None, description="行政复议或行政诉讼（进行中的，或最近一次的结果）")


class CategoryOut(BaseModel):
    code: str
    name: str
    matters: list[MatterOut]


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
    matters: list[MatterOut]


class SummaryOut(BaseModel):
    total: int
    positive: int
    negative: int
    neutral: int
    in_publicity: int
    listed: dict[str, int] = Field(default_factory=dict, description="当日在列的事项数，按名单")


class ReferenceOut(BaseModel):
    """A record from a source that is only a reference (R15): never the basis of a platform measure."""

    id: str
    source: str
    source_name: str = Field(description="来源，如金融信用信息基础数据库、信用服务机构")
    item_name: str
    decision_date: date
    state: str = Field(description="in_effect（有效）或来源已撤销、修复的：revoked、repaired …")
    state_label: str
    note: str = Field(description="参考信息的说明：仅供实施措施的单位参考，不作为本平台联合奖惩措施的依据")


class CreditFile(BaseModel):
    """A person's credit file as it stood on `as_of`."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "person_key": "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e",
        "as_of": "2026-11-21",
        "identity": {"id_type": "citizen_id", "id_type_label": "居民身份证",
                     "id_number": "1101**********002X", "masked": True, "name": "张*",
                     "sex": "female", "sex_label": "女", "birth_year": 1949,
                     "region_code": "110105", "region_name": "北京市朝阳区"},
        "summary": {"total": 1, "positive": 0, "negative": 1, "neutral": 0, "in_publicity": 1, "listed": {}},
        "categories": [], "organisations": [],
    }]})
    person_key: str
    as_of: date
    identity: IdentityOut
    summary: SummaryOut
    references: list[ReferenceOut] = Field(default_factory=list, description="来自仅供参考来源的信息（R15），"
                                           "不计入概况、不作为本平台措施的依据")
    categories: list[CategoryOut]
    organisations: list[OrganisationOut]
