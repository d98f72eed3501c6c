"""All SQL for authorisations. Nothing is cached: every read sees the committed state, so a
revocation holds from the moment it commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from chengxin.authorisations.models import Authorisation


def add(session: Session, grant: Authorisation) -> None:
    session.add(grant)
    session.flush()


def get(session: Session, authorisation_id: str) -> Authorisation | None:
    """The row as the database has it now (never a stale copy from the session)."""
    return session.execute(
        select(Authorisation).where(Authorisation.id == authorisation_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def of_grantor(session: Session, *grantor_keys: str) -> Sequence[Authorisation]:
    """A person's grants (under any of their keys), newest first."""
    return session.scalars(
        select(Authorisation).where(Authorisation.grantor_key.in_(grantor_keys))
        .order_by(Authorisation.issued_at.desc(), Authorisation.id.desc())
    ).all()


def consume(session: Session, authorisation_id: str, now: datetime) -> bool:
    """Count one use, only if the grant is still usable at `now`. One conditional UPDATE: two
    concurrent queries on a single-use grant, or a query racing a revocation, cannot both win
    (the row lock orders them, and the loser's WHERE no longer holds)."""
    a = Authorisation
    result = session.execute(
        update(a)
        .where(a.id == authorisation_id, a.revoked_at.is_(None), a.valid_from <= now, a.valid_until > now,
               or_(a.use_mode == "repeated", a.use_count == 0))
        .values(use_count=a.use_count + 1, last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def revoke(session: Session, authorisation_id: str, now: datetime) -> None:
    """Mark revoked at `now`, unless it already was (the first revocation time stands)."""
    session.execute(
        update(Authorisation)
        .where(Authorisation.id == authorisation_id, Authorisation.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
