"""All SQL for persons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from chengxin.persons.models import Person
from chengxin.records.repository import IN_CHUNK, is_postgres


def names_by_key(session: Session, keys: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
    """Existing persons among `keys`, with their current name and where it came from."""
    found: dict[str, tuple[str | None, str | None]] = {}
    keys = list(keys)
    for i in range(0, len(keys), IN_CHUNK):
        part = keys[i : i + IN_CHUNK]
        found.update((k, (n, s)) for k, n, s in session.execute(
            select(Person.person_key, Person.name, Person.name_source).where(Person.person_key.in_(part))
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


def set_names(session: Session, changes: Sequence[tuple[str, str | None, str | None]], at: datetime) -> None:
    """Set (person key, name, source) — only ever on an authority's word (chengxin.conflicts.rules)."""
    if not changes:
        return
    session.execute(
        update(Person.__table__).where(Person.__table__.c.person_key == bindparam("k"))
        .values(name=bindparam("n"), name_source=bindparam("s"), updated_at=at),
        [{"k": k, "n": n, "s": s} for k, n, s in changes],
    )
    for key, _, _ in changes:  # a Person loaded earlier in the session must not show the old name
        loaded = session.identity_map.get(identity_key(Person, key))
        if loaded is not None:
            session.expire(loaded)


def get(session: Session, person_key: str) -> Person | None:
    return session.get(Person, person_key)


def get_many(session: Session, person_keys: Sequence[str]) -> dict[str, Person]:
    """The persons among `person_keys` that exist, by key."""
    keys = sorted(set(person_keys))
    found: dict[str, Person] = {}
    for i in range(0, len(keys), IN_CHUNK):
        found.update((p.person_key, p) for p in session.scalars(
            select(Person).where(Person.person_key.in_(keys[i : i + IN_CHUNK]))))
    return found
