"""Repair API shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from chengxin.cases.schemas import EventOut, EvidenceOut
from chengxin.repairs.models import Repair
from chengxin.repairs.rules import CHANNELS, STATUS_LABELS, Eligibility, Held, default_rules
from chengxin.workdays import deadline_of

EXAMPLE = {
    "id": "01JC0C1A2B3C4D5E6F7G8H9J0K", "target_kind": "record", "target_id": "01JBZZ4F8M2K6T9W3X5Y7A1C3E",
    "matter_id": "01JBZZ4F8M2K6T9W3X5Y7A1C3E",
    "item_code": "XZCF-01", "source_record_id": "SCJG-2026-000001", "department_code": "market_regulation",
    "severity": "general", "method": "fine_paid", "method_name": "已缴清罚款、没收违法所得",
    "statement": "已于 2026 年 9 月缴清全部罚款", "status": "submitted", "status_label": "已提交，待受理",
    "protected_minor": False, "filed_at": "2026-11-20T02:00:00Z", "accept_deadline": "2026-11-25",
    "accept_deadline_estimated": False, "accepted_at": None, "decide_deadline": None,
    "decide_deadline_estimated": False, "decided_at": None, "reviewer": None, "decision_reason": None,
    "overdue_at": None, "agent_uscc": None,
    "channel": "online", "channel_label": "本人网上申请", "commitment": None, "events": None, "evidence": None,
}


class StepOut(BaseModel):
    code: str
    label: str
    passed: bool
    detail: str


class MethodOut(BaseModel):
    code: str
    name: str


class EligibilityOut(BaseModel):
    target_kind: str
    target_id: str
    item_name: str
    eligible: bool
    earliest: date | None = Field(description="最早可申请日期")
    protected_minor: bool = Field(description="未成年时的轻微失信：纠正后即予修复")
    steps: list[StepOut] = Field(description="逐项条件及是否满足")
    methods: list[MethodOut] = Field(description="可选的修复方式")
    held: list[str] = Field(default_factory=list,
                            description="作出认定的部门已掌握的证明（有此项时无需再提供证明材料）")

    model_config = {"json_schema_extra": {"examples": [{
        "target_kind": "record", "target_id": "01JBZZ4F8M2K6T9W3X5Y7A1C3E", "item_name": "行政处罚信息",
        "eligible": False, "earliest": "2026-08-21", "protected_minor": False,
        "steps": [{"code": "REPAIR_TOO_EARLY", "label": "已满最短公示期", "passed": False,
                   "detail": "最短公示期（3 个月）未满，最早可于 2026-08-21 申请"}],
        "methods": [{"code": "fine_paid", "name": "已缴清罚款、没收违法所得"}]}]}}

    @classmethod
    def of(cls, kind: str, target_id: str, item_name: str, e: Eligibility,
           held: list[Held] | None = None) -> EligibilityOut:
        methods = default_rules().methods
        return cls(target_kind=kind, target_id=target_id, item_name=item_name, eligible=e.eligible,
                   held=[f"本部门已掌握：{h.decided.isoformat()} 的记录（{h.reference}）表明{h.proves}"
                         for h in held or []],
                   earliest=e.earliest, protected_minor=e.protected_minor,
                   steps=[StepOut(code=s.code, label=s.label, passed=s.passed, detail=s.detail) for s in e.steps],
                   methods=[MethodOut(code=m, name=methods[m].name) for m in e.methods])


class CommitmentOut(BaseModel):
    text: str
    signed_at: datetime
    document: dict[str, Any] = Field(description="平台签名的承诺记录（可用平台公钥离线验证）")
    signature: dict[str, str]


class RepairOut(BaseModel):
    id: str
    target_kind: str = Field(description="申请时所指：matter 事项 / record 信用记录 / list_entry 名单条目")
    target_id: str
    matter_id: str = Field(description="申请修复的事项（准予修复及于整个事项）")
    item_code: str | None
    source_record_id: str | None
    department_code: str
    severity: str
    method: str
    method_name: str
    statement: str
    status: str = Field(description="submitted | accepted | rejected | approved | denied")
    status_label: str
    protected_minor: bool
    filed_at: datetime
    accept_deadline: date
    accept_deadline_estimated: bool = Field(
        description="期限所在年份的法定节假日安排尚未公布，按周一至周五（除元旦、5月1–2日、10月1–3日）估算")
    accepted_at: datetime | None
    decide_deadline: date | None
    decide_deadline_estimated: bool = Field(description="同上，对决定期限")
    decided_at: datetime | None
    reviewer: str | None
    decision_reason: str | None
    overdue_at: datetime | None
    agent_uscc: str | None
    channel: str = Field(description="online 本人网上申请 / agent 受托机构 / counter 窗口代为申请 / upper 上级平台转来")
    channel_label: str
    commitment: CommitmentOut | None = None
    events: list[EventOut] | None = None
    evidence: list[EvidenceOut] | None = None

    model_config = {"json_schema_extra": {"examples": [EXAMPLE]}}

    @classmethod
    def of(cls, r: Repair, *, commitment: CommitmentOut | None = None, events: list[EventOut] | None = None,
           evidence: list[EvidenceOut] | None = None) -> RepairOut:
        method = default_rules().methods.get(r.method)
        return cls(id=r.id, target_kind=r.target_kind, target_id=r.target_id, matter_id=r.matter_id,
                   item_code=r.item_code,
                   source_record_id=r.source_record_id, department_code=r.department_code, severity=r.severity,
                   method=r.method, method_name=method.name if method else r.method, statement=r.statement,
                   status=r.status, status_label=STATUS_LABELS[r.status], protected_minor=r.protected_minor,
                   filed_at=r.filed_at, accept_deadline=r.accept_deadline,
                   accept_deadline_estimated=deadline_of(r.accept_deadline).estimated, accepted_at=r.accepted_at,
                   decide_deadline=r.decide_deadline,
                   decide_deadline_estimated=(r.decide_deadline is not None
                                              and deadline_of(r.decide_deadline).estimated),
                   decided_at=r.decided_at, reviewer=r.reviewer,
                   decision_reason=r.decision_reason, overdue_at=r.overdue_at, agent_uscc=r.agent_uscc,
                   channel=r.channel, channel_label=CHANNELS.get(r.channel, r.channel),
                   commitment=commitment, events=events, evidence=evidence)


class RepairList(BaseModel):
    repairs: list[RepairOut]

    model_config = {"json_schema_extra": {"examples": [{"repairs": [EXAMPLE]}]}}


class AcceptIn(BaseModel):
    accepted: bool = Field(description="true 受理 / false 不予受理")
    reason: str = Field("", max_length=2000, description="不予受理时必填")

    model_config = {"json_schema_extra": {"examples": [{"accepted": True, "reason": ""}]}}


class DecideIn(BaseModel):
    approved: bool = Field(description="true 准予修复 / false 不予修复")
    reason: str = Field(min_length=1, max_length=2000)

    model_config = {"json_schema_extra": {"examples": [{"approved": True, "reason": "已缴清罚款，准予修复。"}]}}
