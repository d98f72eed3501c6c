"""All SQL for alerts: aggregations over the access log and security events, and the alert table.

Hour buckets are whole hours since the epoch, computed per dialect (SQLite keeps UTC text
without the zone, PostgreSQL a timestamptz); everything above this module sees integers.
Reads of the access log are bounded by its sequence as well as by time, so a scan walks the
primary key over the recent entries instead of the whole log (the log has no index on time,
and appending to it must stay cheap).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from chengxin.access.models import AccessEntry
from chengxin.accounts.models import SecurityEvent
from chengxin.alerts.models import Alert
from chengxin.alerts.rules import Finding
from chengxin.ids import new_id
from chengxin.records.repository import is_postgres

# `at` follows `seq` except across transactions that were in flight together (or a caller
# that passes its own moment); a margin this wide keeps those entries inside the range.
SEQ_MARGIN = timedelta(minutes=30)


def hour_of(session: Session, column: Any) -> ColumnElement[int]:
    """Hours since the epoch of a UTC timestamp column, truncated (never rounded up)."""
    if is_postgres(session):
        return cast(func.floor(func.extract("epoch", column) / 3600), BigInteger)
    # SQLite: drop the fraction first, strftime('%s') rounds 10:59:59.9999 up to 11:00.
    # Integer division (SQLAlchemy's `/` would make it true division).
    return cast(func.strftime("%s", func.substr(column, 1, 19)), Integer).op("/", return_type=Integer)(3600)


def first_seq_since(session: Session, since: datetime) -> int:
    """The smallest access-log sequence whose entry may be at or after `since` (binary search on
    the primary key: some twenty index probes instead of a scan of the log)."""
    t = AccessEntry.__table__.c
    lo, hi = session.execute(select(func.min(t.seq), func.max(t.seq))).one()
    if lo is None:
        return 0
    target = since - SEQ_MARGIN
    while lo < hi:
        mid = (lo + hi) // 2
        at = session.execute(select(t.at).where(t.seq >= mid).order_by(t.seq).limit(1)).scalar_one()
        if at < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _window(session: Session, since: datetime, until: datetime) -> ColumnElement[bool]:
    t = AccessEntry.__table__.c
    return and_(t.seq >= first_seq_since(session, since), t.at >= since, t.at < until)


def hourly_reads(session: Session, since: datetime, until: datetime) -> list[tuple[Any, ...]]:
    """(account, department, role, hour, reads) for reads in [since, until)."""
    t = AccessEntry.__table__.c
    hour = hour_of(session, t.at).label("hour")
    actor = (t.actor_account, t.actor_department, t.actor_role)
    stmt = (select(*actor, hour, func.count()).where(_window(session, since, until))
            .group_by(*actor, hour))
    return [tuple(r) for r in session.execute(stmt)]


def hourly_persons_without_ref(session: Session, since: datetime, until: datetime) -> list[tuple[Any, ...]]:
    """(account, department, role, hour, distinct persons) read without a business reference."""
    t = AccessEntry.__table__.c
    hour = hour_of(session, t.at).label("hour")
    actor = (t.actor_account, t.actor_department, t.actor_role)
    no_ref = or_(t.business_ref.is_(None), t.business_ref == "")
    stmt = (select(*actor, hour, func.count(t.subject_key.distinct()))
            .where(_window(session, since, until), no_ref).group_by(*actor, hour))
    return [tuple(r) for r in session.execute(stmt)]


def reads_between(session: Session, since: datetime, until: datetime) -> list[tuple[Any, ...]]:
    """(account, department, role, reads) for reads in [since, until)."""
    t = AccessEntry.__table__.c
    actor = (t.actor_account, t.actor_department, t.actor_role)
    stmt = select(*actor, func.count()).where(_window(session, since, until)).group_by(*actor)
    return [tuple(r) for r in session.execute(stmt)]


def hourly_events(session: Session, kind: str, by: Sequence[str], since: datetime,
                  until: datetime) -> list[tuple[Any, ...]]:
    """(*by columns, hour, events) of one kind of security event in [since, until)."""
    t = SecurityEvent.__table__.c
    cols = [t[name] for name in by]
    hour = hour_of(session, t.at).label("hour")
    stmt = (select(*cols, hour, func.count())
            .where(t.kind == kind, t.at >= since, t.at < until, *(c.is_not(None) for c in cols))
            .group_by(*cols, hour))
    return [tuple(r) for r in session.execute(stmt)]


def existing_keys(session: Session, findings: Sequence[Finding]) -> set[tuple[str, str, datetime]]:
    """Which of the findings' keys already have an alert."""
    if not findings:
        return set()
    t = Alert.__table__.c
    starts = {f.window_start for f in findings}
    rules = {f.rule for f in findings}
    rows = session.execute(select(t.rule, t.subject, t.window_start)
                           .where(t.rule.in_(rules), t.window_start.in_(starts)))
    return {(r, s, w) for r, s, w in rows}


def upsert(session: Session, findings: Sequence[Finding], now: datetime) -> None:
    """Insert new alerts; refresh the count of existing ones (same rule, subject and window)."""
    if not findings:
        return
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    rows = [{"id": new_id(), "rule": f.rule, "subject": f.subject, "window_start": f.window_start,
             "window_end": f.window_end, "account_id": f.account_id, "department_code": f.department_code,
             "ip": f.ip, "count": f.count, "threshold": f.threshold, "message": f.message,
             "detail": f.detail, "status": "open", "raised_at": now, "updated_at": now} for f in findings]
    stmt = insert(Alert)
    ex = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=["rule", "subject", "window_start"],
        set_={"count": ex.count, "threshold": ex.threshold, "message": ex.message, "detail": ex.detail,
              "window_end": ex.window_end, "updated_at": ex.updated_at},
        where=or_(Alert.__table__.c.count != ex.count, Alert.__table__.c.window_end != ex.window_end),
    )
    for i in range(0, len(rows), 500):
        session.execute(stmt, rows[i : i + 500])


def listing(session: Session, status: str | None, rule: str | None, limit: int, offset: int) -> list[Alert]:
    stmt = select(Alert)
    if status:
        stmt = stmt.where(Alert.status == status)
    if rule:
        stmt = stmt.where(Alert.rule == rule)
    stmt = stmt.order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt))


def count(session: Session, status: str | None, rule: str | None) -> int:
    stmt = select(func.count()).select_from(Alert)
    if status:
        stmt = stmt.where(Alert.status == status)
    if rule:
        stmt = stmt.where(Alert.rule == rule)
    return session.execute(stmt).scalar_one()


def get(session: Session, alert_id: str, *, for_update: bool = False) -> Alert | None:
    stmt = select(Alert).where(Alert.id == alert_id)
    if for_update and is_postgres(session):
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()
