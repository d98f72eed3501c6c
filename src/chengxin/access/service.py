"""The single choke point for reads of personal data.

Every endpoint or job that reads a person's data calls `log_reads` in the same
transaction as the read, so the read and its log entry commit or fail together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from chengxin.access.models import AccessEntry
from chengxin.callers import Caller
from chengxin.clock import utcnow

ACTIONS = {
    "file": "查询信用档案",
    "check": "联合奖惩核查",
    "batch_check": "批量核查",
    "organisation": "查看组织责任人",
    "report": "信用报告",
    "export": "导出",
    "own_view": "本人查询",
}


@dataclass(frozen=True, slots=True)
class Read:
    """One subject read in a request: whose data, with what result and reference."""

    subject_key: str
    result: str
    ref_id: str | None = None


def log_reads(
    session: Session, caller: Caller, action: str, reads: Sequence[Read] | Iterable[Read], *,
    purpose: str | None = None, basis: str | None = None, business_ref: str | None = None,
    at: datetime | None = None,
) -> int:
    """Append one access-log entry per read, in the caller's transaction; returns the count."""
    if action not in ACTIONS:
        raise ValueError(f"unknown access action {action!r}")
    moment = at or utcnow()
    rows = [
        {"at": moment, "actor_role": caller.role, "actor_department": caller.department_code,
         "actor_account": caller.account_id, "subject_key": r.subject_key, "action": action,
         "purpose": purpose, "basis": basis, "business_ref": business_ref, "ref_id": r.ref_id,
         "result": r.result}
        for r in reads
    ]
    if rows:
        session.execute(AccessEntry.__table__.insert(), rows)
    return len(rows)
