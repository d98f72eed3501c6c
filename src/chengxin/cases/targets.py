"""What a case is about: one of the person's own records or list entries, resolved and checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from chengxin.catalog.rules import Catalog
from chengxin.clock import CHINA
from chengxin.errors import DomainError, NotFound
from chengxin.lists import repository as list_repo
from chengxin.lists.models import LIST_LABELS, ListEntry
from chengxin.lists.service import mark_disputed
from chengxin.records import repository as records
from chengxin.records.models import Record

KINDS = {"record": "信用记录", "list_entry": "名单条目"}
# A black-list entry entered directly carries no tier of its own: it is serious by definition;
# a watch-list entry is treated as general.
LIST_TIERS = {"black": "serious", "watch": "general"}


@dataclass(slots=True)
class Target:
    kind: str
    record: Record | None
    entry: ListEntry | None
    item_code: str | None
    item_name: str
    category: str | None
    nature: str
    severity: str | None
    department_code: str
    source_record_id: str | None
    start: date
    repairable: bool
    court_list: bool

    @property
    def id(self) -> str:
        row = self.record if self.record is not None else self.entry
        assert row is not None
        return row.id

    @property
    def revoked(self) -> bool:
        if self.record is not None:
            return self.record.revoked_at is not None
        assert self.entry is not None
        return self.entry.exit_reason in ("revoked", "court_deleted")

    @property
    def repaired(self) -> bool:
        if self.record is not None:
            return self.record.repaired_at is not None
        assert self.entry is not None
        return self.entry.exit_reason == "repaired"


def find(session: Session, catalog: Catalog, subject_key: str, kind: str, target_id: str) -> Target:
    """The person's own record (its live version) or list entry, or a clear error."""
    target_id = (target_id or "").strip()[:26]
    if kind == "record":
        rec = session.get(Record, (subject_key, target_id))
        if rec is None:
            raise NotFound("CASE_TARGET_NOT_FOUND", "您的信用档案中没有这条记录")
        if rec.superseded_at is not None:
            raise DomainError("CASE_TARGET_SUPERSEDED", "这条记录已有更新的版本，请针对最新版本提出", 409)
        item = catalog.item(rec.item_code)
        return Target("record", rec, None, rec.item_code, item.name if item else rec.item_code,
                      item.category if item else None, rec.nature, rec.severity, rec.department_code,
                      rec.source_record_id, rec.decision_date, item.repairable if item else True,
                      bool(item and item.list_type == "black" and rec.department_code == "court"))
    if kind == "list_entry":
        entry = session.get(ListEntry, (subject_key, target_id))
        if entry is None:
            raise NotFound("CASE_TARGET_NOT_FOUND", "您名下没有这条名单记录")
        item = catalog.item(entry.item_code) if entry.item_code else None
        nature = "positive" if entry.list_type == "red" else "negative"
        severity = entry.severity or LIST_TIERS.get(entry.list_type)
        return Target("list_entry", None, entry, entry.item_code,
                      item.name if item else LIST_LABELS[entry.list_type], item.category if item else None,
                      nature, severity, entry.department_code, entry.source_record_id, entry.start_date,
                      item.repairable if item else True, entry.department_code == "court")
    raise DomainError("CASE_TARGET_KIND", "对象类型应为 record（信用记录）或 list_entry（名单条目）", 422)


def find_live(session: Session, catalog: Catalog, subject_key: str, kind: str, target_id: str) -> Target:
    """The target by id as it stands now: for a record that has since had a new version, that version."""
    if kind == "record":
        rec = session.get(Record, (subject_key, (target_id or "")[:26]))
        if rec is not None and rec.superseded_at is not None:
            live = records.find_current(session, rec.department_code, rec.source_record_id)
            if live is not None and live.subject_key == subject_key:
                return find(session, catalog, subject_key, "record", live.id)
    return find(session, catalog, subject_key, kind, target_id)


def set_disputed(session: Session, target: Target, at: datetime | None) -> None:
    """Mark (or clear) "异议处理中" on the target and on the list entry its record put the person on."""
    if target.record is not None:
        target.record.disputed_at = at
        if target.source_record_id:
            for entry in list_repo.by_source(session, target.department_code, [target.source_record_id]).values():
                mark_disputed(session, entry, at)
    if target.entry is not None:
        mark_disputed(session, target.entry, at)
    session.flush()


def day_of(moment: datetime | None) -> date | None:
    return moment.astimezone(CHINA).date() if moment is not None else None
