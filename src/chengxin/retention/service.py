"""The purge: walk the negative matters in batches, delete those whose time is up, archive the
repaired ones (when the purge-after-repair rule is on), and keep a report.

Each batch is one transaction holding its deletions and the report's counts, so a crash loses at
most the batch in flight and a rerun simply finds what is still due (idempotent). The access log
is never touched: its entries keep the ids they name, and `audit verify` stays green. Nothing new
is sent to the upper platforms: they received the matter and, for a repair, its end; they keep
their copy under the same rule (R6), and the feed's rows stay (a matter waits until every change
about it was confirmed), so the exchange's numbering and reconciliation are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from chengxin import ids
from chengxin.clock import today, utcnow
from chengxin.db import unit_of_work
from chengxin.retention import repository as repo
from chengxin.retention import rules
from chengxin.retention.models import RetentionRun
from chengxin.settings import Settings

Progress = Callable[[int, int], None]  # (scanned so far, candidates at the start)


@dataclass
class Summary:
    """What a run did (or, dry, would do)."""

    as_of: date
    years: int
    purge_repaired: bool
    dry_run: bool
    run_id: str | None = None
    batches: int = 0
    scanned: int = 0
    purged: int = 0
    records: int = 0
    archived: int = 0
    held: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    holds: dict[str, int] = field(default_factory=dict)
    first_end: date | None = None
    last_end: date | None = None

    def add(self, item: str, reason: str, end: date) -> None:
        self.purged += 1
        by_item = self.counts.setdefault(item, {})
        by_item[reason] = by_item.get(reason, 0) + 1
        self.first_end = end if self.first_end is None else min(self.first_end, end)
        self.last_end = end if self.last_end is None else max(self.last_end, end)

    def hold(self, reason: str) -> None:
        self.held += 1
        self.holds[reason] = self.holds.get(reason, 0) + 1


def _facts(row: Any) -> rules.Facts:
    return rules.Facts(row.nature, row.start_date, row.planned_end, row.ended_on, row.end_reason)


def _batch(session: Session, rows: list[Any], s: Summary, run_id: str | None) -> None:
    """Decide and (unless dry) delete one batch of candidates."""
    due: dict[repo.Key, tuple[Any, str]] = {}
    for row in rows:
        reason = rules.due(_facts(row), s.as_of, s.years, s.purge_repaired)
        if reason is not None:
            due[(row.subject_key, row.id)] = (row, reason)
    keys = list(due)
    exchange = repo.unacked_exchange(session, keys)
    pending = repo.pending_repairs(session, keys)
    repaired = [k for k in keys if due[k][1] == rules.REPAIRED]
    disclosed = repo.unconfirmed_disclosures(session, repaired)
    ready: list[repo.Key] = []
    for k in keys:
        row, reason = due[k]
        hold = ("disputed" if row.disputed_at is not None else "repair_pending" if k in pending
                else "exchange" if k in exchange else "disclosure" if k in disclosed else None)
        if hold is not None:
            s.hold(hold)
            continue
        ready.append(k)
        s.add(row.item_code or "LIST", reason, rules.behaviour_end(_facts(row)))
    archive = [k for k in ready if due[k][1] == rules.REPAIRED]
    s.archived += len(archive)
    if s.dry_run or not ready:
        return
    approved = repo.approved_repairs(session, archive)
    now = utcnow()
    repo.archive(session, [_archive_row(due[k][0], approved.get(k), now, run_id or "") for k in archive])
    s.records += repo.delete_matters(session, ready)


def _archive_row(row: Any, repair: Any, now: Any, run_id: str) -> dict[str, Any]:
    return {"subject_key": row.subject_key, "matter_id": row.id, "item_code": row.item_code,
            "department_code": row.department_code, "source_record_id": row.source_record_id,
            "severity": row.severity, "list_type": row.list_type,
            "repaired_on": row.ended_on, "repair_id": repair.id if repair else None,
            "method": repair.method if repair else None, "decided_by": repair.reviewer if repair else None,
            "decided_at": repair.decided_at if repair else None, "purged_at": now, "run_id": run_id}


def _save(session: Session, run_id: str, s: Summary, status: str | None = None) -> None:
    r = repo.run(session, run_id)
    assert r is not None
    for name in ("batches", "scanned", "purged", "records", "archived", "held", "first_end", "last_end"):
        setattr(r, name, getattr(s, name))
    r.counts, r.holds = {k: dict(v) for k, v in s.counts.items()}, dict(s.holds)
    if status is not None:
        r.status, r.finished_at = status, utcnow()


def purge(factory: sessionmaker[Session], settings: Settings, *, as_of: date | None = None, dry_run: bool = False,
          trigger: str = "cli", progress: Progress | None = None) -> Summary:
    """Run the purge on `as_of` (today by default); dry, it only counts and writes nothing."""
    s = Summary(as_of or today(), settings.retention_years, settings.retention_purge_repaired, dry_run)
    cutoff = rules.start_cutoff(s.as_of, s.years)
    with unit_of_work(factory, writes=not dry_run) as session:
        total = repo.count_candidates(session, cutoff, s.purge_repaired)
        if not dry_run:
            s.run_id = ids.new_id()
            session.add(RetentionRun(id=s.run_id, as_of=s.as_of, trigger=trigger, years=s.years,
                                     purge_repaired=s.purge_repaired, status="running", started_at=utcnow(),
                                     batches=0, scanned=0, purged=0, records=0, archived=0, held=0,
                                     counts={}, holds={}))
    after: repo.Key | None = None
    try:
        while True:
            with unit_of_work(factory, writes=not dry_run) as session:
                rows = repo.candidates(session, after, cutoff, s.purge_repaired, settings.retention_batch_size)
                if not rows:
                    break
                s.batches += 1
                s.scanned += len(rows)
                _batch(session, rows, s, s.run_id)
                if s.run_id is not None:
                    _save(session, s.run_id, s)
            after = (rows[-1].subject_key, rows[-1].id)
            if progress is not None:
                progress(s.scanned, total)
    except BaseException:
        if s.run_id is not None:
            with unit_of_work(factory) as session:
                _save(session, s.run_id, s, "failed")
        raise
    if s.run_id is not None:
        with unit_of_work(factory) as session:
            _save(session, s.run_id, s, "done")
    return s


def daily(factory: sessionmaker[Session], settings: Settings, on: date) -> int:
    """The jobs' daily purge: once a day (a completed run for `on` ends it); matters purged."""
    with unit_of_work(factory, writes=False) as session:
        if repo.done_on(session, on):
            return 0
    return purge(factory, settings, as_of=on, trigger="job").purged


def describe(s: Summary | RetentionRun, *, dry_run: bool = False, names: dict[str, str] | None = None) -> list[str]:
    """The report in Chinese, as the CLI prints it (from a fresh summary or a stored run); `names`
    gives the catalog items' Chinese names."""
    names = {"LIST": "名单条目", **(names or {})}
    head = "试运行（未删除任何数据）" if dry_run else "到期删除"
    mode = "，修复后删除原失信信息（存档）" if s.purge_repaired else ""
    lines = [f"{head}：基准日 {s.as_of.isoformat()}，保存期 {s.years} 年{mode}",
             f"检查事项 {s.scanned} 件，分 {s.batches} 批；"
             f"{'应删除' if dry_run else '已删除'}事项 {s.purged} 件"
             + ("" if dry_run else f"（信用记录 {s.records} 个版本）")
             + f"，{'应存档' if dry_run else '存档'}修复情况 {s.archived} 件，暂缓 {s.held} 件"]
    for item, by_reason in sorted(s.counts.items()):
        parts = "，".join(f"{rules.REASON_LABELS.get(r, r)} {n} 件" for r, n in sorted(by_reason.items()))
        lines.append(f"  {names.get(item, item)}：{parts}")
    if s.first_end is not None and s.last_end is not None:
        lines.append(f"  行为终止日期：最早 {s.first_end.isoformat()}，最晚 {s.last_end.isoformat()}")
    for reason, n in sorted(s.holds.items()):
        lines.append(f"  暂缓（{rules.HOLD_LABELS.get(reason, reason)}）：{n} 件")
    return lines
