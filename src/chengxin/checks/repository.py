"""All SQL for checks: what a check reads (in bulk, for batch checks too) and writes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.checks.models import Check, CheckHit, Feedback
from chengxin.lists.models import ListEntry
from chengxin.organisations.models import Organisation, OrganisationRole
from chengxin.persons.models import Person
from chengxin.records.models import Record
from chengxin.records.repository import IN_CHUNK


@dataclass(frozen=True, slots=True)
class RoleRow:
    uscc: str
    org_name: str
    org_key: str
    role: str


def _parts(values: Sequence[str]) -> list[list[str]]:
    values = list(values)
    return [values[i : i + IN_CHUNK] for i in range(0, len(values), IN_CHUNK)]


def birth_dates(session: Session, keys: Sequence[str]) -> dict[str, date | None]:
    out: dict[str, date | None] = {}
    for part in _parts(keys):
        out.update(session.execute(
            select(Person.person_key, Person.birth_date).where(Person.person_key.in_(part))).all())
    return out


def roles(session: Session, person_keys: Sequence[str]) -> dict[str, list[RoleRow]]:
    out: dict[str, list[RoleRow]] = defaultdict(list)
    for part in _parts(person_keys):
        rows = session.execute(
            select(OrganisationRole.person_key, Organisation.uscc, Organisation.name,
                   Organisation.subject_key, OrganisationRole.role)
            .join(Organisation, Organisation.uscc == OrganisationRole.uscc)
            .where(OrganisationRole.person_key.in_(part)))
        for person_key, uscc, name, key, role in rows:
            out[person_key].append(RoleRow(uscc, name, key, role))
    return out


ENTRY_COLUMNS = (ListEntry.subject_key, ListEntry.id, ListEntry.list_type, ListEntry.record_id,
                 ListEntry.item_code, ListEntry.severity, ListEntry.department_code, ListEntry.basis,
                 ListEntry.start_date, ListEntry.planned_end, ListEntry.exited_on,
                 ListEntry.disputed_at)
RECORD_COLUMNS = (Record.subject_key, Record.id, Record.item_code, Record.nature, Record.severity,
                  Record.decision_date, Record.revoked_at, Record.disputed_at, Record.department_code)


def entries(session: Session, keys: Sequence[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for part in _parts(keys):
        for row in session.execute(select(*ENTRY_COLUMNS).where(ListEntry.subject_key.in_(part))):
            out[row[0]].append(row)
    return out


def live_records(session: Session, keys: Sequence[str]) -> dict[str, list[Any]]:
    """Current versions of the subjects' records (all natures: standing needs positives too)."""
    out: dict[str, list[Any]] = defaultdict(list)
    for part in _parts(keys):
        for row in session.execute(select(*RECORD_COLUMNS).where(
                Record.subject_key.in_(part), Record.superseded_at.is_(None))):
            out[row[0]].append(row)
    return out


def insert_checks(session: Session, checks: list[dict[str, Any]], hits: list[dict[str, Any]]) -> None:
    if checks:
        session.execute(Check.__table__.insert(), checks)
    if hits:
        session.execute(CheckHit.__table__.insert(), hits)


def get_check(session: Session, check_id: str) -> Check | None:
    return session.scalars(select(Check).where(Check.id == check_id)).first()


def insert_feedback(session: Session, rows: list[dict[str, Any]]) -> None:
    session.execute(Feedback.__table__.insert(), rows)


def feedback_of(session: Session, check_id: str) -> list[Feedback]:
    return list(session.scalars(select(Feedback).where(Feedback.check_id == check_id)
                                .order_by(Feedback.at, Feedback.id)))


def hit_counts(session: Session, since: datetime | None, department: str | None) -> list[Any]:
    """(department, measure, hits) over check_hits."""
    stmt = select(CheckHit.department_code, CheckHit.measure_code, func.count())
    if since is not None:
        stmt = stmt.where(CheckHit.checked_at >= since)
    if department:
        stmt = stmt.where(CheckHit.department_code == department)
    return list(session.execute(stmt.group_by(CheckHit.department_code, CheckHit.measure_code)))


def answered_counts(session: Session, since: datetime | None, department: str | None) -> list[Any]:
    """(department, measure, outcome, hits answered) using each hit's latest feedback."""
    latest = (select(Feedback.check_id, Feedback.measure_code, func.max(Feedback.at).label("at"))
              .group_by(Feedback.check_id, Feedback.measure_code).subquery())
    stmt = (select(CheckHit.department_code, CheckHit.measure_code, Feedback.outcome, func.count())
            .join(latest, (latest.c.check_id == CheckHit.check_id)
                  & (latest.c.measure_code == CheckHit.measure_code))
            .join(Feedback, (Feedback.check_id == latest.c.check_id)
                  & (Feedback.measure_code == latest.c.measure_code) & (Feedback.at == latest.c.at)))
    if since is not None:
        stmt = stmt.where(CheckHit.checked_at >= since)
    if department:
        stmt = stmt.where(CheckHit.department_code == department)
    return list(session.execute(stmt.group_by(CheckHit.department_code, CheckHit.measure_code,
                                              Feedback.outcome)))
