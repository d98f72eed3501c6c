"""All SQL for list entries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.lists.models import ListEntry
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
