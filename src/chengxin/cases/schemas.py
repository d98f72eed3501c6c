"""Shapes shared by objections and repairs: history steps and evidence files."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from chengxin.cases.models import CaseEvent, EvidenceFile
from chengxin.cases.rules import actor_label

ACTION_LABELS = {
    "filed": "提交", "accepted": "受理", "rejected": "不予受理", "approved": "准予修复", "denied": "不予修复",
    "corrected": "更正", "revoked": "撤销原记录", "upheld": "维持原记录", "withdrawn": "撤回",
    "escalated": "超期督办", "overdue": "超期提醒", "received": "受理", "handling": "处理中", "closed": "办结",
    "transferred": "转办",
}


class EventOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    actor_label: str
    action: str
    action_label: str
    note: str | None

    @classmethod
    def of(cls, e: CaseEvent) -> EventOut:
        return cls(seq=e.seq, at=e.at, actor=e.actor, actor_label=actor_label(e.actor), action=e.action,
                   action_label=ACTION_LABELS.get(e.action, e.action), note=e.note)


class EvidenceOut(BaseModel):
    id: str
    filename: str
    media_type: str
    size: int = Field(description="字节数")
    sha256: str
    uploaded_at: datetime

    @classmethod
    def of(cls, f: EvidenceFile) -> EvidenceOut:
        return cls(id=f.id, filename=f.filename, media_type=f.media_type, size=f.size, sha256=f.sha256,
                   uploaded_at=f.uploaded_at)
