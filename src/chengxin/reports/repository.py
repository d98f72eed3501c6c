"""The reports' queries that verification runs: the register row by number and, for its stamps, only
the columns a stamp is made of (a verification reads no more of a matter than that). The statements
are built once: a verification is a public, frequent request, and building a statement costs about
as much as running it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from chengxin.matters.models import Matter
from chengxin.reports.models import Report

_BY_NUMBER = select(Report).where(Report.number == bindparam("number"))
_STAMPED = select(Matter.id, Matter.record_id, Matter.end_reason).where(
    Matter.subject_key == bindparam("subject_key"), Matter.id.in_(bindparam("ids", expanding=True)))


def by_number(session: Session, number: str) -> Report | None:
    return session.scalar(_BY_NUMBER, {"number": number})


def stamp_columns(session: Session, subject_key: str,
                  matter_ids: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
    """(record id, end reason) now of the person's matters a report stamped, by matter id: one query on
    the matters' primary key."""
    rows = session.execute(_STAMPED, {"subject_key": subject_key, "ids": list(matter_ids)})
    return {matter_id: (record_id, end_reason) for matter_id, record_id, end_reason in rows}
