"""All SQL of public disclosure: candidates narrowed in the database, the rules finish in Python."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from chengxin.lists.models import ListEntry
from chengxin.persons.models import Person
from chengxin.records.models import Record


def records(session: Session, *, items: Sequence[str], negative_cutoffs: dict[str, date], adult_born_by: date,
            as_of: date, name: str | None, limit: int, offset: int) -> list[Any]:
    """Live, unrevoked, unrepaired person records of public items, newest first, with the person."""
    in_period = or_(Record.nature != "negative",
                    *[and_(Record.severity == s, Record.decision_date >= d) for s, d in negative_cutoffs.items()])
    stmt = (select(Record, Person.name, Person.birth_date, Person.id_cipher)
            .join(Person, Person.person_key == Record.subject_key)
            .where(Record.item_code.in_(list(items)), Record.superseded_at.is_(None), Record.revoked_at.is_(None),
                   Record.repaired_at.is_(None), Record.decision_date <= as_of, in_period,
                   Person.birth_date <= adult_born_by))
    if name:
        stmt = stmt.where(Person.name == name)
    return list(session.execute(stmt.order_by(Record.decision_date.desc(), Record.id.desc())
                                .limit(limit).offset(offset)))


def record(session: Session, record_id: str) -> Any:
    stmt = (select(Record, Person.name, Person.birth_date, Person.id_cipher)
            .join(Person, Person.person_key == Record.subject_key)
            .where(Record.id == record_id, Record.superseded_at.is_(None)))
    return session.execute(stmt).first()


def entries(session: Session, *, list_types: Sequence[str], adult_born_by: date, as_of: date, name: str | None,
            limit: int, offset: int) -> list[Any]:
    stmt = (select(ListEntry, Person.name, Person.birth_date, Person.id_cipher)
            .join(Person, Person.person_key == ListEntry.subject_key)
            .where(ListEntry.list_type.in_(list(list_types)), ListEntry.exited_on.is_(None),
                   ListEntry.start_date <= as_of, or_(ListEntry.planned_end.is_(None), ListEntry.planned_end >= as_of),
                   Person.birth_date <= adult_born_by))
    if name:
        stmt = stmt.where(Person.name == name)
    return list(session.execute(stmt.order_by(ListEntry.start_date.desc(), ListEntry.id.desc())
                                .limit(limit).offset(offset)))
