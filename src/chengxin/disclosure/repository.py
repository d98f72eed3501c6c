"""All SQL of public disclosure: candidates narrowed in the database, the rules finish in Python."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from chengxin.matters.models import Matter
from chengxin.persons.models import Person
from chengxin.records.models import Record

_LIVE_RECORD = and_(Record.subject_key == Matter.subject_key, Record.id == Matter.record_id)


def _standing(as_of: date) -> Any:
    """Not ended by `as_of` (revoked, repaired, deleted) and begun."""
    return and_(or_(Matter.ended_on.is_(None), Matter.ended_on > as_of), Matter.start_date <= as_of)


def records(session: Session, *, items: Sequence[str], negative_cutoffs: dict[str, date], adult_born_by: date,
            as_of: date, name: str | None, limit: int, offset: int) -> list[Any]:
    """(matter, live record or None, name, birth date, ID cipher) of person matters of public items
    that may be in publicity on `as_of`, newest first (`matters.rules` decides exactly): a matter on
    the black list while it is listed; another negative one within its tier's longest period and
    any end of its own."""
    black = and_(func.coalesce(Matter.list_type, "") == "black", Matter.planned_end.is_not(None))
    listed = and_(black, Matter.planned_end >= as_of)
    own_end = and_(Matter.list_type.is_(None), Matter.planned_end.is_not(None))
    by_tier = and_(~black, or_(~own_end, Matter.planned_end >= as_of),
                   or_(*[and_(Matter.severity == s, Matter.start_date >= d) for s, d in negative_cutoffs.items()]))
    in_period = or_(Matter.nature != "negative", listed, by_tier)
    stmt = (select(Matter, Record, Person.name, Person.birth_date, Person.id_cipher)
            .join(Person, Person.person_key == Matter.subject_key)
            .outerjoin(Record, _LIVE_RECORD)
            .where(Matter.item_code.in_(list(items)), _standing(as_of), in_period, Person.birth_date <= adult_born_by))
    if name:
        stmt = stmt.where(Person.name == name)
    return list(session.execute(stmt.order_by(Matter.start_date.desc(), Matter.id.desc()).limit(limit).offset(offset)))


def record(session: Session, matter_or_record_id: str) -> Any:
    """One matter by its id, or by the id of any version of its record."""
    stmt = (select(Matter, Record, Person.name, Person.birth_date, Person.id_cipher)
            .join(Person, Person.person_key == Matter.subject_key)
            .outerjoin(Record, _LIVE_RECORD))
    found = session.execute(stmt.where(Matter.id == matter_or_record_id)).first()
    if found is None:
        version = session.execute(select(Record.subject_key, Record.matter_id)
                                  .where(Record.id == matter_or_record_id)).first()
        if version is not None:
            found = session.execute(stmt.where(Matter.subject_key == version[0], Matter.id == version[1])).first()
    return found


def entries(session: Session, *, list_types: Sequence[str], adult_born_by: date, as_of: date, name: str | None,
            limit: int, offset: int) -> list[Any]:
    """(matter, name, birth date, ID cipher) of persons listed on `as_of`, newest first."""
    stmt = (select(Matter, Person.name, Person.birth_date, Person.id_cipher)
            .join(Person, Person.person_key == Matter.subject_key)
            .where(Matter.list_type.in_(list(list_types)), _standing(as_of),
                   or_(Matter.planned_end.is_(None), Matter.planned_end >= as_of), Person.birth_date <= adult_born_by))
    if name:
        stmt = stmt.where(Person.name == name)
    return list(session.execute(stmt.order_by(Matter.start_date.desc(), Matter.id.desc()).limit(limit).offset(offset)))
