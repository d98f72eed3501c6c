"""All SQL of the exchange."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from chengxin.exchange.models import AppliedChange, OutgoingChange, Peer, Reconciliation, ReferenceRecord, Refusal

OUTGOING_COLUMNS = ("neighbour", "numbered", "kind", "subject_key", "matter_id", "ref", "extra", "created_at")


def owe(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add changes owed to neighbours (no numbers yet)."""
    if rows:
        session.execute(insert(OutgoingChange), list(rows))


def peer(session: Session, code: str, *, lock: bool = False) -> Peer:
    """The state with a neighbour, made on first use; `lock` holds its row until commit (the one
    numbering or applying its feed)."""
    stmt = select(Peer).where(Peer.code == code)
    if lock:
        stmt = stmt.with_for_update()
    found = session.scalars(stmt).first()
    if found is None:
        found = Peer(code=code, last_seq=0, acked_through=0, applied_through=0)
        session.add(found)
        session.flush()
    return found


def acked_through(session: Session, code: str) -> int:
    return session.scalar(select(Peer.acked_through).where(Peer.code == code)) or 0


def applied_through(session: Session, code: str) -> int:
    return session.scalar(select(Peer.applied_through).where(Peer.code == code)) or 0


def peers(session: Session) -> dict[str, Peer]:
    return {p.code: p for p in session.scalars(select(Peer))}


def unnumbered_ids(session: Session, neighbour: str, limit: int) -> list[int]:
    return list(session.scalars(
        select(OutgoingChange.id).where(OutgoingChange.neighbour == neighbour, OutgoingChange.numbered == 0)
        .order_by(OutgoingChange.id).limit(limit)))


def set_numbers(session: Session, numbers: Sequence[tuple[int, int]], day: date) -> None:
    """Give each (row id, sequence number) its number and the day it was numbered."""
    if _postgres(session):  # one statement over a JSON array: an executemany is a round trip per row
        session.execute(text(
            "UPDATE exchange_outgoing o SET seq = (v->>1)::bigint, numbered = 1, day = :day "
            "FROM jsonb_array_elements(CAST(:rows AS jsonb)) v WHERE o.id = (v->>0)::bigint"),
            {"rows": json.dumps(list(numbers)), "day": day})
        return
    t = OutgoingChange.__table__  # SQLite, in-process: a Core executemany costs no round trips
    session.execute(update(t).where(t.c.id == bindparam("rid")).values(seq=bindparam("num"), numbered=1, day=day),
                    [{"rid": i, "num": n} for i, n in numbers])


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def backlog(session: Session, neighbour: str) -> int:
    """Changes owed to the neighbour and not yet confirmed by it."""
    return session.scalar(select(func.count()).select_from(OutgoingChange).where(
        OutgoingChange.neighbour == neighbour, OutgoingChange.acked_at.is_(None))) or 0


def oldest_unacked(session: Session, neighbour: str) -> datetime | None:
    return session.scalar(select(func.min(OutgoingChange.created_at)).where(
        OutgoingChange.neighbour == neighbour, OutgoingChange.acked_at.is_(None)))


def to_send(session: Session, neighbour: str, after: int, limit: int, *, unsent_only: bool) -> list[Any]:
    """Numbered changes after `after`, in order (file mode: only those not yet written out), each
    with everything its body names, in one statement: the matter, the record version, the person
    or organisation (plain rows; a change's body is built from them)."""
    from chengxin.matters.models import Matter
    from chengxin.organisations.models import Organisation
    from chengxin.persons.models import Person
    from chengxin.records.models import Record

    o, m, r, p, g = OutgoingChange, Matter, Record, Person, Organisation
    stmt = (select(o.id, o.seq, o.kind, o.subject_key, o.matter_id, o.ref, o.extra, o.day,
                   m.department_code.label("m_dept"), m.source_record_id.label("m_src"), m.origin.label("m_origin"),
                   m.item_code.label("m_item"), m.list_type, m.nature, m.severity.label("m_sev"), m.start_date,
                   m.planned_end, m.basis, m.reference,
                   r.department_code.label("r_dept"), r.source_record_id.label("r_src"), r.item_code.label("r_item"),
                   r.decision_date, r.severity.label("r_sev"), r.severity_reason, r.data, r.version,
                   p.id_type, p.id_cipher, p.name.label("p_name"), g.uscc, g.name.label("g_name"))
            .select_from(o)
            .join(m, and_(m.subject_key == o.subject_key, m.id == o.matter_id))
            .outerjoin(r, and_(o.kind == "record", r.subject_key == o.subject_key, r.id == o.ref))
            .outerjoin(p, p.person_key == o.subject_key)
            .outerjoin(g, g.subject_key == o.subject_key)
            # An unnumbered change has no number, so `seq > after` leaves it out: the (neighbour, seq)
            # index answers this alone, however long the feed grows.
            .where(o.neighbour == neighbour, o.seq > after))
    if unsent_only:
        stmt = stmt.where(o.sent_at.is_(None))
    return list(session.connection().execute(stmt.order_by(o.seq).limit(limit)))


def mark_sent(session: Session, sent: Sequence[tuple[int, str, str]], at: datetime) -> None:
    """The changes (row id, digest, category) left: when, and what reconciliation counts them as."""
    if _postgres(session):
        session.execute(text(
            "UPDATE exchange_outgoing o SET sent_at = :at, digest = v->>1, category = v->>2 "
            "FROM jsonb_array_elements(CAST(:rows AS jsonb)) v WHERE o.id = (v->>0)::bigint"),
            {"rows": json.dumps([[i, d, c[:16]] for i, d, c in sent]), "at": at})
        return
    t = OutgoingChange.__table__
    session.execute(update(t).where(t.c.id == bindparam("rid")).values(
        sent_at=at, digest=bindparam("dg"), category=bindparam("cat")),
        [{"rid": i, "dg": d, "cat": c[:16]} for i, d, c in sent])


def mark_acked(session: Session, neighbour: str, after: int, through: int, at: datetime) -> int:
    return session.execute(update(OutgoingChange).where(
        OutgoingChange.neighbour == neighbour,
        OutgoingChange.seq > after, OutgoingChange.seq <= through).values(acked_at=at)).rowcount or 0


def unsend(session: Session, neighbour: str, from_seq: int) -> int:
    """Send again from a number: the changes from it on count as neither sent nor confirmed."""
    return session.execute(update(OutgoingChange).where(
        OutgoingChange.neighbour == neighbour,
        OutgoingChange.seq >= from_seq).values(sent_at=None, acked_at=None)).rowcount or 0


def sent_about(session: Session, subject_key: str, matter_id: str) -> list[OutgoingChange]:
    """Every change about a matter owed to a neighbour, oldest first."""
    return list(session.scalars(select(OutgoingChange).where(
        OutgoingChange.subject_key == subject_key, OutgoingChange.matter_id == matter_id)
        .order_by(OutgoingChange.id)))


def senders_of(session: Session, subject_key: str, matter_id: str) -> set[str]:
    """The neighbours a matter came from."""
    return set(session.scalars(select(AppliedChange.sender).where(
        AppliedChange.subject_key == subject_key, AppliedChange.matter_id == matter_id)))


APPLIED_COLUMNS = ("sender", "seq", "kind", "category", "day", "digest", "status", "code", "subject_key",
                   "matter_id", "applied_at")


def add_applied(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    if _postgres(session):  # one statement over a JSON array: an executemany is a round trip per row
        from chengxin.db import insert_from_json, json_rows

        session.execute(text(insert_from_json("exchange_applied", APPLIED_COLUMNS, "CAST(:rows AS jsonb)")),
                        {"rows": json_rows([[r[c] for c in APPLIED_COLUMNS] for r in rows])[1:-1]})
        return
    session.execute(insert(AppliedChange.__table__), list(rows))  # SQLite, in-process: a Core executemany


def add_refusal(session: Session, refusal: Refusal) -> None:
    session.add(refusal)
    session.flush()


def refusals(session: Session, limit: int = 50) -> list[Refusal]:
    return list(session.scalars(select(Refusal).order_by(Refusal.at.desc(), Refusal.id.desc()).limit(limit)))


def sent_digests(session: Session, neighbour: str, day_from: date, day_to: date) -> list[tuple[str, date, str]]:
    """(category, day, digest) of every change sent to the neighbour and confirmed, in the days."""
    return [tuple(r) for r in session.execute(select(  # type: ignore[misc]
        OutgoingChange.category, OutgoingChange.day, OutgoingChange.digest).where(
        OutgoingChange.neighbour == neighbour, OutgoingChange.acked_at.is_not(None),
        OutgoingChange.day.between(day_from, day_to)))]


def applied_digests(session: Session, sender: str, day_from: date, day_to: date) -> list[tuple[str, date, str]]:
    return [tuple(r) for r in session.execute(select(  # type: ignore[misc]
        AppliedChange.category, AppliedChange.day, AppliedChange.digest).where(
        AppliedChange.sender == sender, AppliedChange.day.between(day_from, day_to)))]


def add_reconciliation(session: Session, row: Reconciliation) -> None:
    session.add(row)
    session.flush()


def last_reconciliations(session: Session) -> dict[str, Reconciliation]:
    newest = select(Reconciliation.neighbour, func.max(Reconciliation.at).label("at")).group_by(
        Reconciliation.neighbour).subquery()
    rows = session.scalars(select(Reconciliation).join(newest, and_(
        Reconciliation.neighbour == newest.c.neighbour, Reconciliation.at == newest.c.at)))
    return {r.neighbour: r for r in rows}


def overdue(session: Session, before: datetime, limit: int = 100) -> list[OutgoingChange]:
    """Ends (revocations, repairs, deletions) owed to a neighbour and not confirmed since `before`."""
    return list(session.scalars(select(OutgoingChange).where(
        OutgoingChange.kind == "end", OutgoingChange.acked_at.is_(None),
        or_(OutgoingChange.created_at < before)).order_by(OutgoingChange.created_at).limit(limit)))


def references(session: Session, subject_key: str) -> list[ReferenceRecord]:
    return list(session.scalars(select(ReferenceRecord).where(ReferenceRecord.subject_key == subject_key)
                                .order_by(ReferenceRecord.decision_date.desc(), ReferenceRecord.id)))


def same_refusal(session: Session, neighbour: str, code: str, first: int, last: int) -> bool:
    """Whether the neighbour's latest refusal of our batches was this one (a retry is not news)."""
    last_one = session.scalars(select(Refusal).where(Refusal.direction == "out", Refusal.neighbour == neighbour)
                               .order_by(Refusal.at.desc(), Refusal.id.desc()).limit(1)).first()
    return last_one is not None and (last_one.code, last_one.first_seq, last_one.last_seq) == (code[:48], first, last)
