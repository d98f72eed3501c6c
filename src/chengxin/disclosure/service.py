"""Public disclosure: what the "信用" website shows, masked (R8), without minors (R7), in period (R4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from chengxin.catalog.rules import Catalog
from chengxin.creditfile.service import NATURE_LABELS, SEVERITY_LABELS
from chengxin.crypto import Keys
from chengxin.departments import repository as departments_repo
from chengxin.disclosure import repository as repo
from chengxin.disclosure import rules
from chengxin.disclosure import schemas as s
from chengxin.errors import NotFound
from chengxin.masking import ADULT_MONTHS, mask_id, mask_name
from chengxin.matters import rules as matter_rules
from chengxin.matters.rules import LIST_LABELS
from chengxin.matters.service import facts
from chengxin.publicity.rules import Tier, add_months

# Field kinds never shown publicly, whatever the item's disclosure level.
PRIVATE_KINDS = frozenset({"income", "phone", "address", "contact"})


def _departments(session: Session) -> dict[str, str]:
    return departments_repo.names(session)


def _masked_number(keys: Keys, person_key: str, cipher: bytes) -> str:
    return mask_id(keys.decrypt(cipher, person_key.encode()))


def search_records(session: Session, catalog: Catalog, keys: Keys, tiers: dict[str, Tier], *, as_of: date,
                   name: str | None = None, page: int = 1, size: int = 20) -> s.PublicRecordPage:
    """Disclosed matters with their records, newest decision first; a name search matches the full
    name exactly."""
    items = [i.code for i in catalog.items.values() if i.disclosure == "public" and i.subject in ("person", "both")]
    rows = repo.records(session, items=items, negative_cutoffs=rules.search_cutoffs(as_of, tiers),
                        adult_born_by=add_months(as_of, -ADULT_MONTHS), as_of=as_of, name=name,
                        limit=size + 1, offset=(page - 1) * size)
    departments = _departments(session)
    out = [_record_out(catalog, keys, tiers, departments, row, as_of) for row in rows[:size]]
    return s.PublicRecordPage(as_of=as_of, has_more=len(rows) > size, records=[r for r in out if r is not None])


def get_record(session: Session, catalog: Catalog, keys: Keys, tiers: dict[str, Tier], record_id: str,
               as_of: date) -> s.PublicRecord:
    """One disclosed matter, by its id or the id of any version of its record."""
    row = repo.record(session, record_id[:26])
    out = None if row is None else _record_out(catalog, keys, tiers, _departments(session), row, as_of)
    if out is None:
        raise NotFound("PUBLIC_RECORD_NOT_FOUND", "没有该公示信息，或它已不在公示期内")
    return out


def _record_out(catalog: Catalog, keys: Keys, tiers: dict[str, Tier], departments: dict[str, str], row: Any,
                as_of: date) -> s.PublicRecord | None:
    m, rec, name, birth, cipher = row
    item = catalog.item(m.item_code) if m.item_code else None
    if item is None:
        return None
    f = facts(m)
    pub = matter_rules.publicity(f, as_of, tiers)
    if not rules.record_shown(disclosure=item.disclosure, publicity=pub.status, decision_date=m.start_date,
                              birth_date=birth, as_of=as_of):
        return None
    data = rec.data if rec is not None else {}
    fields = [s.PublicField(label=fs.label, value=data[fs.name]) for fs in item.fields
              if fs.name in data and fs.kind not in PRIVATE_KINDS]
    disputed = m.disputed_at is not None
    return s.PublicRecord(
        id=m.id, name=mask_name(name), id_number=_masked_number(keys, m.subject_key, cipher),
        item_code=item.code, item_name=item.name, category=item.category, nature=m.nature,
        nature_label=NATURE_LABELS.get(m.nature, m.nature), severity_label=SEVERITY_LABELS.get(m.severity or ""),
        decision_date=m.start_date, department_name=departments.get(m.department_code, m.department_code),
        legal_basis=item.legal_basis, publicity_ends_on=pub.ends_on if m.nature == "negative" else None,
        list_label=LIST_LABELS.get(m.list_type or "") if matter_rules.listed_on(f, as_of, tiers) else None,
        disputed=disputed, status_label="异议处理中" if disputed else None, fields=fields)


def search_entries(session: Session, keys: Keys, *, as_of: date, list_type: str | None = None,
                   name: str | None = None, page: int = 1, size: int = 20) -> s.PublicEntryPage:
    """Persons on the red and black lists today (the watch list is not public)."""
    types = [list_type] if list_type in rules.PUBLIC_LISTS else list(rules.PUBLIC_LISTS)
    rows = repo.entries(session, list_types=types, adult_born_by=add_months(as_of, -ADULT_MONTHS), as_of=as_of,
                        name=name, limit=size + 1, offset=(page - 1) * size)
    departments = _departments(session)
    out = []
    for entry, person_name, birth, cipher in rows[:size]:
        if rules.minor_involved(birth, entry.start_date, as_of):
            continue
        assert entry.list_type is not None
        disputed = entry.disputed_at is not None
        out.append(s.PublicEntry(
            id=entry.id, name=mask_name(person_name), id_number=_masked_number(keys, entry.subject_key, cipher),
            list_type=entry.list_type, list_label=LIST_LABELS[entry.list_type], basis=entry.basis or "",
            department_name=departments.get(entry.department_code, entry.department_code),
            start_date=entry.start_date, planned_end=entry.planned_end, disputed=disputed,
            status_label="异议处理中" if disputed else None))
    return s.PublicEntryPage(as_of=as_of, has_more=len(rows) > size, entries=out)
