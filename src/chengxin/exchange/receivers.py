"""Who received a matter, and whether its end reached them (R14: repaired once, repaired everywhere).

Derived, never kept twice: neighbouring platforms from the exchange feed (what was sent to them,
what came from them, the end owed to them and their signed receipt); watching departments from
their webhook deliveries of the matter's listed and delisted events. A receiver whose end has
not been confirmed within CHENGXIN_EXCHANGE_ACK_HOURS is overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.clock import utcnow
from chengxin.departments import repository as departments
from chengxin.exchange import disclosures, feed, rules
from chengxin.exchange import repository as repo
from chengxin.exchange.models import Disclosure, OutgoingChange
from chengxin.matters.models import Matter
from chengxin.watch.models import Delivery, WatchEvent

KIND_LABELS = {"node": "相邻平台", "watch": "关注该人的部门", "organisation": "第三方机构"}


@dataclass(frozen=True, slots=True)
class Receiver:
    kind: str  # node | watch | organisation
    code: str
    name: str
    how: str  # 发送 | 来源 | 关注推送
    received_at: datetime | None
    end_owed: bool  # the matter ended and this receiver must be told
    notified_at: datetime | None  # the end left for it
    confirmed_at: datetime | None  # it confirmed the end (signed receipt, webhook 2xx)
    overdue: bool

    @property
    def label(self) -> str:
        """已通知 … / 已确认 … in the words a clerk reads."""
        if not self.end_owed:
            return "已收到本事项" if self.received_at else "待发送"
        if self.confirmed_at:
            return "已通知，已确认"
        if self.notified_at:
            return "已通知，待确认" + ("（已逾期）" if self.overdue else "")
        return "待通知" + ("（已逾期）" if self.overdue else "")


def of_matter(session: Session, m: Matter, ack_hours: int, now: datetime | None = None) -> list[Receiver]:
    """Every receiver of the matter."""
    now = now or utcnow()
    limit = timedelta(hours=ack_hours)
    node = feed.current_node()
    names = {n.code: n.name for n in node.neighbours}
    out: list[Receiver] = []
    changes = repo.sent_about(session, m.subject_key, m.id)
    senders = repo.senders_of(session, m.subject_key, m.id)
    codes = {c.neighbour for c in changes if c.kind in (rules.RECORD, rules.LISTING)} | senders
    for code in sorted(codes):
        got = [c for c in changes if c.neighbour == code and c.kind in (rules.RECORD, rules.LISTING)]
        ends = [c for c in changes if c.neighbour == code and c.kind == rules.END]
        end = ends[-1] if ends else None
        owed = m.ended_on is not None and code not in _told_us(session, m, code, senders)
        overdue = owed and (end is None or end.acked_at is None) and _since(end, m) < now - limit
        out.append(Receiver(
            "node", code, names.get(code, code), "来源平台" if code in senders and not got else "平台交换",
            max((c.acked_at for c in got if c.acked_at), default=None), owed,
            end.sent_at if end else None, end.acked_at if end else None, overdue))
    out.extend(_watchers(session, m, now, limit))
    out.extend(_third_parties(session, m, now, limit))
    return out


def _third_parties(session: Session, m: Matter, now: datetime, limit: timedelta) -> list[Receiver]:
    out = []
    for d in disclosures.of_matter(session, m.subject_key, m.id):
        owed = m.ended_on is not None
        overdue = owed and d.confirmed_at is None and m.updated_at < now - limit
        out.append(Receiver("organisation", d.receiver, f"第三方机构（统一社会信用代码 {d.receiver}）",
                            disclosures.VIA_LABELS.get(d.via, d.via), d.received_at, owed, d.notified_at,
                            d.confirmed_at, overdue))
    return out


def _told_us(session: Session, m: Matter, code: str, senders: set[str]) -> set[str]:
    """The node that told us of the end needs no telling back: it is the one whose end we applied."""
    if code not in senders:
        return set()
    from chengxin.exchange.models import AppliedChange

    ended_by = session.scalars(select(AppliedChange.sender).where(
        AppliedChange.subject_key == m.subject_key, AppliedChange.matter_id == m.id,
        AppliedChange.kind == rules.END, AppliedChange.status == "applied")).all()
    return set(ended_by)


def _since(end: OutgoingChange | None, m: Matter) -> datetime:
    if end is not None:
        return end.created_at
    return m.updated_at


def _watchers(session: Session, m: Matter, now: datetime, limit: timedelta) -> list[Receiver]:
    if m.list_type is None:
        return []
    rows = session.execute(select(WatchEvent.kind, WatchEvent.at, Delivery.department_code, Delivery.status,
                                  Delivery.delivered_at).join(Delivery, Delivery.event_seq == WatchEvent.seq)
                           .where(WatchEvent.entry_id == m.id, WatchEvent.subject_key == m.subject_key)).all()
    names = departments.names(session)
    by_dept: dict[str, dict[str, tuple[datetime, str, datetime | None]]] = {}
    for kind, at, dept, status, delivered in rows:
        by_dept.setdefault(dept, {})[kind] = (at, status, delivered)
    out = []
    for dept, kinds in sorted(by_dept.items()):
        listed, delisted = kinds.get("listed"), kinds.get("delisted")
        owed = m.ended_on is not None or delisted is not None
        confirmed = delisted[2] if delisted else None
        overdue = owed and confirmed is None and (delisted[0] if delisted else m.updated_at) < now - limit
        out.append(Receiver("watch", dept, names.get(dept, dept), "关注推送", listed[2] if listed else None, owed,
                            delisted[0] if delisted else None, confirmed, overdue))
    return out


@dataclass(frozen=True, slots=True)
class Overdue:
    neighbour: str
    name: str
    subject_key: str
    matter_id: str
    kind: str
    created_at: datetime
    sent_at: datetime | None


def overdue(session: Session, ack_hours: int, now: datetime | None = None, limit: int = 100) -> list[Overdue]:
    """Ends not confirmed within the hours (for the workbench): owed to neighbouring platforms, to
    departments watching the person (their webhook has not taken the delisting), and to third
    parties that received the matter (they have not confirmed the change)."""
    now = now or utcnow()
    before = now - timedelta(hours=ack_hours)
    names = {n.code: n.name for n in feed.current_node().neighbours}
    out = [Overdue(c.neighbour, names.get(c.neighbour, c.neighbour), c.subject_key, c.matter_id, c.kind,
                   c.created_at, c.sent_at)
           for c in repo.overdue(session, before, limit)]
    dept_names = departments.names(session)
    for event, delivery in session.execute(
            select(WatchEvent, Delivery).join(Delivery, Delivery.event_seq == WatchEvent.seq)
            .where(WatchEvent.kind == "delisted", Delivery.delivered_at.is_(None), WatchEvent.at < before)
            .order_by(WatchEvent.at).limit(limit)).all():
        out.append(Overdue(delivery.department_code, dept_names.get(delivery.department_code, delivery.department_code),
                           event.subject_key, event.entry_id, "watch", event.at, None))
    for d, m in session.execute(
            select(Disclosure, Matter).join(Matter, (Matter.subject_key == Disclosure.subject_key)
                                            & (Matter.id == Disclosure.matter_id))
            .where(Disclosure.confirmed_at.is_(None), Matter.ended_on.is_not(None), Matter.updated_at < before)
            .order_by(Matter.updated_at).limit(limit)).all():
        out.append(Overdue(d.receiver, f"第三方机构（统一社会信用代码 {d.receiver}）", d.subject_key, d.matter_id,
                           "organisation", m.updated_at, d.notified_at))
    return sorted(out, key=lambda o: o.created_at)[:limit]
