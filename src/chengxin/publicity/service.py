"""Time-driven publicity notices: "两书同达" when a negative record is collected, and the end of
publicity; each run looks only past its watermark, and notices are idempotent by record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from chengxin.catalog.rules import Catalog
from chengxin.clock import utcnow
from chengxin.exchange import feed as exchange
from chengxin.matters import repository as matters_repo
from chengxin.matters.models import Matter
from chengxin.matters.rules import LIST_LABELS, STATE_LABELS, last_day
from chengxin.notices import service as notices
from chengxin.publicity import repository as repo
from chengxin.publicity.rules import Tier, add_months, earliest_repair_day, period_last_day
from chengxin.records.models import Record
from chengxin.settings import Settings

COLLECTED = "collected_notices"
ENDED = "publicity_ended"
STALE_RUNNING = timedelta(days=1)  # an import still "running" after a day has crashed: its rows count


@dataclass
class PublicityRun:
    collected: int = 0
    ended: int = 0


def collection_notice(rec: Record, matter: Matter | None, catalog: Catalog, tiers: dict[str, Tier],
                      department: str) -> tuple[str, str]:
    """Title and body of the notice sent with a negative record: its publicity (as long as its
    matter holds: a court listing's two years, not the tier's three), its list, and the repair route."""
    item = catalog.item(rec.item_code)
    name = item.name if item else rec.item_code
    tier = tiers.get(rec.severity or "")
    lines = [f"{department}于 {rec.decision_date.isoformat()} 作出的“{name}”已归集至个人公共信用信息平台。"]
    if tier is not None:
        ends = (last_day(matter.nature, matter.severity, matter.start_date, matter.list_type, matter.planned_end,
                         tiers) if matter is not None else None) or period_last_day(rec.decision_date, tier.max_months)
        lines.append(f"严重程度：{tier.name}；" + (f"公示至 {ends.isoformat()}。" if tier.published else "不予公示。"))
        if matter is not None and matter.list_type is not None and matter.planned_end is not None:
            lines.append(f"同时列入{LIST_LABELS[matter.list_type]}，期限至 {matter.planned_end.isoformat()}。")
        if matter is not None and matter.ended_on is not None:
            lines.append(f"该信息已于 {matter.ended_on.isoformat()} {STATE_LABELS[matter.end_reason or 'revoked']}。")
        elif item is not None and item.list_type == "black" and rec.department_code == "court":
            lines.append("履行义务后可向作出决定的人民法院申请删除。")
        elif item is not None and not item.repairable:
            lines.append("依照法律、法规，该信息不得申请信用修复。")
        else:
            lines.append(f"信用修复：纠正失信行为、履行义务后，最早可于 {earliest_repair_day(rec.decision_date, tier)}"
                         " 通过个人中心申请信用修复，并签署信用承诺书。")
    lines.append("如认为信息有误，可在个人中心提出异议。")
    return f"信用信息告知：{name}", "".join(lines)


def notify_collected(session: Session, catalog: Catalog, tiers: dict[str, Tier], departments: dict[str, str], *,
                     settings: Settings | None = None, now: datetime | None = None, limit: int = 5000) -> int:
    """Tell persons of the negative records new batches brought (up to `limit` per run). The
    watermark is "<batch id>:<last record id>", with "~" once the batch is done."""
    now = now or utcnow()
    batch_mark, _, record_mark = (repo.mark(session, COLLECTED) or "").partition(":")
    sent = 0
    for batch in repo.batches_from(session, batch_mark, inclusive=record_mark != "~", limit=50):
        if batch.status == "running" and now - batch.received_at < STALE_RUNNING:
            break  # wait for it to finish, so none of its rows is passed by
        after = record_mark if batch.id == batch_mark else ""
        dept = departments.get(batch.department_code, batch.department_code)
        while sent < limit:
            rows = repo.new_negative_records(session, batch.id, after, min(1000, limit - sent))
            if not rows:
                break
            matters = repo.matters_of(session, rows)
            notices.enqueue_many(session, [
                (r.subject_key, "record_collected", r.id,
                 *collection_notice(r, matters.get(r.matter_id), catalog, tiers, dept)) for r in rows], settings)
            sent += len(rows)
            after = rows[-1].id
        if sent >= limit:
            repo.set_mark(session, COLLECTED, f"{batch.id}:{after}", now)
            break
        repo.set_mark(session, COLLECTED, f"{batch.id}:~", now)
    return sent


def notify_ended(session: Session, catalog: Catalog, tiers: dict[str, Tier], on: date, *,
                 settings: Settings | None = None, now: datetime | None = None) -> int:
    """Tell persons (and the upper-level platform) whose negative matters' publicity ended by
    their term since the last run: the tier's longest period, a listing's end (a court listing
    after two years) or an end of their own. Matters ended otherwise were told when they ended."""
    now = now or utcnow()
    last = repo.mark(session, ENDED)
    start = date.fromisoformat(last) + timedelta(days=1) if last else on  # first run: from today on
    if start > on:
        return 0
    count = 0
    seen: set[str] = set()
    for code, tier in tiers.items():
        if not tier.published:
            continue
        # Publicity ended on day d when its last day was d - 1; decision dates in a slightly wider
        # window are read and the exact last day decides (month ends make the mapping many-to-one).
        first = add_months(start - timedelta(days=1), -tier.max_months) - timedelta(days=3)
        last_decided = add_months(on - timedelta(days=1), -tier.max_months)
        batch = []
        for m in matters_repo.negative_ending_between(session, severity=code, decided_from=first,
                                                      decided_to=last_decided, first=start - timedelta(days=1),
                                                      last=on - timedelta(days=1)):
            final = last_day(m.nature, m.severity, m.start_date, m.list_type, m.planned_end, tiers)
            if final is None or m.id in seen:
                continue
            ended_on = final + timedelta(days=1)
            if not start <= ended_on <= on:
                continue
            seen.add(m.id)
            item = catalog.item(m.item_code) if m.item_code else None
            name = item.name if item else LIST_LABELS.get(m.list_type or "", m.item_code or "")
            listed = f"已移出{LIST_LABELS[m.list_type]}，" if m.list_type == "black" else ""
            batch.append((m.subject_key, "publicity_ended", m.id, f"公示期届满：{name}",
                          f"您的“{name}”公示期已于 {final.isoformat()} 届满，平台已停止公示，{listed}"
                          "不再作为联合惩戒依据。"))
            notices.tell_upstream(session, subject_key=m.subject_key, kind="publicity_ended", key=m.id,
                                  payload={"type": "publicity_ended", "matter": m.id, "record_id": m.record_id,
                                           "department": m.department_code, "source_record_id": m.source_record_id,
                                           "ended_on": ended_on.isoformat()}, settings=settings)
            exchange.follow_end(session, m, "publicity_end", {"ended_on": ended_on.isoformat()}, now)
        notices.enqueue_many(session, batch, settings)
        count += len(batch)
    repo.set_mark(session, ENDED, on.isoformat(), now)
    return count
