"""Time-driven publicity notices: "两书同达" when a negative record is collected, and the end of
publicity; each run looks only past its watermark, and notices are idempotent by record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from chengxin.catalog.rules import Catalog
from chengxin.clock import utcnow
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


def collection_notice(rec: Record, catalog: Catalog, tiers: dict[str, Tier], department: str) -> tuple[str, str]:
    """Title and body of the notice sent with a negative record: the publicity and the repair route."""
    item = catalog.item(rec.item_code)
    name = item.name if item else rec.item_code
    tier = tiers.get(rec.severity or "")
    lines = [f"{department}于 {rec.decision_date.isoformat()} 作出的“{name}”已归集至个人公共信用信息平台。"]
    if tier is not None:
        ends = period_last_day(rec.decision_date, tier.max_months)
        lines.append(f"严重程度：{tier.name}；" + (f"公示至 {ends.isoformat()}。" if tier.published else "不予公示。"))
        if item is not None and not item.repairable:
            lines.append("依照法律、法规，该信息不得申请信用修复。")
        elif item is not None and item.list_type == "black" and rec.department_code == "court":
            lines.append("履行义务后可向作出决定的人民法院申请删除。")
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
            notices.enqueue_many(session, [
                (r.subject_key, "record_collected", r.id, *collection_notice(r, catalog, tiers, dept))
                for r in rows], settings)
            sent += len(rows)
            after = rows[-1].id
        if sent >= limit:
            repo.set_mark(session, COLLECTED, f"{batch.id}:{after}", now)
            break
        repo.set_mark(session, COLLECTED, f"{batch.id}:~", now)
    return sent


def notify_ended(session: Session, catalog: Catalog, tiers: dict[str, Tier], on: date, *,
                 settings: Settings | None = None, now: datetime | None = None) -> int:
    """Tell persons (and the upper-level platform) whose records' publicity ended since the last run."""
    now = now or utcnow()
    last = repo.mark(session, ENDED)
    start = date.fromisoformat(last) + timedelta(days=1) if last else on  # first run: from today on
    if start > on:
        return 0
    count = 0
    for code, tier in tiers.items():
        if not tier.published:
            continue
        # Publicity ended on day d when its last day was d - 1; decision dates in a slightly wider
        # window are read and the exact last day decides (month ends make the mapping many-to-one).
        first = add_months(start - timedelta(days=1), -tier.max_months) - timedelta(days=3)
        last_decided = add_months(on - timedelta(days=1), -tier.max_months)
        batch = []
        for rec in repo.negative_decided_between(session, code, first, last_decided):
            ended_on = period_last_day(rec.decision_date, tier.max_months) + timedelta(days=1)
            if not start <= ended_on <= on:
                continue
            item = catalog.item(rec.item_code)
            name = item.name if item else rec.item_code
            batch.append((rec.subject_key, "publicity_ended", rec.id, f"公示期届满：{name}",
                          f"您的“{name}”公示期已于 {(ended_on - timedelta(days=1)).isoformat()} 届满，"
                          "平台已停止公示，不再作为联合惩戒依据。"))
            notices.tell_upstream(session, subject_key=rec.subject_key, kind="publicity_ended", key=rec.id,
                                  payload={"type": "publicity_ended", "record_id": rec.id,
                                           "department": rec.department_code,
                                           "source_record_id": rec.source_record_id,
                                           "ended_on": ended_on.isoformat()}, settings=settings)
        notices.enqueue_many(session, batch, settings)
        count += len(batch)
    repo.set_mark(session, ENDED, on.isoformat(), now)
    return count
