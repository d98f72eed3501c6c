"""List use cases: entries follow their records, direct entries, exits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.clock import today, utcnow
from chengxin.conflicts.service import Origin
from chengxin.crypto import Keys
from chengxin.errors import DomainError, NotFound
from chengxin.identity.rules import normalise_uscc, parse_identifier
from chengxin.lists import repository as repo
from chengxin.lists.models import EXIT_LABELS, LIST_LABELS, ListEntry
from chengxin.lists.rules import default_terms
from chengxin.lists.schemas import DirectEntryIn
from chengxin.organisations import repository as orgs
from chengxin.persons import service as persons
from chengxin.publicity.rules import add_months
from chengxin.records.rules import ValidRow
from chengxin.watch import service as watch

MANUAL_EXITS = ("revoked", "court_deleted", "repaired")


def follow_records(session: Session, department_code: str,
                   rows: Sequence[tuple[ValidRow, str]], now: datetime) -> int:
    """Create or update the list entries of records whose catalog item declares a list.

    `rows` pairs each stored row with the id of its new record version. A new
    version updates the live entry in place (the record keeps the history).
    """
    listed = [(row, rid) for row, rid in rows if row.item.list_type]
    if not listed:
        return 0
    terms = default_terms()
    live = repo.by_source(session, department_code, [r.source_record_id for r, _ in listed])
    fresh: list[ListEntry] = []
    for row, record_id in listed:
        list_type = row.item.list_type
        assert list_type is not None
        end = terms.planned_end(list_type, row.item.code, row.decision_date, row.data)
        entry = live.get(row.source_record_id)
        if entry is None:
            entry = ListEntry(
                subject_key=row.subject_key, id=ids.new_id(), subject_kind=row.subject_kind,
                list_type=list_type, source="record", department_code=department_code,
                source_record_id=row.source_record_id, created_at=now)
            session.add(entry)
            live[row.source_record_id] = entry
            fresh.append(entry)
        entry.record_id = record_id
        entry.item_code = row.item.code
        entry.severity = row.severity
        entry.basis = terms.item_basis.get(row.item.code) or row.item.legal_basis
        entry.reference = _reference(row)
        entry.start_date = row.decision_date
        entry.planned_end = end
        entry.updated_at = now
    session.flush()
    for entry in fresh:
        watch.emit(session, entry, "listed", None, now)
    return len(listed)


def _reference(row: ValidRow) -> str | None:
    for name in ("case_no", "decision_no", "doc_no", "confirmation_no"):
        value = row.data.get(name)
        if isinstance(value, str):
            return value[:100]
    return None


def exit_entry(session: Session, entry: ListEntry, reason: str, note: str | None,
               on: date | None = None, now: datetime | None = None) -> ListEntry:
    """Take an entry off its list from `on` (today by default) with a reason."""
    if reason not in EXIT_LABELS:
        raise DomainError("LIST_EXIT_REASON_UNKNOWN", "移出理由应为 " + "、".join(EXIT_LABELS), 422)
    if entry.exited_on is not None:
        raise DomainError("LIST_ALREADY_EXITED", "该名单条目已移出", 409)
    entry.exited_on = on or today()
    entry.exit_reason = reason
    entry.exit_note = (note or "")[:2000] or None
    entry.updated_at = now or utcnow()
    session.flush()
    watch.emit(session, entry, "delisted", reason, entry.updated_at)
    return entry


def exit_for_record(session: Session, department_code: str, source_record_id: str,
                    reason: str, note: str | None) -> ListEntry | None:
    """When a record is revoked, its list entry leaves the list the same day."""
    entry = repo.by_source(session, department_code, [source_record_id]).get(source_record_id)
    if entry is None:
        return None
    return exit_entry(session, entry, reason, note)


def exit_by_department(session: Session, department_code: str, entry_id: str, reason: str,
                       note: str | None) -> ListEntry:
    entry = repo.get(session, entry_id)
    if entry is None or entry.department_code != department_code:
        raise NotFound("LIST_ENTRY_NOT_FOUND", "没有该名单条目，或它不是本部门列入的")
    if reason not in MANUAL_EXITS:
        raise DomainError("LIST_EXIT_REASON_UNKNOWN", "移出理由应为 revoked、court_deleted 或 repaired", 422)
    if reason == "court_deleted" and department_code != "court":
        raise DomainError("LIST_EXIT_NOT_ALLOWED", "只有人民法院可以删除失信被执行人名单信息", 403)
    if not (note or "").strip():
        raise DomainError("LIST_EXIT_NOTE_REQUIRED", "移出名单必须说明理由", 422)
    return exit_entry(session, entry, reason, note)


def mark_disputed(session: Session, entry: ListEntry, at: datetime | None) -> None:
    """Set or clear the objection marker (the objection workflow drives this)."""
    entry.disputed_at = at
    session.flush()


def add_direct(session: Session, keys: Keys, department_code: str, body: DirectEntryIn) -> ListEntry:
    """A department lists a subject directly, with its basis; minors never go on black lists."""
    now = utcnow()
    if body.start_date > today():
        raise DomainError("LIST_START_FUTURE", "列入日期不能晚于今天", 422)
    if body.planned_end is not None and body.planned_end < body.start_date:
        raise DomainError("LIST_END_BEFORE_START", "计划移出日不能早于列入日期", 422)
    if body.list_type != "red" and body.severity is None:
        raise DomainError("LIST_SEVERITY_REQUIRED", "列入黑名单或重点关注名单须注明失信程度", 422)
    if body.uscc:
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
        (subject_key,) = persons.ensure(session, keys, [(ident, body.name)], now, origin=Origin(
            department_code, "list_entry", f"直接列入{LIST_LABELS[body.list_type]}的条目"))
        kind = "person"
    entry = ListEntry(
        subject_key=subject_key, id=ids.new_id(), subject_kind=kind, list_type=body.list_type,
        source="direct", department_code=department_code, source_record_id=None, record_id=None,
        item_code=None, severity=body.severity, basis=body.basis, reference=body.reference,
        start_date=body.start_date,
        planned_end=body.planned_end or default_terms().planned_end(body.list_type, None, body.start_date),
        created_at=now, updated_at=now)
    session.add(entry)
    session.flush()
    watch.emit(session, entry, "listed", None, now)
    return entry
