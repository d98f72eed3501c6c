"""All SQL for data editions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.editions.models import DataEdition


def latest(session: Session, kind: str) -> DataEdition | None:
    return session.scalars(select(DataEdition).where(DataEdition.kind == kind)
                           .order_by(DataEdition.created_at.desc()).limit(1)).first()


def of_kind(session: Session, kind: str) -> Sequence[DataEdition]:
    return session.scalars(select(DataEdition).where(DataEdition.kind == kind)
                           .order_by(DataEdition.created_at.desc())).all()


def get(session: Session, kind: str, version: str) -> DataEdition | None:
    return session.get(DataEdition, (kind, version[:32]))
