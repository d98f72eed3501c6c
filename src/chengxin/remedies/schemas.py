"""Extension and appeal API shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from chengxin.remedies import rules
from chengxin.remedies.models import Appeal, Extension

EXTENSION_EXAMPLE = {
    "id": "01JC0C1A2B3C4D5E6F7G8H9J0K", "matter_id": "01JBZZ4F8M2K6T9W3X5Y7A1C3E",
    "department_code": "market_regulation", "obligation": "缴纳罚款", "due_date": "2026-12-20",
    "requested_until": "2027-02-20", "reason": "暂时无力一次缴清", "channel": "online",
    "filed_at": "2026-11-20T02:00:00Z", "status": "granted", "status_label": "已准予延期",
    "granted_until": "2027-02-20", "decided_at": "2026-11-22T02:00:00Z",
    "decided_by": "department:market_regulation", "decision_reason": "情况属实",
    "effect": "履行期限延至 2027-02-20，在此日期前履行的，不因逾期未履行该义务认定失信"}


class ExtensionIn(BaseModel):
    obligation: str = Field(min_length=1, max_length=100, description="申请延期履行的义务，如“缴纳罚款”")
    due_date: date = Field(description="决定书规定的履行期限")
    requested_until: date = Field(description="申请延期至")
    reason: str = Field(min_length=1, max_length=2000)

    model_config = {"json_schema_extra": {"examples": [{
        "obligation": "缴纳罚款", "due_date": "2026-12-20", "requested_until": "2027-02-20",
        "reason": "因家中变故暂时无力一次缴清，申请延期至 2 月底前缴清"}]}}


class ExtensionOut(BaseModel):
    id: str
    matter_id: str
    department_code: str = Field(description="作出认定、办理延期申请的部门")
    obligation: str
    due_date: date
    requested_until: date
    reason: str
    channel: str
    filed_at: datetime
    status: str = Field(description="requested 审核中 / granted 已准予 / refused 不予延期")
    status_label: str
    granted_until: date | None
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    effect: str | None = Field(description="准予延期时的效果")

    model_config = {"json_schema_extra": {"examples": [EXTENSION_EXAMPLE]}}

    @classmethod
    def of(cls, e: Extension) -> ExtensionOut:
        effect = (f"履行期限延至 {e.granted_until.isoformat()}，在此日期前履行的，不因逾期未履行该义务认定失信"
                  if e.status == "granted" and e.granted_until else None)
        return cls(id=e.id, matter_id=e.matter_id, department_code=e.department_code, obligation=e.obligation,
                   due_date=e.due_date, requested_until=e.requested_until, reason=e.reason, channel=e.channel,
                   filed_at=e.filed_at, status=e.status, status_label=rules.EXTENSION_LABELS[e.status],
                   granted_until=e.granted_until, decided_at=e.decided_at, decided_by=e.decided_by,
                   decision_reason=e.decision_reason, effect=effect)


class ExtensionList(BaseModel):
    extensions: list[ExtensionOut]

    model_config = {"json_schema_extra": {"examples": [{"extensions": [EXTENSION_EXAMPLE]}]}}


class ExtensionDecisionIn(BaseModel):
    granted: bool = Field(description="true 准予延期 / false 不予延期")
    until: date | None = Field(None, description="准予延期至（不填则为申请的日期）")
    reason: str = Field(min_length=1, max_length=2000)

    model_config = {"json_schema_extra": {"examples": [{"granted": True, "until": None, "reason": "情况属实"}]}}


class AppealIn(BaseModel):
    kind: Literal["reconsideration", "lawsuit"] = Field(description="reconsideration 行政复议 / lawsuit 行政诉讼")
    case_number: str = Field(min_length=1, max_length=100, description="案号")
    body: str = Field(min_length=1, max_length=100, description="复议机关或受理法院")
    filed_on: date = Field(description="申请复议或起诉的日期")

    model_config = {"json_schema_extra": {"examples": [{
        "kind": "reconsideration", "case_number": "示复〔2026〕12号", "body": "示范市人民政府",
        "filed_on": "2026-11-10"}]}}


class AppealOut(BaseModel):
    id: str
    matter_id: str
    kind: str
    kind_label: str
    case_number: str
    body: str
    filed_on: date
    recorded_by: str
    recorded_at: datetime
    status: str = Field(description="pending 进行中 / revoked 原决定被撤销 / upheld 原决定被维持 / withdrawn 撤回")
    status_label: str
    outcome_on: date | None
    outcome_note: str | None
    effect: str = Field(description="对该事项的效果")

    model_config = {"json_schema_extra": {"examples": [{
        "id": "01JC0C1A2B3C4D5E6F7G8H9J0K", "matter_id": "01JBZZ4F8M2K6T9W3X5Y7A1C3E", "kind": "reconsideration",
        "kind_label": "行政复议", "case_number": "示复〔2026〕12号", "body": "示范市人民政府", "filed_on": "2026-11-10",
        "recorded_by": "department:market_regulation", "recorded_at": "2026-11-12T02:00:00Z", "status": "pending",
        "status_label": "行政复议中", "outcome_on": None, "outcome_note": None, "effect": rules.APPEAL_EFFECT}]}}

    @classmethod
    def of(cls, a: Appeal) -> AppealOut:
        pending = a.status == "pending"
        label = rules.APPEAL_PENDING[a.kind] if pending else rules.APPEAL_OUTCOMES[a.status]
        effect = rules.APPEAL_EFFECT if pending else {
            "revoked": "原决定已被撤销，该信息已撤销，停止公示、共享和惩戒",
            "upheld": "原决定被维持，该信息继续有效", "withdrawn": "已撤回，该信息继续有效"}[a.status]
        return cls(id=a.id, matter_id=a.matter_id, kind=a.kind, kind_label=rules.APPEAL_KINDS[a.kind],
                   case_number=a.case_number, body=a.body, filed_on=a.filed_on, recorded_by=a.recorded_by,
                   recorded_at=a.recorded_at, status=a.status, status_label=label, outcome_on=a.outcome_on,
                   outcome_note=a.outcome_note, effect=effect)


class AppealOutcomeIn(BaseModel):
    outcome: Literal["revoked", "upheld", "withdrawn"] = Field(
        description="revoked 撤销原决定 / upheld 维持 / withdrawn 撤回")
    outcome_on: date | None = Field(None, description="复议决定或判决生效的日期（不填为今天）")
    note: str = Field(min_length=1, max_length=2000, description="复议决定书或判决书的文号和要点")

    model_config = {"json_schema_extra": {"examples": [{
        "outcome": "revoked", "outcome_on": None, "note": "示复决〔2026〕12号：事实不清，撤销原处罚决定"}]}}
