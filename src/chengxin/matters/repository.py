"""All SQL for matters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select, tuple_
from sqlalchemy.orm import Session

from chengxin.matters.models import Matter
from chengxin.organisations.models import Organisation
from chengxin.persons.models import Person
from chengxin.records.models import Record
from chengxin.records.repository import (
    IN_CHUNK,
    copy_text,
    copy_value,
    driver_connection,
    is_postgres,
    remembering,
    sqlite_timestamp,
)
from chengxin.watch.models import WatchEvent

MATTER_COLUMNS = (
    "subject_key", "id", "subject_kind", "origin", "department_code", "source_record_id", "record_id",
    "item_code", "nature", "severity", "start_date", "list_type", "planned_end", "basis", "reference",
    "created_at", "updated_at", "domain", "occupation",
)
_NAMES = ", ".join(MATTER_COLUMNS)
_SQLITE_INSERT = f"INSERT INTO matters ({_NAMES}) VALUES ({', '.join('?' * len(MATTER_COLUMNS))})"
_PG_COPY = f"COPY matters ({_NAMES}) FROM STDIN"


def insert_many(session: Session, rows: Sequence[Sequence[Any]]) -> None:
    """Bulk-insert new matters, values in MATTER_COLUMNS order (the collection path's bulk way)."""
    if not rows:
        return
    conn = driver_connection(session)
    if is_postgres(session):
        with conn.cursor() as cur, cur.copy(_PG_COPY) as copy:
            copy.write(_copy_matters(rows))
        return
    conn.executemany(_SQLITE_INSERT, [
        (*row[:10], row[10].isoformat(), row[11], row[12].isoformat() if row[12] else None, row[13], row[14],
         sqlite_timestamp(row[15]), sqlite_timestamp(row[16]), row[17], row[18]) for row in rows])


def _copy_matters(rows: Sequence[Sequence[Any]]) -> bytes:
    """Matter tuples as COPY text (as records.repository writes records: keys, ids, kinds and
    codes are the platform's own, from fixed alphabets; text that can come from outside is escaped)."""
    text = copy_text
    stamp = remembering(copy_value)  # a chunk's rows share their times
    day = remembering(copy_value)
    lines = []
    for (key, mid, kind, origin, dept, sid, rid, item, nature, severity, start, list_type, end, basis,
         reference, created, updated, domain, occupation) in rows:
        lines.append("\t".join((
            key, mid, kind, origin, text(dept), text(sid), text(rid), text(item), nature, text(severity),
            day(start), text(list_type), day(end), text(basis), text(reference), stamp(created),
            stamp(updated), text(domain), text(occupation))))
    lines.append("")
    return "\n".join(lines).encode()


def get(session: Session, matter_id: str) -> Matter | None:
    return session.scalars(select(Matter).where(Matter.id == matter_id[:26])).first()


def of_subject(session: Session, subject_key: str, matter_id: str) -> Matter | None:
    return session.get(Matter, (subject_key, matter_id[:26]))


def by_keys(session: Session, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Matter]:
    """Matters by (subject key, id)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[tuple[str, str], Matter] = {}
    for i in range(0, len(wanted), IN_CHUNK // 2):
        part = wanted[i : i + IN_CHUNK // 2]
        for m in session.scalars(select(Matter).where(tuple_(Matter.subject_key, Matter.id).in_(part))):
            found[(m.subject_key, m.id)] = m
    return found


def of_subjects(session: Session, subject_keys: Sequence[str]) -> list[Matter]:
    keys = list(subject_keys)
    out: list[Matter] = []
    for i in range(0, len(keys), IN_CHUNK):
        out += session.scalars(select(Matter).where(Matter.subject_key.in_(keys[i : i + IN_CHUNK])))
    return sorted(out, key=lambda m: (m.start_date, m.id), reverse=True)


def of_record(session: Session, record: Record) -> Matter | None:
    return session.get(Matter, (record.subject_key, record.matter_id))


def records_of(session: Session, matters: Sequence[Matter]) -> dict[str, Record]:
    """The live record version of each matter that has one, by matter id."""
    wanted = {(m.subject_key, m.record_id): m.id for m in matters if m.record_id is not None}
    out: dict[str, Record] = {}
    for subject in {k for k, _ in wanted}:
        ids = [r for k, r in wanted if k == subject]
        for i in range(0, len(ids), IN_CHUNK):
            for rec in session.scalars(select(Record).where(Record.subject_key == subject,
                                                            Record.id.in_(ids[i : i + IN_CHUNK]))):
                out[wanted[(subject, rec.id)]] = rec
    return out


def listed(session: Session, *, list_type: str | None, department_code: str | None, status: str | None,
           as_of: date, limit: int, offset: int, matter_id: str | None = None) -> list[Any]:
    """(matter, person name, person ID cipher, organisation name) of listed matters, newest first.

    `status`: active (listed on `as_of`), expired (term over, not ended), exited (ended), or None."""
    stmt = (select(Matter, Person.name, Person.id_cipher, Organisation.name)
            .outerjoin(Person, Person.person_key == Matter.subject_key)
            .outerjoin(Organisation, Organisation.subject_key == Matter.subject_key)
            .where(Matter.list_type.is_not(None)))
    if matter_id is not None:
        stmt = stmt.where(Matter.id == matter_id)
    if list_type:
        stmt = stmt.where(Matter.list_type == list_type)
    if department_code:
        stmt = stmt.where(Matter.department_code == department_code)
    if status == "active":
        stmt = stmt.where(or_(Matter.ended_on.is_(None), Matter.ended_on > as_of), Matter.start_date <= as_of,
                          or_(Matter.planned_end.is_(None), Matter.planned_end >= as_of))
    elif status == "expired":
        stmt = stmt.where(or_(Matter.ended_on.is_(None), Matter.ended_on > as_of), Matter.planned_end < as_of)
    elif status == "exited":
        stmt = stmt.where(Matter.ended_on <= as_of)
    return list(session.execute(stmt.order_by(Matter.created_at.desc(), Matter.id).limit(limit).offset(offset)))


def term_ended_listed(session: Session, as_of: date, limit: int = 5000) -> list[Matter]:
    """Listed matters whose listing term is over by `as_of`, not ended otherwise before it, that
    were announced as listed and not yet as delisted (a listing that had ended before it reached
    the platform was never announced)."""
    def told(kind: str) -> Any:
        return exists().where(and_(WatchEvent.entry_id == Matter.id, WatchEvent.subject_key == Matter.subject_key,
                                   WatchEvent.kind == kind))

    return list(session.scalars(select(Matter).where(
        Matter.list_type.is_not(None), Matter.planned_end < as_of,
        or_(Matter.ended_on.is_(None), Matter.ended_on > Matter.planned_end), told("listed"),
        ~told("delisted")).limit(limit)))


def negative_ending_between(session: Session, *, severity: str, decided_from: date, decided_to: date,
                            first: date, last: date) -> list[Matter]:
    """Negative person matters of a tier whose term (tier or own) may end in [first, last]: those
    decided in the window the tier maps there, and those with an own end in it. Not ended otherwise."""
    by_tier = and_(Matter.start_date >= decided_from, Matter.start_date <= decided_to)
    by_own = and_(Matter.planned_end >= first, Matter.planned_end <= last)
    return list(session.scalars(select(Matter).where(
        Matter.severity == severity, Matter.nature == "negative", Matter.subject_kind == "person",
        Matter.ended_on.is_(None), or_(by_tier, by_own))))


def touch(matter: Matter, now: datetime) -> None:
    matter.updated_at = now
