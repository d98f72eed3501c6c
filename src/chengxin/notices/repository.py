"""All SQL for notices: the outbox and its leases, the in-app mailbox, contact details."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from chengxin.notices.models import InboxMessage, Notice, PersonContact
from chengxin.notices.rules import PENDING
from chengxin.records.repository import is_postgres


def _insert_ignore(session: Session, model: type, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the rows whose idempotency key is new; the number inserted (counted by RETURNING:
    the rowcount of an ORM-enabled insert is not reported on PostgreSQL)."""
    if not rows:
        return 0
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = model.__table__  # type: ignore[attr-defined]
    stmt = (insert(table).values(list(rows)).on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(table.c.id))
    return len(session.execute(stmt).all())


def add_notices(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    return _insert_ignore(session, Notice, rows)


def _free(now: datetime) -> Any:
    return or_(Notice.lease_until.is_(None), Notice.lease_until <= now)


def due(session: Session, now: datetime, limit: int) -> list[str]:
    """Idempotency keys of pending notices whose time has come and that no worker holds, oldest first."""
    return list(session.scalars(
        select(Notice.idempotency_key)
        .where(Notice.status == PENDING, Notice.next_attempt_at <= now, _free(now))
        .order_by(Notice.next_attempt_at).limit(limit)))


def claim(session: Session, key: str, now: datetime, until: datetime) -> Notice | None:
    """Take a notice for sending until `until` and count the attempt; None when it is no longer
    pending or another worker holds it. A conditional UPDATE: of two workers racing, the second
    waits for the first's row lock, then finds the lease taken (PostgreSQL re-checks the
    condition on the updated row; SQLite runs one writer at a time)."""
    claimed = session.execute(
        update(Notice).where(Notice.idempotency_key == key, Notice.status == PENDING,
                             Notice.next_attempt_at <= now, _free(now))
        .values(lease_until=until, attempts=Notice.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return None
    return session.scalars(select(Notice).where(Notice.idempotency_key == key)
                           .execution_options(populate_existing=True)).one()


def finish(session: Session, key: str, **values: Any) -> bool:
    """Record a final outcome (delivered, no address, unconfigured, failed) of a pending notice."""
    return bool(session.execute(
        update(Notice).where(Notice.idempotency_key == key, Notice.status == PENDING)
        .values(lease_until=None, **values).execution_options(synchronize_session=False)).rowcount)


def retry_later(session: Session, key: str, attempts: int, at: datetime, error: str) -> bool:
    """Release a notice for another attempt at `at`; only while this worker's claim (its attempt
    number) still holds, so a slow worker never undoes a later one's work."""
    return bool(session.execute(
        update(Notice).where(Notice.idempotency_key == key, Notice.status == PENDING, Notice.attempts == attempts)
        .values(lease_until=None, next_attempt_at=at, last_error=error)
        .execution_options(synchronize_session=False)).rowcount)


def notices_of(session: Session, subject_key: str) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.subject_key == subject_key).order_by(Notice.id)))


def status_counts(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Notice.status, func.count()).group_by(Notice.status)).all())


# -- the in-app mailbox ------------------------------------------------------------------------

def add_inbox(session: Session, row: dict[str, Any]) -> int:
    return _insert_ignore(session, InboxMessage, [row])


def inbox(session: Session, subject_key: str, before: str | None, limit: int) -> list[InboxMessage]:
    """A person's messages, newest first (ids sort by time), after the cursor."""
    stmt = select(InboxMessage).where(InboxMessage.subject_key == subject_key)
    if before is not None:
        stmt = stmt.where(InboxMessage.id < before)
    return list(session.scalars(stmt.order_by(InboxMessage.id.desc()).limit(limit)))


def unread(session: Session, subject_key: str) -> int:
    return session.scalar(select(func.count()).select_from(InboxMessage).where(
        InboxMessage.subject_key == subject_key, InboxMessage.read_at.is_(None))) or 0


def mark_read(session: Session, subject_key: str, message_id: str, now: datetime) -> InboxMessage | None:
    """Mark one of the person's messages read (the first reading time stays)."""
    session.execute(update(InboxMessage).where(
        InboxMessage.subject_key == subject_key, InboxMessage.id == message_id, InboxMessage.read_at.is_(None))
        .values(read_at=now).execution_options(synchronize_session=False))
    return session.scalars(select(InboxMessage).where(
        InboxMessage.subject_key == subject_key, InboxMessage.id == message_id)
        .execution_options(populate_existing=True)).one_or_none()


# -- contact details ---------------------------------------------------------------------------

def contact(session: Session, person_key: str) -> PersonContact | None:
    return session.get(PersonContact, person_key)


def save_contact(session: Session, person_key: str, phone_cipher: bytes | None, email_cipher: bytes | None,
                 now: datetime) -> PersonContact:
    row = session.get(PersonContact, person_key)
    if row is None:
        row = PersonContact(person_key=person_key)
        session.add(row)
    row.phone_cipher, row.email_cipher, row.updated_at = phone_cipher, email_cipher, now
    session.flush()
    return row
