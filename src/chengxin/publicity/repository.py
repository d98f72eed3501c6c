"""All SQL of the publicity jobs: watermarks, new batches and their negative records, ended records."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.publicity.models import Watermark
from chengxin.records.models import Batch, Record


def mark(session: Session, name: str) -> str | None:
    row = session.get(Watermark, name)
    return row.value if row is not None else None


def set_mark(session: Session, name: str, value: str, now: datetime) -> None:
    row = session.get(Watermark, name)
    if row is None:
        session.add(Watermark(name=name, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
    session.flush()


def batches_from(session: Session, batch_id: str, *, inclusive: bool, limit: int) -> Sequence[Batch]:
    """Batches in id (time) order from the watermark on."""
    after = Batch.id >= batch_id if inclusive else Batch.id > batch_id
    return session.scalars(select(Batch).where(after).order_by(Batch.id).limit(limit)).all()


def new_negative_records(session: Session, batch_id: str, after_id: str, limit: int) -> Sequence[Record]:
    """First versions of negative person records a batch brought, by id after `after_id`."""
    return session.scalars(select(Record).where(
        Record.batch_id == batch_id, Record.id > after_id, Record.version == 1, Record.nature == "negative",
        Record.subject_kind == "person").order_by(Record.id).limit(limit)).all()


def negative_decided_between(session: Session, severity: str, first: date, last: date) -> Sequence[Record]:
    """Live, unrevoked, unrepaired negative person records of a tier decided in [first, last]."""
    return session.scalars(select(Record).where(
        Record.severity == severity, Record.nature == "negative", Record.subject_kind == "person",
        Record.decision_date >= first, Record.decision_date <= last, Record.superseded_at.is_(None),
        Record.revoked_at.is_(None), Record.repaired_at.is_(None))).all()
