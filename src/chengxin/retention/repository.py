"""All SQL of retention: the candidates, what holds a due matter back, the deletion, the reports."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, text, tuple_
from sqlalchemy.orm import Session

from chengxin.cases.models import CaseEvent, EvidenceFile
from chengxin.exchange.models import Disclosure, OutgoingChange
from chengxin.matters.models import Matter
from chengxin.objections.models import Objection
from chengxin.records.models import Record
from chengxin.repairs.models import Repair
from chengxin.retention.models import RepairArchive, RetentionRun
from chengxin.watch.models import Delivery, WatchEvent

Key = tuple[str, str]  # (subject_key, matter id)
CHUNK = 400  # keys per IN list: two bound parameters each, under SQLite's limit
PENDING_REPAIR = ("submitted", "accepted")


def _chunks(keys: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(keys), CHUNK):
        yield keys[i:i + CHUNK]


def _pairs(rows: Any) -> list[Key]:
    return [(r[0], r[1]) for r in rows]


def _candidates_filter(cutoff: date, repaired: bool) -> Any:
    aged = Matter.start_date <= cutoff
    return and_(Matter.nature == "negative", or_(aged, Matter.end_reason == "repaired") if repaired else aged)


def candidates(session: Session, after: Key | None, cutoff: date, repaired: bool, limit: int) -> list[Any]:
    """The next negative matters that may be due, in key order after `after` (keyset paging: rows
    deleted behind the cursor never shift what comes next)."""
    m = Matter
    stmt = (select(m.subject_key, m.id, m.item_code, m.department_code, m.source_record_id, m.severity, m.list_type,
                   m.nature, m.start_date, m.planned_end, m.ended_on, m.end_reason, m.disputed_at)
            .where(_candidates_filter(cutoff, repaired)))
    if after is not None:
        stmt = stmt.where(tuple_(m.subject_key, m.id) > tuple_(*after))
    return list(session.execute(stmt.order_by(m.subject_key, m.id).limit(limit)))


def count_candidates(session: Session, cutoff: date, repaired: bool) -> int:
    return session.scalar(select(func.count()).select_from(Matter).where(_candidates_filter(cutoff, repaired))) or 0


def unacked_exchange(session: Session, keys: Sequence[Key]) -> set[Key]:
    """Matters with a change a neighbour has not confirmed: the feed builds a change's body from
    the matter when it (re)sends it, so deleting the matter first would leave a hole in the numbers."""
    o = OutgoingChange
    found: set[Key] = set()
    for part in _chunks(keys):
        found.update(_pairs(session.execute(select(o.subject_key, o.matter_id).where(
            tuple_(o.subject_key, o.matter_id).in_(part), o.acked_at.is_(None)))))
    return found


def pending_repairs(session: Session, keys: Sequence[Key]) -> set[Key]:
    found: set[Key] = set()
    for part in _chunks(keys):
        found.update(_pairs(session.execute(select(Repair.subject_key, Repair.matter_id).where(
            tuple_(Repair.subject_key, Repair.matter_id).in_(part), Repair.status.in_(PENDING_REPAIR)))))
    return found


def unconfirmed_disclosures(session: Session, keys: Sequence[Key]) -> set[Key]:
    """Matters a third party received and has not yet confirmed the end of (R14: it is owed word)."""
    d = Disclosure
    found: set[Key] = set()
    for part in _chunks(keys):
        found.update(_pairs(session.execute(select(d.subject_key, d.matter_id).where(
            tuple_(d.subject_key, d.matter_id).in_(part), d.confirmed_at.is_(None)))))
    return found


def approved_repairs(session: Session, keys: Sequence[Key]) -> dict[Key, Repair]:
    """The approved repair of each matter (the latest, should there be several)."""
    found: dict[Key, Repair] = {}
    for part in _chunks(keys):
        rows = session.scalars(select(Repair).where(tuple_(Repair.subject_key, Repair.matter_id).in_(part),
                                                    Repair.status == "approved").order_by(Repair.decided_at))
        for r in rows:
            found[(r.subject_key, r.matter_id)] = r
    return found


def archive(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.execute(RepairArchive.__table__.insert(), list(rows))


def delete_matters(session: Session, keys: Sequence[Key]) -> int:
    """Delete the matters and everything derived from them: every record version, objections and
    repair applications with their history and evidence, third-party disclosures, list events and
    their webhook deliveries. Returns the number of record versions deleted. The access log, the
    exchange feed's rows (numbers, digests: no content) and notices already sent are left alone."""
    records = 0
    for part in _chunks(keys):
        records += session.execute(delete(Record).where(
            tuple_(Record.subject_key, Record.matter_id).in_(part))).rowcount or 0
        cases = [*_pairs(session.execute(select(Objection.subject_key, Objection.id).where(
                     tuple_(Objection.subject_key, Objection.matter_id).in_(part)))),
                 *_pairs(session.execute(select(Repair.subject_key, Repair.id).where(
                     tuple_(Repair.subject_key, Repair.matter_id).in_(part))))]
        for cpart in _chunks(cases):
            session.execute(delete(CaseEvent).where(tuple_(CaseEvent.subject_key, CaseEvent.case_id).in_(cpart)))
            session.execute(delete(EvidenceFile).where(
                tuple_(EvidenceFile.subject_key, EvidenceFile.case_id).in_(cpart)))
        session.execute(delete(Objection).where(tuple_(Objection.subject_key, Objection.matter_id).in_(part)))
        session.execute(delete(Repair).where(tuple_(Repair.subject_key, Repair.matter_id).in_(part)))
        session.execute(delete(Disclosure).where(tuple_(Disclosure.subject_key, Disclosure.matter_id).in_(part)))
        ids = [k[1] for k in part]
        seqs = list(session.scalars(select(WatchEvent.seq).where(WatchEvent.entry_id.in_(ids))))
        for spart in _chunks(seqs):
            session.execute(delete(Delivery).where(Delivery.event_seq.in_(spart)))
            session.execute(delete(WatchEvent).where(WatchEvent.seq.in_(spart)))
        session.execute(delete(Matter).where(tuple_(Matter.subject_key, Matter.id).in_(part)))
    return records


# The ids go as one JSON array (one bound value): an import asks this for every chunk, and an
# expanding IN of thousands of values cost more to compile than the archive costs to probe.
_REPAIRED_PG = text("SELECT source_record_id FROM repair_archive WHERE department_code = :d"
                    " AND source_record_id IN (SELECT json_array_elements_text(CAST(:ids AS json)))")
_REPAIRED_SQLITE = text("SELECT source_record_id FROM repair_archive WHERE department_code = :d"
                        " AND source_record_id IN (SELECT value FROM json_each(:ids))")


def repaired_sources(session: Session, department_code: str, source_ids: Sequence[str]) -> set[str]:
    """Which of a department's source record ids belong to matters deleted after repair."""
    wanted = list(dict.fromkeys(source_ids))
    if not wanted:
        return set()
    sql = _REPAIRED_PG if session.get_bind().dialect.name == "postgresql" else _REPAIRED_SQLITE
    return set(session.scalars(sql, {"d": department_code, "ids": json.dumps(wanted)}))


def run(session: Session, run_id: str) -> RetentionRun | None:
    return session.get(RetentionRun, run_id)


def done_on(session: Session, as_of: date) -> bool:
    """Whether a purge already completed for `as_of` (the daily job runs once a day)."""
    return session.scalar(select(func.count()).select_from(RetentionRun).where(
        RetentionRun.as_of == as_of, RetentionRun.status == "done")) != 0


def latest_runs(session: Session, limit: int = 20) -> list[RetentionRun]:
    return list(session.scalars(select(RetentionRun).order_by(RetentionRun.started_at.desc(),
                                                              RetentionRun.id.desc()).limit(limit)))


def archive_of(session: Session, subject_key: str) -> list[RepairArchive]:
    return list(session.scalars(select(RepairArchive).where(RepairArchive.subject_key == subject_key)
                                .order_by(RepairArchive.repaired_on)))
