"""Tip-off use cases: receive with evidence and a tracking number, follow, handle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.cases import service as cases
from chengxin.cases.rules import Upload, check_uploads
from chengxin.clock import utcnow
from chengxin.crypto import Keys
from chengxin.errors import DomainError, NotFound
from chengxin.settings import Settings
from chengxin.tipoffs import repository as repo
from chengxin.tipoffs import rules
from chengxin.tipoffs.models import Tipoff

KIND = "tipoff"


def receive(session: Session, keys: Keys, settings: Settings, *, category: str, subject_name: str, content: str,
            contact: str | None, uploads: Sequence[Upload] = (), now: datetime | None = None) -> tuple[Tipoff, str]:
    """Keep a tip-off and its evidence; returns it with the tracking number (shown only now)."""
    now = now or utcnow()
    if category not in rules.CATEGORIES:
        raise DomainError("TIPOFF_CATEGORY_UNKNOWN", "举报类别应为：" + "、".join(rules.CATEGORIES.values()), 422)
    subject_name = " ".join((subject_name or "").split())
    content = (content or "").strip()
    if not subject_name:
        raise DomainError("TIPOFF_SUBJECT_REQUIRED", "请填写被举报对象", 422)
    if len(content) < 10:
        raise DomainError("TIPOFF_CONTENT_REQUIRED", "请详细描述举报内容（至少 10 个字）", 422)
    checked = check_uploads(list(uploads), max_files=settings.evidence_max_files,
                            max_bytes=settings.evidence_max_bytes)
    number = rules.new_tracking_number()
    tipoff_id = ids.new_id()
    contact = (contact or "").strip()
    tipoff = Tipoff(id=tipoff_id, tracking_hash=rules.tracking_hash(number), category=category,
                    subject_name=subject_name[:200], content=content[:5000],
                    contact_cipher=keys.encrypt(contact[:200], f"tipoff:{tipoff_id}".encode()) if contact else None,
                    status="received", result=None, received_at=now, updated_at=now)
    session.add(tipoff)
    session.flush()
    cases.store_evidence(session, keys, subject_key=tipoff_id, case_kind=KIND, case_id=tipoff_id, files=checked,
                         at=now)
    cases.record_event(session, subject_key=tipoff_id, case_id=tipoff_id, case_kind=KIND, actor="public",
                       action="received", at=now)
    return tipoff, number


def follow(session: Session, tracking_number: str) -> Tipoff:
    """The tip-off behind a tracking number (the number is the only key the public has)."""
    tipoff = repo.by_tracking(session, rules.tracking_hash(tracking_number))
    if tipoff is None:
        raise NotFound("TIPOFF_NOT_FOUND", "没有该受理编号，请核对后重试")
    return tipoff


def handle(session: Session, *, tipoff: Tipoff, actor: str, status: str, note: str, outcome: str | None = None,
           department: str | None = None, departments: Mapping[str, str] | None = None,
           now: datetime | None = None) -> Tipoff:
    """Move a tip-off on: in hand (handling), or closed as 转办 to a department, 不予受理 with the reason,
    or 办结 with the result; the tipster reads how it ended. Closing without an outcome is 办结."""
    now = now or utcnow()
    if status not in rules.NEXT.get(tipoff.status, set()):
        raise DomainError("TIPOFF_STATUS", f"举报当前为“{rules.STATUS_LABELS[tipoff.status]}”，不能改为该状态", 409)
    note = (note or "").strip()
    action = status
    if status == "closed":
        outcome = outcome or "resolved"
        if outcome not in rules.OUTCOMES:
            raise DomainError("TIPOFF_OUTCOME", "办结方式应为转办、不予受理或办结", 422)
        if outcome == "transferred":
            if not department or department not in (departments or {}):
                raise DomainError("TIPOFF_DEPARTMENT_REQUIRED", "转办须选择承办部门", 422)
            tipoff.transferred_to = department
        elif not note:
            raise DomainError("TIPOFF_REASON_REQUIRED" if outcome == "rejected" else "TIPOFF_RESULT_REQUIRED",
                              "不予受理须说明理由" if outcome == "rejected" else "办结须填写处理结果", 422)
        tipoff.outcome = outcome
        tipoff.result = note[:2000] or None
        action = {"transferred": "transferred", "rejected": "rejected", "resolved": "closed"}[outcome]
        if outcome == "transferred":
            name = (departments or {}).get(department or "", department)
            note = f"转交{name}" + (f"：{note}" if note else "")
    tipoff.status = status
    tipoff.updated_at = now
    session.flush()
    cases.record_event(session, subject_key=tipoff.id, case_id=tipoff.id, case_kind=KIND, actor=actor,
                       action=action, at=now, note=note or None)
    return tipoff


def get(session: Session, tipoff_id: str) -> Tipoff:
    tipoff = repo.get(session, tipoff_id)
    if tipoff is None:
        raise NotFound("TIPOFF_NOT_FOUND", "没有该举报")
    return tipoff


def contact_of(keys: Keys, tipoff: Tipoff) -> str | None:
    if tipoff.contact_cipher is None:
        return None
    return keys.decrypt(tipoff.contact_cipher, f"tipoff:{tipoff.id}".encode())
