"""All SQL for list entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chengxin.lists.models import ListEntry
from chengxin.organisations.models import Organisation
from chengxin.persons.models import Person
from chengxin.records.repository import IN_CHUNK


def by_source(session: Session, department_code: str, source_ids: Sequence[str]) -> dict[str, ListEntry]:
    """Live (not exited) entries created from a department's records, by source record id."""
    found: dict[str, ListEntry] = {}
    ids = list(source_ids)
    for i in range(0, len(ids), IN_CHUNK):
        for entry in session.scalars(
            select(ListEntry).where(ListEntry.department_code == department_code,
                                    ListEntry.source_record_id.in_(ids[i : i + IN_CHUNK]),
                                    ListEntry.exited_on.is_(None))
        ):
            assert entry.source_record_id is not None
            found[entry.source_record_id] = entry
    return found


def of_subjects(session: Session, subject_keys: Sequence[str]) -> list[ListEntry]:
    return list(session.scalars(
        select(ListEntry).where(ListEntry.subject_key.in_(list(subject_keys)))
        .order_by(ListEntry.start_date.desc())
    ))


def get(session: Session, entry_id: str) -> ListEntry | None:
    return session.scalars(select(ListEntry).where(ListEntry.id == entry_id)).first()


def search(session: Session, *, list_type: str | None, department_code: str | None,
           limit: int, offset: int) -> list[ListEntry]:
    stmt = select(ListEntry)
    if list_type:
        stmt = stmt.where(ListEntry.list_type == list_type)
    if department_code:
        stmt = stmt.where(ListEntry.department_code == department_code)
    return list(session.scalars(stmt.order_by(ListEntry.created_at.desc(), ListEntry.id)
                                .limit(limit).offset(offset)))


def browse(session: Session, *, list_type: str | None, department_code: str | None, status: str | None,
           as_of: date, limit: int, offset: int, entry_id: str | None = None) -> list[Any]:
    """(entry, person name, person ID cipher, organisation name) for the console, newest first.

    `status`: active (in force on `as_of`), expired (term over, not exited), exited, or None for all."""
    stmt = (select(ListEntry, Person.name, Person.id_cipher, Organisation.name)
            .outerjoin(Person, Person.person_key == ListEntry.subject_key)
            .outerjoin(Organisation, Organisation.subject_key == ListEntry.subject_key))
    if entry_id is not None:
        stmt = stmt.where(ListEntry.id == entry_id)
    if list_type:
        stmt = stmt.where(ListEntry.list_type == list_type)
    if department_code:
        stmt = stmt.where(ListEntry.department_code == department_code)
    if status == "active":
        stmt = stmt.where(ListEntry.exited_on.is_(None), ListEntry.start_date <= as_of,
                          or_(ListEntry.planned_end.is_(None), ListEntry.planned_end >= as_of))
    elif status == "expired":
        stmt = stmt.where(ListEntry.exited_on.is_(None), ListEntry.planned_end < as_of)
    elif status == "exited":
        stmt = stmt.where(ListEntry.exited_on.is_not(None))
    return list(session.execute(stmt.order_by(ListEntry.created_at.desc(), ListEntry.id)
                                .limit(limit).offset(offset)))
