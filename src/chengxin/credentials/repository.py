"""All SQL for credentials."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chengxin.credentials.models import Credential


def add(session: Session, row: Credential) -> None:
    session.add(row)
    session.flush()


def get(session: Session, credential_id: str) -> Credential | None:
    """The row as the database has it now (a revocation committed elsewhere is seen)."""
    return session.execute(
        select(Credential).where(Credential.id == credential_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def of_subject(session: Session, subject_key: str, limit: int = 50) -> Sequence[Credential]:
    """A person's credentials, newest first."""
    return session.scalars(
        select(Credential).where(Credential.subject_key == subject_key)
        .order_by(Credential.issued_at.desc(), Credential.id.desc()).limit(limit)
    ).all()


def revoke(session: Session, credential_id: str, now: datetime) -> None:
    """Mark revoked at `now`, unless it already was (the first revocation time stands)."""
    session.execute(
        update(Credential).where(Credential.id == credential_id, Credential.revoked_at.is_(None))
        .values(revoked_at=now).execution_options(synchronize_session=False)
    )
