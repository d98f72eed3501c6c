"""What a case is about: one of the person's own matters, however the person pointed at it (the
matter, its record, any version of that record, or the list entry it makes), resolved and checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from chengxin.catalog.rules import Catalog
from chengxin.clock import CHINA
from chengxin.errors import DomainError, NotFound
from chengxin.matters import repository as matters_repo
from chengxin.matters import service as matters
from chengxin.matters.models import Matter
from chengxin.matters.rules import LIST_LABELS
from chengxin.records.models import Record

KINDS = {"matter": "事项", "record": "信用记录", "list_entry": "名单条目"}
# A black-list matter entered directly carries no tier of its own: it is serious by definition;
# a watch-list one is treated as general.
LIST_TIERS = {"black": "serious", "watch": "general"}
COURT_LIST_ITEMS = frozenset({"SFCP-01"})


@dataclass(slots=True)
class Target:
    matter: Matter
    record: Record | None  # the live version of the matter's record, if it comes from one
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

    kind = "matter"

    @property
    def id(self) -> str:
        return self.matter.id

    @property
    def revoked(self) -> bool:
        return self.matter.end_reason in ("revoked", "court_deleted")

    @property
    def repaired(self) -> bool:
        return self.matter.end_reason == "repaired"


def find(session: Session, catalog: Catalog, subject_key: str, kind: str, target_id: str) -> Target:
    """The person's own matter, pointed at by its id, its list entry id, or the id of any version of
    its record; or a clear error."""
    target_id = (target_id or "").strip()[:26]
    if kind == "record":
        rec = session.get(Record, (subject_key, target_id))
        matter = None if rec is None else matters_repo.of_record(session, rec)
        if matter is None:
            raise NotFound("CASE_TARGET_NOT_FOUND", "您的信用档案中没有这条记录")
    elif kind in ("matter", "list_entry"):
        matter = matters_repo.of_subject(session, subject_key, target_id)
        if matter is None or (kind == "list_entry" and matter.list_type is None):
            raise NotFound("CASE_TARGET_NOT_FOUND",
                           "您名下没有这条名单记录" if kind == "list_entry" else "您的信用档案中没有这一事项")
    else:
        raise DomainError("CASE_TARGET_KIND",
                          "对象类型应为 matter（事项）、record（信用记录）或 list_entry（名单条目）", 422)
    return of_matter(session, catalog, matter)


def of_matter(session: Session, catalog: Catalog, matter: Matter) -> Target:
    record = matters_repo.records_of(session, [matter]).get(matter.id)
    item = catalog.item(matter.item_code) if matter.item_code else None
    name = item.name if item else LIST_LABELS.get(matter.list_type or "", matter.item_code or "")
    severity = matter.severity or LIST_TIERS.get(matter.list_type or "")
    court = matter.item_code in COURT_LIST_ITEMS or (matter.list_type == "black" and matter.department_code == "court")
    return Target(matter, record, matter.item_code, name, item.category if item else None, matter.nature, severity,
                  matter.department_code, matter.source_record_id, matter.start_date,
                  item.repairable if item else True, court)


def find_live(session: Session, catalog: Catalog, subject_key: str, kind: str, target_id: str) -> Target:
    """`find`: a matter is one whatever version of its record a case was filed on."""
    return find(session, catalog, subject_key, kind, target_id)


def set_disputed(session: Session, target: Target, at: datetime | None) -> None:
    """Mark (or clear) "异议处理中" on the whole matter: its record and its list entry alike."""
    matters.set_disputed(session, target.matter, at)


def day_of(moment: datetime | None) -> date | None:
    return moment.astimezone(CHINA).date() if moment is not None else None
