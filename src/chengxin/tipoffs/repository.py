"""All SQL for tip-offs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.tipoffs.models import Tipoff


def by_tracking(session: Session, tracking_hash: str) -> Tipoff | None:
    return session.scalars(select(Tipoff).where(Tipoff.tracking_hash == tracking_hash)).first()


def get(session: Session, tipoff_id: str) -> Tipoff | None:
    return session.get(Tipoff, tipoff_id[:26])


def queue(session: Session, *, status: str | None, limit: int, offset: int) -> Sequence[Tipoff]:
    stmt = select(Tipoff)
    if status is not None:
        stmt = stmt.where(Tipoff.status == status)
    return session.scalars(stmt.order_by(Tipoff.received_at).limit(limit).offset(offset)).all()
