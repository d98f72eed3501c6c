"""Reads of the grade computation: the opted-in persons a page at a time, and their own matters."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from chengxin.checks.repository import MATTER_COLUMNS, driver_connection, is_postgres
from chengxin.persons.models import Person
from chengxin.points.models import PointsConsent

_MATTER_SQL = ", ".join(c.name for c in MATTER_COLUMNS)


def count_consents(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PointsConsent)) or 0


def consenting_page(session: Session, after: str, size: int) -> list[tuple[str, date | None, str | None, str | None]]:
    """(person key, birth date, sex, region) of the next `size` opted-in persons after `after`, in key order."""
    rows = session.execute(
        select(PointsConsent.person_key, Person.birth_date, Person.sex, Person.region_code)
        .join(Person, Person.person_key == PointsConsent.person_key)
        .where(PointsConsent.person_key > after).order_by(PointsConsent.person_key).limit(size))
    return [tuple(r) for r in rows]  # type: ignore[misc]


def own_matters(session: Session, keys: Sequence[str]) -> dict[str, list[Any]]:
    """The persons' own matters (rows in `MATTER_COLUMNS` order), by person key: one statement."""
    out: dict[str, list[Any]] = defaultdict(list)
    if not keys:
        return out
    if is_postgres(session):
        cur = driver_connection(session).execute(
            f"SELECT {_MATTER_SQL} FROM matters WHERE subject_key = ANY(%s)", (list(keys),))
        for row in cur.fetchall():
            out[row[0]].append(row)
        return out
    rows = session.execute(text(f"SELECT {_MATTER_SQL} FROM matters WHERE subject_key IN "
                                "(SELECT value FROM json_each(:keys))"), {"keys": json.dumps(list(keys))})
    day = date.fromisoformat
    for r in rows:
        out[r[0]].append((*r[:9], day(r[9]), r[10] and day(r[10]), r[11] and day(r[11]), *r[12:]))
    return out
