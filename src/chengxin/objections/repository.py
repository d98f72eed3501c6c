"""All SQL for objections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.objections.models import Objection


def get(session: Session, objection_id: str) -> Objection | None:
    return session.scalars(select(Objection).where(Objection.id == objection_id[:26])).first()


def open_on(session: Session, subject_key: str, matter_id: str) -> Objection | None:
    return session.scalars(select(Objection).where(
        Objection.subject_key == subject_key, Objection.matter_id == matter_id, Objection.status == "open")).first()


def open_matters(session: Session, subject_keys: Sequence[str]) -> set[str]:
    """Ids of the subjects' matters with an open objection."""
    return set(session.scalars(select(Objection.matter_id).where(
        Objection.subject_key.in_(list(subject_keys)), Objection.status == "open")))


def of_subject(session: Session, subject_key: str) -> Sequence[Objection]:
    return session.scalars(select(Objection).where(Objection.subject_key == subject_key)
                           .order_by(Objection.filed_at.desc())).all()


def queue(session: Session, *, department_code: str | None, status: str | None, escalated: bool | None,
          limit: int, offset: int) -> Sequence[Objection]:
    """Most urgent first: the earliest deadline, then the oldest."""
    stmt = select(Objection)
    if department_code is not None:
        stmt = stmt.where(Objection.department_code == department_code)
    if status is not None:
        stmt = stmt.where(Objection.status == status)
    if escalated is not None:
        stmt = stmt.where(Objection.escalated_at.is_not(None) if escalated else Objection.escalated_at.is_(None))
    return session.scalars(stmt.order_by(Objection.deadline, Objection.filed_at).limit(limit).offset(offset)).all()


def overdue(session: Session, today: date, limit: int = 1000) -> Sequence[Objection]:
    """Open objections past their deadline that have not been escalated yet."""
    return session.scalars(select(Objection).where(
        Objection.status == "open", Objection.deadline < today, Objection.escalated_at.is_(None))
        .order_by(Objection.deadline).limit(limit)).all()
