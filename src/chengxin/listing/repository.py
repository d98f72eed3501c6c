"""All SQL for listing procedures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.listing.models import ListingProcedure
from chengxin.listing.rules import OPEN


def get(session: Session, procedure_id: str) -> ListingProcedure | None:
    return session.scalars(select(ListingProcedure).where(ListingProcedure.id == procedure_id[:26])).first()


def open_for(session: Session, subject_key: str, department_code: str,
             item_code: str | None) -> ListingProcedure | None:
    """An open procedure of this department about this person and item (one at a time)."""
    q = select(ListingProcedure).where(
        ListingProcedure.subject_key == subject_key, ListingProcedure.department_code == department_code,
        ListingProcedure.state.in_(OPEN))
    q = q.where(ListingProcedure.item_code.is_(None) if item_code is None else ListingProcedure.item_code == item_code)
    return session.scalars(q).first()


def of_person(session: Session, subject_key: str) -> Sequence[ListingProcedure]:
    """A person's procedures, newest first."""
    return session.scalars(select(ListingProcedure).where(ListingProcedure.subject_key == subject_key)
                           .order_by(ListingProcedure.id.desc())).all()


def queue(session: Session, department_code: str | None, *, open_only: bool, limit: int,
          offset: int) -> Sequence[ListingProcedure]:
    """A department's procedures (all, for the credit office), the earliest deadline first."""
    q = select(ListingProcedure)
    if department_code is not None:
        q = q.where(ListingProcedure.department_code == department_code)
    if open_only:
        q = q.where(ListingProcedure.state.in_(OPEN))
    q = q.order_by(ListingProcedure.statement_due, ListingProcedure.id).limit(limit).offset(offset)
    return session.scalars(q).all()


def awaiting(session: Session, department_code: str, today: date) -> tuple[int, int]:
    """(ready, running): open procedures of a department that wait for its decision (the statement is
    in or the period has run out), and those whose statement period still runs."""
    ready = running = 0
    for state, due, n in session.execute(
            select(ListingProcedure.state, ListingProcedure.statement_due, func.count())
            .where(ListingProcedure.department_code == department_code, ListingProcedure.state.in_(OPEN))
            .group_by(ListingProcedure.state, ListingProcedure.statement_due)):
        if state == "stated" or due < today:
            ready += n
        else:
            running += n
    return ready, running
