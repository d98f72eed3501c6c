"""Objection API shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from chengxin.cases.schemas import EventOut, EvidenceOut
from chengxin.objections.models import Objection
from chengxin.objections.rules import STATUS_LABELS, overdue

EXAMPLE = {
    "id": "01JC0B7Q2X5Z9V4K3M8N6P1R2S", "target_kind": "record", "target_id": "01JBZZ4F8M2K6T9W3X5Y7A1C3E",
    "matter_id": "01JBZZ4F8M2K6T9W3X5Y7A1C3E",
    "item_code": "XZCF-01", "source_record_id": "SCJG-2026-000001", "department_code": "market_regulation",
    "reason": "处罚决定书已被复议机关撤销", "status": "open", "status_label": "异议处理中",
    "filed_at": "2026-11-20T02:00:00Z", "deadline": "2026-12-18", "deadline_estimated": False, "overdue": False,
    "escalated_at": None, "agent_uscc": None, "decided_at": None, "decided_by": None, "decision_reason": None,
    "new_record_id": None, "events": None, "evidence": None,
}


class ObjectionOut(BaseModel):
    id: str
    target_kind: str = Field(description="提出时所指：matter 事项 / record 信用记录 / list_entry 名单条目")
    target_id: str
    matter_id: str = Field(description="异议所涉的事项（标注与处理及于整个事项）")
    item_code: str | None
    source_record_id: str | None
    department_code: str
    reason: str
    status: str = Field(description="open | corrected | revoked | upheld | withdrawn")
    status_label: str
    filed_at: datetime
    deadline: date = Field(description="处理期限（工作日计算，含当日）")
    deadline_estimated: bool = Field(
        description="期限所在年份的法定节假日安排尚未公布时，按周一至周五（除元旦、5月1–2日、10月1–3日）估算")
    overdue: bool
    escalated_at: datetime | None
    agent_uscc: str | None
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    new_record_id: str | None
    events: list[EventOut] | None = None
    evidence: list[EvidenceOut] | None = None

    model_config = {"json_schema_extra": {"examples": [EXAMPLE]}}

    @classmethod
    def of(cls, o: Objection, today: date, events: list[EventOut] | None = None,
           evidence: list[EvidenceOut] | None = None) -> ObjectionOut:
        return cls(id=o.id, target_kind=o.target_kind, target_id=o.target_id, matter_id=o.matter_id,
                   item_code=o.item_code,
                   source_record_id=o.source_record_id, department_code=o.department_code, reason=o.reason,
                   status=o.status, status_label=STATUS_LABELS[o.status], filed_at=o.filed_at, deadline=o.deadline,
                   deadline_estimated=o.deadline_estimated, overdue=overdue(o.status, o.deadline, today),
                   escalated_at=o.escalated_at, agent_uscc=o.agent_uscc, decided_at=o.decided_at,
                   decided_by=o.decided_by, decision_reason=o.decision_reason, new_record_id=o.new_record_id,
                   events=events, evidence=evidence)


class ObjectionList(BaseModel):
    objections: list[ObjectionOut]

    model_config = {"json_schema_extra": {"examples": [{"objections": [EXAMPLE]}]}}


class DecisionIn(BaseModel):
    outcome: Literal["corrected", "revoked", "upheld"] = Field(
        description="corrected 更正 / revoked 撤销 / upheld 维持")
    reason: str = Field(min_length=1, max_length=2000, description="处理理由（告知本人）")
    record: dict[str, Any] | None = Field(
        None, description="更正时：更正后的完整记录（与报送格式相同，源记录编号不变）；已另行报送新版本时可省略")

    model_config = {"json_schema_extra": {"examples": [{"outcome": "upheld", "reason": "经核查，原记录准确无误。"}]}}
