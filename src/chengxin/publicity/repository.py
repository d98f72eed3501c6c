"""All SQL of the publicity jobs: watermarks, new batches and their negative records and matters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.matters.models import Matter
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


def matters_of(session: Session, records: Sequence[Record]) -> dict[str, Matter]:
    """The matters of some records, by matter id."""
    out: dict[str, Matter] = {}
    for rec in records:
        m = session.get(Matter, (rec.subject_key, rec.matter_id))
        if m is not None:
            out[m.id] = m
    return out
