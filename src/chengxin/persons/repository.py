"""All SQL for persons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from chengxin.persons.models import Person
from chengxin.records.repository import IN_CHUNK, is_postgres


def names_by_key(session: Session, keys: Sequence[str]) -> dict[str, str | None]:
    """Existing persons among `keys`, with their current name."""
    found: dict[str, str | None] = {}
    keys = list(keys)
    for i in range(0, len(keys), IN_CHUNK):
        part = keys[i : i + IN_CHUNK]
        found.update(session.execute(
            select(Person.person_key, Person.name).where(Person.person_key.in_(part))
        ).all())
    return found


def insert_new(session: Session, rows: list[dict[str, object]]) -> None:
    """Insert persons, ignoring ones a concurrent submission created first."""
    if not rows:
        return
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(Person).on_conflict_do_nothing(index_elements=["person_key"]), rows)


def rename(session: Session, changes: list[tuple[str, str]], at: datetime) -> None:
    if not changes:
        return
    session.execute(
        update(Person.__table__).where(Person.__table__.c.person_key == bindparam("k"))
        .values(name=bindparam("n"), updated_at=at),
        [{"k": k, "n": n} for k, n in changes],
    )


def get(session: Session, person_key: str) -> Person | None:
    return session.get(Person, person_key)
