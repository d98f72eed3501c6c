"""Third parties that received a matter (an authorised query, a report) and what they are owed when it
ends (R14: the result of a repair reaches every party the information was shared with).

A third party is an API client, so it is told through a feed it reads (`updates`): each matter it
received that has since been revoked, repaired or deleted by a court, with the authorisation or
report it came in. The first read that shows one marks it notified; the third party confirms it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.clock import CHINA, utcnow
from chengxin.errors import NotFound
from chengxin.exchange.models import Disclosure
from chengxin.matters.models import Matter
from chengxin.matters.rules import STATE_LABELS

VIA_LABELS = {"authorised_query": "授权查询", "report": "信用报告"}
HAPPENED = {"revoked": "被撤销", "repaired": "完成信用修复", "court_deleted": "由人民法院删除"}


def record(session: Session, subject_key: str, matter_ids: Iterable[str], *, receiver: str, via: str, via_ref: str,
           now: datetime | None = None) -> int:
    """Note that the third party received these matters of the subject."""
    now = now or utcnow()
    rows = [{"subject_key": subject_key, "id": i, "matter_id": m, "receiver": receiver[:18], "via": via,
             "via_ref": via_ref[:26], "received_at": now}
            for m, i in zip(sorted(set(matter_ids)), ids.new_ids(len(set(matter_ids))), strict=True)]
    if rows:
        session.execute(insert(Disclosure), rows)
    return len(rows)


def _owed(session: Session, receiver: str, limit: int) -> list[tuple[Disclosure, Matter]]:
    rows = session.execute(
        select(Disclosure, Matter).join(Matter, (Matter.subject_key == Disclosure.subject_key)
                                        & (Matter.id == Disclosure.matter_id))
        .where(Disclosure.receiver == receiver, Disclosure.confirmed_at.is_(None), Matter.ended_on.is_not(None))
        .order_by(Matter.updated_at, Disclosure.id).limit(limit)).all()
    return [(d, m) for d, m in rows]


def updates(session: Session, receiver: str, *, limit: int = 100, now: datetime | None = None) -> list[dict]:
    """What the third party is owed: each received matter that has ended since, until it confirms.
    Reading marks them notified (first read only)."""
    now = now or utcnow()
    out = []
    for d, m in _owed(session, receiver, limit):
        if d.notified_at is None:
            d.notified_at = now
        out.append({"id": d.id, "matter_id": m.id, "via": d.via, "via_label": VIA_LABELS.get(d.via, d.via),
                    "via_ref": d.via_ref, "received_at": d.received_at, "change": m.end_reason,
                    "change_label": STATE_LABELS.get(m.end_reason or "", m.end_reason or ""),
                    "changed_on": m.ended_on, "notified_at": d.notified_at,
                    "message": f"贵机构于 {d.received_at.astimezone(CHINA).date().isoformat()} "
                               f"经{VIA_LABELS.get(d.via, d.via)}"
                               f"（{d.via_ref}）取得的一项信用信息已于 {m.ended_on.isoformat() if m.ended_on else ''} "
                               f"{HAPPENED.get(m.end_reason or '', '变更')}，请同步更新、不再使用。"})
    session.flush()
    return out


def confirm(session: Session, receiver: str, disclosure_id: str, now: datetime | None = None) -> Disclosure:
    """The third party confirms it has taken the change into its own records."""
    d = session.scalars(select(Disclosure).where(Disclosure.receiver == receiver,
                                                 Disclosure.id == disclosure_id[:26])).first()
    if d is None:
        raise NotFound("DISCLOSURE_NOT_FOUND", "没有该条待确认的信息变更")
    if d.confirmed_at is None:
        d.confirmed_at = now or utcnow()
        if d.notified_at is None:
            d.notified_at = d.confirmed_at
    session.flush()
    return d


def of_matter(session: Session, subject_key: str, matter_id: str) -> list[Disclosure]:
    return list(session.scalars(select(Disclosure).where(Disclosure.subject_key == subject_key,
                                                         Disclosure.matter_id == matter_id)
                                .order_by(Disclosure.received_at)))
