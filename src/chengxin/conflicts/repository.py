"""All SQL for conflicts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.conflicts.models import Conflict


def _insert():
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert, sqlite.insert


def raise_one(session: Session, row: dict[str, Any]) -> str:
    """Insert an open conflict, or count one more occurrence of the same open claim; its id.

    One statement (INSERT … ON CONFLICT DO UPDATE … RETURNING) so that two submissions of the
    same claim at once still make one conflict."""
    pg_insert, lite_insert = _insert()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else lite_insert
    stmt = insert(Conflict).values(**row)
    stmt = stmt.on_conflict_do_update(
        index_elements=["subject_key", "open_key"],
        set_={"occurrences": Conflict.occurrences + 1, "last_seen_at": stmt.excluded.last_seen_at},
    ).returning(Conflict.id)
    return session.execute(stmt).scalar_one()


def get(session: Session, conflict_id: str) -> Conflict | None:
    return session.scalars(select(Conflict).where(Conflict.id == conflict_id[:26])).first()


def queue(session: Session, *, status: str | None, kind: str | None, limit: int, offset: int) -> list[Conflict]:
    """Conflicts, oldest first (first come, first resolved); `status` None is all of them."""
    q = select(Conflict)
    if status is not None:
        q = q.where(Conflict.status == status)
    if kind is not None:
        q = q.where(Conflict.kind == kind)
    return list(session.scalars(q.order_by(Conflict.raised_at, Conflict.id).limit(limit).offset(offset)))


def count_open(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Conflict).where(Conflict.status == "open")) or 0


def of_subject(session: Session, subject_keys: Sequence[str], kind: str | None = None) -> list[Conflict]:
    q = select(Conflict).where(Conflict.subject_key.in_(list(subject_keys)))
    if kind is not None:
        q = q.where(Conflict.kind == kind)
    return list(session.scalars(q.order_by(Conflict.raised_at)))


def close(session: Session, conflict: Conflict, *, status: str, at: datetime, by: str, value: str | None,
          note: str) -> None:
    conflict.status, conflict.open_key = status, None
    conflict.resolved_at, conflict.resolved_by = at, by
    conflict.resolved_value, conflict.resolution_note = value, note
    session.flush()
