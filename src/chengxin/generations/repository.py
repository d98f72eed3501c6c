"""All SQL of the generation counters."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from chengxin.generations.models import Generation

CREDENTIALS = "credentials"  # a token or login session revoked, an account stopped
EDITIONS = "editions"  # a catalog or measure-list edition published
NAMES = (CREDENTIALS, EDITIONS)


def bump(session: Session, name: str) -> None:
    """Move the counter `name` on, in the caller's transaction (it becomes visible with the change)."""
    moved = session.execute(update(Generation).where(Generation.name == name)
                            .values(value=Generation.value + 1)).rowcount
    if not moved:  # the migration seeds every name; a row deleted by hand comes back
        session.execute(insert(Generation).values(name=name, value=1))


def read(conn: Connection) -> dict[str, int]:
    """Every counter by name."""
    return {name: value for name, value in conn.execute(select(Generation.name, Generation.value))}
