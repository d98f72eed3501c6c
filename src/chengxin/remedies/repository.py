"""All SQL for extensions and appeals."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.remedies.models import Appeal, Extension


def extension(session: Session, extension_id: str) -> Extension | None:
    return session.scalars(select(Extension).where(Extension.id == extension_id[:26])).first()


def appeal(session: Session, appeal_id: str) -> Appeal | None:
    return session.scalars(select(Appeal).where(Appeal.id == appeal_id[:26])).first()


def extensions_of(session: Session, subject_keys: Sequence[str]) -> list[Extension]:
    """The subjects' extension requests, newest first."""
    return list(session.scalars(select(Extension).where(Extension.subject_key.in_(list(subject_keys)))
                                .order_by(Extension.filed_at.desc())))


def appeals_of(session: Session, subject_keys: Sequence[str]) -> list[Appeal]:
    """The subjects' appeals, newest first."""
    return list(session.scalars(select(Appeal).where(Appeal.subject_key.in_(list(subject_keys)))
                                .order_by(Appeal.recorded_at.desc())))


def extension_queue(session: Session, *, department_code: str | None, status: str | None,
                    limit: int = 200) -> Sequence[Extension]:
    """Extension requests in filing order; a department's own when `department_code` is given."""
    stmt = select(Extension)
    if department_code is not None:
        stmt = stmt.where(Extension.department_code == department_code)
    if status is not None:
        stmt = stmt.where(Extension.status == status)
    return session.scalars(stmt.order_by(Extension.filed_at).limit(limit)).all()
