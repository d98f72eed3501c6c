"""List use cases: a department lists a subject directly (a matter of its own), or takes one of its
listed matters off its list; the matter ends whole (publicity, measures, list), as any end does."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.catalog.rules import Catalog
from chengxin.clock import today, utcnow
from chengxin.conflicts.service import Origin
from chengxin.crypto import Keys
from chengxin.departments import repository as departments_repo
from chengxin.errors import DomainError, NotFound
from chengxin.exchange import feed as exchange
from chengxin.identity.rules import normalise_uscc, parse_identifier
from chengxin.lists.rules import default_terms
from chengxin.lists.schemas import DirectEntryIn
from chengxin.matters import repository as matters_repo
from chengxin.matters import service as matters
from chengxin.matters.models import Matter
from chengxin.matters.rules import END_REASONS, LIST_LABELS
from chengxin.organisations import repository as orgs
from chengxin.persons import service as persons
from chengxin.publicity.rules import add_months
from chengxin.settings import Settings
from chengxin.watch import service as watch

MANUAL_EXITS = ("revoked", "court_deleted", "repaired")
# The court's own list (R5): a court's direct black-list entry is this item, with its term and
# its measures (high consumption and the rest), as if it had come as a record.
COURT_LIST_ITEM = "SFCP-01"


def exit_by_department(session: Session, catalog: Catalog, department_code: str, entry_id: str, reason: str,
                       note: str | None, settings: Settings | None = None) -> Matter:
    """The listing department takes its listed matter off (revoked, court deletion, repaired); the
    whole matter ends that day and the person is told what stopped."""
    m = matters_repo.get(session, entry_id)
    if m is None or m.list_type is None or m.department_code != department_code:
        raise NotFound("LIST_ENTRY_NOT_FOUND", "没有该名单条目，或它不是本部门列入的")
    if reason not in MANUAL_EXITS:
        raise DomainError("LIST_EXIT_REASON_UNKNOWN", "移出理由应为 revoked、court_deleted 或 repaired", 422)
    if reason == "court_deleted" and department_code != "court":
        raise DomainError("LIST_EXIT_NOT_ALLOWED", "只有人民法院可以删除失信被执行人名单信息", 403)
    note = (note or "").strip()
    if not note:
        raise DomainError("LIST_EXIT_NOTE_REQUIRED", "移出名单必须说明理由", 422)
    if m.ended_on is not None:
        raise DomainError("LIST_ALREADY_EXITED", "该名单条目已移出", 409)
    name = _name(catalog, m)
    department = departments_repo.names(session).get(department_code, department_code)
    matters.end(session, m, reason, note, settings=settings, told=matters.Told(
        f"matter_{reason}", m.id, f"名单信息已{END_REASONS[reason]}：{name}",
        f"{department}已将您的“{name}”{_how(reason)}（理由：{note[:200]}）。"))
    return m


def _how(reason: str) -> str:
    return {"revoked": "撤销", "court_deleted": "依法删除", "repaired": "予以信用修复"}[reason]


def _name(catalog: Catalog, m: Matter) -> str:
    item = catalog.item(m.item_code) if m.item_code else None
    return item.name if item else LIST_LABELS[m.list_type or "black"]


def add_direct(session: Session, catalog: Catalog, keys: Keys, department_code: str, body: DirectEntryIn) -> Matter:
    """A department lists a subject directly, with its basis; minors never go on black lists. A
    court's black-list entry is a court listing (R5): the SFCP-01 item, its 2-year term, its measures."""
    now = utcnow()
    if body.start_date > today():
        raise DomainError("LIST_START_FUTURE", "列入日期不能晚于今天", 422)
    if body.planned_end is not None and body.planned_end < body.start_date:
        raise DomainError("LIST_END_BEFORE_START", "计划移出日不能早于列入日期", 422)
    if body.list_type != "red" and body.severity is None:
        raise DomainError("LIST_SEVERITY_REQUIRED", "列入黑名单或重点关注名单须注明失信程度", 422)
    item_code = _item(catalog, department_code, body)
    if body.uscc:
        _require_procedure(department_code, body.list_type)
        uscc = normalise_uscc(body.uscc)
        org = orgs.get(session, uscc)
        if org is None:
            raise NotFound("ORG_NOT_FOUND", "平台中没有该组织，请先登记组织")
        subject_key, kind = org.subject_key, "organisation"
    else:
        if not body.id_number or not body.name:
            raise DomainError("LIST_SUBJECT_REQUIRED", "须提供自然人证件号码和姓名，或组织的统一社会信用代码", 422)
        ident = parse_identifier(body.id_type, body.id_number)
        if body.list_type == "black" and ident.birth_date is not None and \
                body.start_date < add_months(ident.birth_date, 12 * 18):
            raise DomainError("LIST_MINOR_NOT_ALLOWED", "未成年人不得列入严重失信主体名单", 422)
        _require_procedure(department_code, body.list_type)
        (subject_key,) = persons.ensure(session, keys, [(ident, body.name)], now, origin=Origin(
            department_code, "list_entry", f"直接列入{LIST_LABELS[body.list_type]}的条目"))
        kind = "person"
    return enter(session, catalog, department_code, subject_key, kind, list_type=body.list_type, item_code=item_code,
                 severity=body.severity, start_date=body.start_date, planned_end=body.planned_end, basis=body.basis,
                 reference=body.reference, now=now)


def enter(session: Session, catalog: Catalog, department_code: str, subject_key: str, kind: str, *, list_type: str,
          item_code: str | None, severity: str | None, start_date: date, planned_end: date | None, basis: str,
          reference: str | None, now: datetime) -> Matter:
    """Make the listed matter of a decided listing (a direct entry, or a listing procedure's decision):
    the same row, watch event and exchange feed whichever way it was decided."""
    item = catalog.item(item_code) if item_code else None
    m = Matter(
        subject_key=subject_key, id=ids.new_id(), subject_kind=kind, origin="direct", department_code=department_code,
        source_record_id=None, record_id=None, item_code=item_code,
        nature="positive" if list_type == "red" else "negative",
        severity=(item.severity if item and item.severity else None) or severity,
        start_date=start_date, list_type=list_type,
        planned_end=planned_end or default_terms().planned_end(list_type, item_code, start_date),
        basis=basis, reference=reference, created_at=now, updated_at=now)
    session.add(m)
    session.flush()
    if _holds(m.start_date, m.planned_end):
        watch.emit(session, m, "listed", None, now)
    exchange.follow_listing(session, catalog, m, now)
    return m


def _require_procedure(department_code: str, list_type: str) -> None:
    """R13: a local department lists a person on the black list only by the listing procedure
    (notice, statement, decision: chengxin.listing). The court's list arrives decided (R5)."""
    if list_type == "black" and department_code != "court":
        raise DomainError("LISTING_PROCEDURE_REQUIRED", "列入严重失信主体名单须先告知当事人、听取陈述申辩后作出决定，"
                          "请发起列入程序", 422)


def _holds(start: date, end: date | None) -> bool:
    day = today()
    return start <= day and (end is None or end >= day)


def _item(catalog: Catalog, department_code: str, body: DirectEntryIn) -> str | None:
    """The catalog item of a direct entry: the one given (it must declare this list and be this
    department's), or the court list item for a court's black-list entry."""
    code = body.item_code
    if code is None and department_code == "court" and body.list_type == "black":
        code = COURT_LIST_ITEM
    if code is None:
        return None
    item = catalog.item(code)
    if item is None or item.list_type != body.list_type:
        raise DomainError("LIST_ITEM_MISMATCH", f"目录项 {code[:32]} 不是{LIST_LABELS[body.list_type]}的目录项", 422)
    if item.source_departments and department_code not in item.source_departments:
        raise DomainError("LIST_ITEM_DEPARTMENT", f"目录项 {code[:32]} 不由本部门认定", 403)
    return code
