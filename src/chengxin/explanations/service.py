"""Explanations (自主解释): the person attaches, edits or withdraws their side of a matter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from chengxin.callers import Caller
from chengxin.cases import service as cases
from chengxin.cases.actors import actor_of
from chengxin.clock import utcnow
from chengxin.errors import DomainError, NotFound
from chengxin.explanations import repository as repo
from chengxin.explanations.models import Explanation
from chengxin.explanations.rules import MAX_CHARS, MIN_CHARS
from chengxin.matters import repository as matters

KIND = "explanation"


def save(session: Session, *, caller: Caller, person_key: str, matter_id: str, text: str, channel: str = "online",
         now: datetime | None = None) -> Explanation:
    """Attach or replace the person's explanation of one of their own negative matters."""
    now = now or utcnow()
    matter = matters.of_subject(session, person_key, (matter_id or "").strip()[:26])
    if matter is None:
        raise NotFound("EXPLANATION_MATTER_NOT_FOUND", "您的信用档案中没有这一事项")
    if matter.nature != "negative":
        raise DomainError("EXPLANATION_NOT_NEGATIVE", "只能对失信信息作出解释", 422)
    text = (text or "").strip()
    if len(text) < MIN_CHARS:
        raise DomainError("EXPLANATION_TOO_SHORT", f"解释至少 {MIN_CHARS} 个字", 422)
    if len(text) > MAX_CHARS:
        raise DomainError("EXPLANATION_TOO_LONG", f"解释至多 {MAX_CHARS} 个字（现为 {len(text)} 个字）", 422)
    row = repo.get(session, person_key, matter.id)
    if row is None:
        row = Explanation(subject_key=person_key, matter_id=matter.id, text=text, channel=channel,
                          filed_by=caller.account_id, created_at=now, updated_at=now)
        session.add(row)
        action = "filed"
    else:
        row.text, row.channel, row.filed_by, row.updated_at = text, channel, caller.account_id, now
        action = "edited"
    session.flush()
    cases.record_event(session, subject_key=person_key, case_id=matter.id, case_kind=KIND, actor=actor_of(caller),
                       action=action, at=now, note=text)
    return row


def withdraw(session: Session, *, caller: Caller, person_key: str, matter_id: str,
             now: datetime | None = None) -> None:
    """Take the explanation back: it is no longer shown anywhere. Withdrawing twice is not an error
    (the second finds nothing to take back); another's matter is unknown, as everywhere."""
    matter = matters.of_subject(session, person_key, (matter_id or "").strip()[:26])
    if matter is None:
        raise NotFound("EXPLANATION_MATTER_NOT_FOUND", "您的信用档案中没有这一事项")
    row = repo.get(session, person_key, matter.id)
    if row is None:
        return
    session.delete(row)
    session.flush()
    cases.record_event(session, subject_key=person_key, case_id=matter.id, case_kind=KIND,
                       actor=actor_of(caller), action="withdrawn", at=now or utcnow())
