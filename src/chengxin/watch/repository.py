"""All SQL for watch: subscriptions, events, deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from chengxin.records.repository import is_postgres
from chengxin.watch.models import Delivery, Subscription, WatchEvent, Webhook


def _insert_ignore(session: Session, model: type, rows: list[dict[str, Any]], keys: list[str]) -> None:
    if not rows:
        return
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(model).on_conflict_do_nothing(index_elements=keys), rows)


def subscribe(session: Session, rows: list[dict[str, Any]]) -> None:
    _insert_ignore(session, Subscription, rows, ["subject_key", "department_code"])


def unsubscribe(session: Session, department: str, subject_key: str) -> int:
    result = session.execute(Subscription.__table__.delete().where(
        Subscription.subject_key == subject_key, Subscription.department_code == department))
    return result.rowcount or 0


def subscribers(session: Session, subject_key: str) -> list[str]:
    return list(session.scalars(select(Subscription.department_code)
                                .where(Subscription.subject_key == subject_key)))


def add_event(session: Session, row: dict[str, Any]) -> WatchEvent | None:
    """Insert an event once per (entry, subject, kind); None when it already exists."""
    existing = session.scalars(select(WatchEvent).where(
        WatchEvent.entry_id == row["entry_id"], WatchEvent.subject_key == row["subject_key"],
        WatchEvent.kind == row["kind"])).first()
    if existing is not None:
        return None
    event = WatchEvent(**row)
    session.add(event)
    session.flush()
    return event


def webhook(session: Session, department: str) -> Webhook | None:
    return session.get(Webhook, department)


def webhooks_of(session: Session, departments: Sequence[str]) -> set[str]:
    if not departments:
        return set()
    return set(session.scalars(select(Webhook.department_code)
                               .where(Webhook.department_code.in_(list(departments)))))


def add_deliveries(session: Session, rows: list[dict[str, Any]]) -> None:
    _insert_ignore(session, Delivery, rows, ["department_code", "event_seq"])


def due(session: Session, now: datetime, limit: int) -> list[tuple[Delivery, WatchEvent]]:
    rows = session.execute(
        select(Delivery, WatchEvent).join(WatchEvent, WatchEvent.seq == Delivery.event_seq)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.event_seq).limit(limit)).all()
    return [(d, e) for d, e in rows]


def feed(session: Session, department: str, after: int, limit: int) -> list[WatchEvent]:
    """Events about subjects the department follows, after a cursor, oldest first."""
    return list(session.scalars(
        select(WatchEvent).join(Subscription, and_(
            Subscription.subject_key == WatchEvent.subject_key,
            Subscription.department_code == department))
        .where(WatchEvent.seq > after).order_by(WatchEvent.seq).limit(limit)))


def mark(session: Session, delivery: Delivery, **values: Any) -> None:
    session.execute(update(Delivery.__table__).where(
        Delivery.__table__.c.department_code == delivery.department_code,
        Delivery.__table__.c.event_seq == delivery.event_seq).values(**values))
