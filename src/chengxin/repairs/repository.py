"""All SQL for repair applications."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from chengxin.repairs.models import Repair
from chengxin.repairs.rules import OPEN


def get(session: Session, repair_id: str) -> Repair | None:
    return session.scalars(select(Repair).where(Repair.id == repair_id[:26])).first()


def open_on(session: Session, subject_key: str, matter_id: str) -> Repair | None:
    return session.scalars(select(Repair).where(
        Repair.subject_key == subject_key, Repair.matter_id == matter_id, Repair.status.in_(OPEN))).first()


def open_matters(session: Session, subject_keys: Sequence[str]) -> set[str]:
    """Ids of the subjects' matters with a repair application in progress."""
    return set(session.scalars(select(Repair.matter_id).where(
        Repair.subject_key.in_(list(subject_keys)), Repair.status.in_(OPEN))))


def of_subject(session: Session, subject_key: str) -> Sequence[Repair]:
    return session.scalars(select(Repair).where(Repair.subject_key == subject_key)
                           .order_by(Repair.filed_at.desc())).all()


def queue(session: Session, *, status: str | None, overdue: bool | None, limit: int, offset: int,
          department_code: str | None = None) -> Sequence[Repair]:
    """The applications in filing order; a department's own queue when `department_code` is given."""
    stmt = select(Repair)
    if department_code is not None:
        stmt = stmt.where(Repair.department_code == department_code)
    if status is not None:
        stmt = stmt.where(Repair.status == status)
    if overdue is not None:
        stmt = stmt.where(Repair.overdue_at.is_not(None) if overdue else Repair.overdue_at.is_(None))
    return session.scalars(stmt.order_by(Repair.filed_at).limit(limit).offset(offset)).all()


def overdue(session: Session, today: date, limit: int = 1000) -> Sequence[Repair]:
    """Applications not accepted, or not decided, by their deadline, not yet flagged."""
    return session.scalars(select(Repair).where(Repair.overdue_at.is_(None), or_(
        and_(Repair.status == "submitted", Repair.accept_deadline < today),
        and_(Repair.status == "accepted", Repair.decide_deadline < today))).limit(limit)).all()


def queues(session: Session, today: date) -> list[tuple[str, int, int, int]]:
    """Per deciding department: (code, awaiting acceptance, awaiting a decision, past a deadline)."""
    late = or_(and_(Repair.status == "submitted", Repair.accept_deadline < today),
               and_(Repair.status == "accepted", Repair.decide_deadline < today))
    rows = session.execute(select(
        Repair.department_code,
        func.sum(case((Repair.status == "submitted", 1), else_=0)),
        func.sum(case((Repair.status == "accepted", 1), else_=0)),
        func.sum(case((late, 1), else_=0)),
    ).where(Repair.status.in_(OPEN)).group_by(Repair.department_code).order_by(Repair.department_code)).all()
    return [(code, int(s or 0), int(a or 0), int(n or 0)) for code, s, a, n in rows]
