"""All SQL of the occupation rosters: members from their qualification matters, and their standing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chengxin.matters.models import Matter
from chengxin.persons.models import Person


def _in_force(as_of: date) -> Any:
    return or_(Matter.ended_on.is_(None), Matter.ended_on > as_of)


def members(session: Session, occupation: str, as_of: date, limit: int, offset: int) -> list[Any]:
    """(matter, person name, person ID cipher) of the roster's qualification matters still standing
    on `as_of`, by person then item (a person with two qualifications is on two rows)."""
    stmt = (select(Matter, Person.name, Person.id_cipher)
            .join(Person, Person.person_key == Matter.subject_key)
            .where(Matter.occupation == occupation, Matter.subject_kind == "person", _in_force(as_of))
            .order_by(Matter.subject_key, Matter.item_code, Matter.id).limit(limit).offset(offset))
    return list(session.execute(stmt))


def count(session: Session, occupation: str, as_of: date) -> int:
    stmt = select(func.count()).select_from(Matter).where(
        Matter.occupation == occupation, Matter.subject_kind == "person", _in_force(as_of))
    return int(session.scalar(stmt) or 0)


def negatives(session: Session, keys: Sequence[str], items: Sequence[str], as_of: date) -> dict[str, int]:
    """Per person, their matters of `items` (the occupation's dishonesty items) not ended on `as_of`."""
    if not keys or not items:
        return {}
    stmt = (select(Matter.subject_key, func.count())
            .where(Matter.subject_key.in_(list(keys)), Matter.item_code.in_(list(items)),
                   Matter.nature == "negative", _in_force(as_of), Matter.start_date <= as_of)
            .group_by(Matter.subject_key))
    return {k: int(n) for k, n in session.execute(stmt)}
