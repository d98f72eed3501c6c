"""Matter use cases: every change of a matter's state goes through here, once for the whole matter.

A record's versions update their matter (collection); a direct listing makes one; objections
mark it disputed; revocation, repair and court deletion end it. Each end says what it stopped
(`rules.Stopped`), emits the list's watch event when the matter leaves a list, tells the person
in words derived from that, and tells the upper-level platform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from chengxin.catalog.domain import roster_occupation
from chengxin.catalog.rules import Catalog, default_catalog
from chengxin.clock import CHINA, today, utcnow
from chengxin.errors import DomainError
from chengxin.exchange import feed as exchange
from chengxin.lists.rules import Terms, default_terms
from chengxin.matters import repository as repo
from chengxin.matters import rules
from chengxin.matters.models import Matter
from chengxin.notices import service as notices
from chengxin.publicity.rules import Tier, default_tiers
from chengxin.records.rules import ValidRow
from chengxin.settings import Settings
from chengxin.watch import service as watch

REFERENCE_FIELDS = ("case_no", "decision_no", "doc_no", "confirmation_no")


def facts(m: Matter) -> rules.Facts:
    return rules.Facts(m.nature, m.severity, m.start_date, m.list_type, m.planned_end, m.ended_on, m.end_reason)


def state(m: Matter, as_of: date, tiers: dict[str, Tier] | None = None) -> str:
    return rules.state_on(facts(m), as_of, tiers or default_tiers())


@dataclass(frozen=True, slots=True)
class Listing:
    """What a watch event names of a listed matter (a matter row, or one being inserted)."""

    subject_key: str
    subject_kind: str
    id: str
    list_type: str


def _reference(data: dict[str, Any]) -> str | None:
    for name in REFERENCE_FIELDS:
        value = data.get(name)
        if isinstance(value, str):
            return value[:100]
    return None


def _shape(row: ValidRow, terms: Terms) -> tuple[str | None, date | None, str | None, str | None]:
    """(list type, planned end, basis, reference) of the matter a stored row describes."""
    item = row.item
    list_type = item.list_type
    data = row.data if (list_type or terms.reads_end(item)) else {}
    end = terms.planned_end(list_type, item.code, row.decision_date, data)
    if list_type is None:
        return None, end, None, None
    return list_type, end, terms.item_basis.get(item.code) or item.legal_basis, _reference(data)


def follow_records(session: Session, department_code: str, stored: Sequence[tuple[ValidRow, Sequence[Any]]],
                   now: datetime, catalog: Catalog | None = None) -> None:
    """Make or update the matter of each stored record version (`stored`: the row and its values in
    records.repository.RECORD_COLUMNS order). A first version makes its matter (the matter id is
    the version's id); a later one updates it: content, severity and terms follow the record,
    while an ended matter stays ended (a correction does not revive a revoked or repaired matter)."""
    terms = default_terms()
    catalog = catalog or default_catalog()  # the collector's edition; its occupation names
    fresh: list[tuple[Any, ...]] = []
    listed: list[Listing] = []
    updates: list[tuple[ValidRow, Sequence[Any]]] = []
    day = today()
    for row, rec in stored:
        record_id, matter_id = rec[1], rec[17]
        if record_id != matter_id:
            updates.append((row, rec))
            continue
        list_type, end, basis, reference = _shape(row, terms)
        item = row.item
        fresh.append((row.subject_key, matter_id, row.subject_kind, "record", department_code, row.source_record_id,
                      record_id, item.code, item.nature, row.severity, row.decision_date, list_type, end, basis,
                      reference, now, now, rec[18], _occupation(catalog, row)))
        if list_type is not None and row.decision_date <= day and (end is None or end >= day):
            listed.append(Listing(row.subject_key, row.subject_kind, matter_id, list_type))
    repo.insert_many(session, fresh)
    for listing in listed:
        watch.emit(session, listing, "listed", None, now)
    if updates:
        _update(session, updates, terms, now, catalog)


def _occupation(catalog: Catalog, row: ValidRow) -> str | None:
    item = row.item
    if item.nature != "neutral" or not item.occupations:  # most records: no data to read
        return None
    return roster_occupation(catalog, item, row.data)


def _update(session: Session, updates: list[tuple[ValidRow, Sequence[Any]]], terms: Terms, now: datetime,
            catalog: Catalog) -> None:
    tiers = default_tiers()
    day = today()
    found = repo.by_keys(session, [(rec[0], rec[17]) for _, rec in updates])
    for row, rec in updates:
        m = found[(rec[0], rec[17])]
        was_listed = rules.listed_on(facts(m), day, tiers)
        list_type, end, basis, reference = _shape(row, terms)
        m.record_id = rec[1]
        m.item_code, m.nature, m.severity = row.item.code, row.item.nature, row.severity
        m.start_date, m.list_type, m.planned_end = row.decision_date, list_type, end
        m.basis, m.reference, m.updated_at = basis, reference, now
        m.domain, m.occupation = rec[18], _occupation(catalog, row)
        now_listed = rules.listed_on(facts(m), day, tiers)
        if was_listed and not now_listed:
            watch.emit(session, m, "delisted", "corrected", now)
        elif now_listed and not was_listed:
            watch.emit(session, m, "listed", None, now)
    session.flush()


def end_moved(session: Session, catalog: Catalog, moved: Sequence[tuple[str, str]], now: datetime) -> None:
    """End the matters whose record the department has since given to another subject: the
    record is no longer about this person (revoked for them), and they are told."""
    for subject_key, matter_id in moved:
        m = repo.of_subject(session, subject_key, matter_id)
        if m is None or m.ended_on is not None:
            continue
        item = catalog.item(m.item_code) if m.item_code else None
        name = item.name if item else (m.item_code or "")
        end(session, m, "revoked", "报送部门更正了该记录的信息主体", now=now, told=Told(
            "matter_moved", m.id, f"信息已更正：{name}",
            f"报送部门更正了“{name}”所记载的信息主体，该信息不再记在您的名下。"))


def set_disputed(session: Session, m: Matter, at: datetime | None) -> None:
    """Mark (or clear) "异议处理中" on the whole matter."""
    m.disputed_at = at
    m.updated_at = at or utcnow()
    session.flush()


@dataclass(frozen=True, slots=True)
class Told:
    """How an end is told to the person: the notice's kind and key, its title, and the sentence
    that comes before the derived account of what stopped (and one after, if any)."""

    kind: str
    key: str
    title: str
    lead: str
    tail: str = ""


def end(session: Session, m: Matter, reason: str, note: str | None, *, told: Told | None = None,
        on: date | None = None, now: datetime | None = None, settings: Settings | None = None,
        upstream: tuple[str, str, dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None) -> rules.Stopped:
    """End the whole matter (revoked, repaired, court_deleted) from `on` (today by default): it
    leaves its list, its publicity and measures stop. Returns what that stopped; the person is
    told exactly that (`told` gives the first words), the upper-level platform is told (`upstream`
    is the payload; a default one names the matter), and every neighbouring platform that holds
    the matter is owed its end (`extra`: what a forwarded end says of who decided it)."""
    if reason not in rules.END_REASONS:
        raise DomainError("MATTER_END_REASON_UNKNOWN", "结束事项的理由应为 " + "、".join(rules.END_REASONS), 422)
    if m.ended_on is not None:
        raise DomainError("MATTER_ALREADY_ENDED", f"该事项已于 {m.ended_on.isoformat()} "
                          f"{rules.STATE_LABELS[m.end_reason or 'revoked']}", 409)
    now = now or utcnow()
    on = on or now.astimezone(CHINA).date()
    stopped = rules.stopped_by_end(facts(m), reason, on, default_tiers())
    m.ended_on, m.end_reason, m.end_note, m.updated_at = on, reason, (note or "")[:2000] or None, now
    session.flush()
    if stopped.list_type is not None:
        watch.emit(session, m, "delisted", reason, now)
    if told is not None and m.subject_kind == "person":
        body = told.lead + rules.describe_stopped(stopped, on) + told.tail
        notices.enqueue(session, person_key=m.subject_key, kind=told.kind, key=told.key, title=told.title,
                        body=body, settings=settings)
    kind, key, payload = upstream or (f"matter_{reason}", m.id, {
        "type": f"matter_{reason}", "matter": m.id, "subject": m.subject_key, "department": m.department_code,
        "source_record_id": m.source_record_id, "item_code": m.item_code, "list_type": m.list_type,
        "ended_on": on.isoformat()})
    notices.tell_upstream(session, subject_key=m.subject_key, kind=kind, key=key, payload=payload, settings=settings)
    exchange.follow_end(session, m, "end", {"reason": reason, "note": (note or "")[:500], "ended_on": on.isoformat(),
                                            **(extra or {})}, now)
    return stopped


def emit_term_ends(session: Session, as_of: date, now: datetime | None = None) -> int:
    """Delisted events for listed matters whose term ended before `as_of` (idempotent)."""
    now = now or utcnow()
    return sum(watch.emit(session, m, "delisted", "term_ended", now) for m in repo.term_ended_listed(session, as_of))
