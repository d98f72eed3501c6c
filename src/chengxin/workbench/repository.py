"""All SQL of the workbench: counts of what waits for someone, each on an indexed status column."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from chengxin.alerts.models import Alert
from chengxin.checks.models import Check, CheckHit, Feedback
from chengxin.conflicts.models import Conflict
from chengxin.objections.models import Objection
from chengxin.records.models import Batch
from chengxin.repairs.models import Repair
from chengxin.tipoffs.models import Tipoff

# A count past this reads "99+": the workbench says "there is a lot", it never scans a whole table.
CAP = 100


def _capped(session: Session, stmt: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(stmt.limit(CAP).subquery())) or 0


def objections(session: Session, *, department_code: str | None, escalated_only: bool,
               today: date, soon: date) -> tuple[int, int, int]:
    """(open, past their deadline, due by `soon`) objections a handler sees: a department its own,
    the credit office those escalated to it."""
    stmt = select(Objection.deadline).where(Objection.status == "open")
    if department_code is not None:
        stmt = stmt.where(Objection.department_code == department_code)
    if escalated_only:
        stmt = stmt.where(Objection.escalated_at.is_not(None))
    return (_capped(session, stmt), _capped(session, stmt.where(Objection.deadline < today)),
            _capped(session, stmt.where(Objection.deadline >= today, Objection.deadline <= soon)))


def repairs(session: Session, today: date, department_code: str | None = None) -> tuple[int, int, int]:
    """(awaiting acceptance, awaiting a decision, past a deadline) repair applications: one department's
    when `department_code` is given."""
    mine = (Repair.department_code == department_code,) if department_code is not None else ()
    submitted = select(Repair.id).where(Repair.status == "submitted", *mine)
    accepted = select(Repair.id).where(Repair.status == "accepted", *mine)
    late = (_capped(session, submitted.where(Repair.accept_deadline < today))
            + _capped(session, accepted.where(Repair.decide_deadline < today)))
    return _capped(session, submitted), _capped(session, accepted), min(late, CAP)


def tipoffs(session: Session) -> tuple[int, int]:
    """(received, in hand) tip-offs."""
    return (_capped(session, select(Tipoff.id).where(Tipoff.status == "received")),
            _capped(session, select(Tipoff.id).where(Tipoff.status == "handling")))


def rejected_files(session: Session, department_code: str, since: datetime) -> tuple[int, int]:
    """(files, rows) a department sent since `since` that came back with rows not accepted."""
    stmt = select(Batch.rejected).where(Batch.department_code == department_code, Batch.received_at >= since,
                                        Batch.rejected > 0)
    rows = list(session.scalars(stmt.limit(CAP)))
    return len(rows), sum(rows)


def alerts(session: Session) -> int:
    return _capped(session, select(Alert.id).where(Alert.status == "open"))


def conflicts(session: Session) -> int:
    return _capped(session, select(Conflict.id).where(Conflict.status == "open"))


def unanswered_hits(session: Session, department_code: str) -> int:
    """Check hits of a department still without feedback."""
    answered = select(Feedback.id).where(Feedback.check_id == CheckHit.check_id,
                                         Feedback.measure_code == CheckHit.measure_code)
    stmt = (select(CheckHit.check_id)
            .join(Check, (Check.subject_key == CheckHit.subject_key) & (Check.id == CheckHit.check_id))
            .where(CheckHit.department_code == department_code, ~answered.exists()))
    return _capped(session, stmt)
