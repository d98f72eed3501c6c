"""Public disclosure: what the "信用" website shows, masked (R8), without minors (R7), in period (R4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from chengxin.catalog.rules import Catalog
from chengxin.clock import CHINA
from chengxin.creditfile.service import NATURE_LABELS, SEVERITY_LABELS
from chengxin.crypto import Keys
from chengxin.departments import repository as departments_repo
from chengxin.disclosure import repository as repo
from chengxin.disclosure import rules
from chengxin.disclosure import schemas as s
from chengxin.errors import NotFound
from chengxin.lists.models import LIST_LABELS
from chengxin.masking import ADULT_MONTHS, mask_id, mask_name
from chengxin.publicity.rules import Tier, add_months, period_last_day

# Field kinds never shown publicly, whatever the item's disclosure level.
PRIVATE_KINDS = frozenset({"income", "phone", "address", "contact"})


def _departments(session: Session) -> dict[str, str]:
    return departments_repo.names(session)


def _masked_number(keys: Keys, person_key: str, cipher: bytes) -> str:
    return mask_id(keys.decrypt(cipher, person_key.encode()))


def search_records(session: Session, catalog: Catalog, keys: Keys, tiers: dict[str, Tier], *, as_of: date,
                   name: str | None = None, page: int = 1, size: int = 20) -> s.PublicRecordPage:
    """Disclosed records, newest decision first; a name search matches the full name exactly."""
    items = [i.code for i in catalog.items.values() if i.disclosure == "public" and i.subject in ("person", "both")]
    rows = repo.records(session, items=items, negative_cutoffs=rules.search_cutoffs(as_of, tiers),
                        adult_born_by=add_months(as_of, -ADULT_MONTHS), as_of=as_of, name=name,
                        limit=size + 1, offset=(page - 1) * size)
    departments = _departments(session)
    out = [_record_out(catalog, keys, tiers, departments, row, as_of) for row in rows[:size]]
    return s.PublicRecordPage(as_of=as_of, has_more=len(rows) > size, records=[r for r in out if r is not None])


def get_record(session: Session, catalog: Catalog, keys: Keys, tiers: dict[str, Tier], record_id: str,
               as_of: date) -> s.PublicRecord:
    row = repo.record(session, record_id[:26])
    out = None if row is None else _record_out(catalog, keys, tiers, _departments(session), row, as_of)
    if out is None:
        raise NotFound("PUBLIC_RECORD_NOT_FOUND", "没有该公示信息，或它已不在公示期内")
    return out


def _record_out(catalog: Catalog, keys: Keys, tiers: dict[str, Tier], departments: dict[str, str], row: Any,
                as_of: date) -> s.PublicRecord | None:
    rec, name, birth, cipher = row
    item = catalog.item(rec.item_code)
    if item is None:
        return None
    revoked_on = rec.revoked_at.astimezone(CHINA).date() if rec.revoked_at else None
    repaired_on = rec.repaired_at.astimezone(CHINA).date() if rec.repaired_at else None
    if not rules.record_shown(disclosure=item.disclosure, nature=rec.nature, severity=rec.severity,
                              decision_date=rec.decision_date, revoked_on=revoked_on, repaired_on=repaired_on,
                              birth_date=birth, as_of=as_of, tiers=tiers):
        return None
    ends = (period_last_day(rec.decision_date, tiers[rec.severity].max_months)
            if rec.nature == "negative" and rec.severity in tiers else None)
    fields = [s.PublicField(label=f.label, value=rec.data[f.name]) for f in item.fields
              if f.name in rec.data and f.kind not in PRIVATE_KINDS]
    return s.PublicRecord(
        id=rec.id, name=mask_name(name), id_number=_masked_number(keys, rec.subject_key, cipher),
        item_code=item.code, item_name=item.name, category=item.category, nature=rec.nature,
        nature_label=NATURE_LABELS.get(rec.nature, rec.nature), severity_label=SEVERITY_LABELS.get(rec.severity or ""),
        decision_date=rec.decision_date, department_name=departments.get(rec.department_code, rec.department_code),
        legal_basis=item.legal_basis, publicity_ends_on=ends, disputed=rec.disputed_at is not None,
        status_label="异议处理中" if rec.disputed_at is not None else None, fields=fields)


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
        disputed = entry.disputed_at is not None
        out.append(s.PublicEntry(
            id=entry.id, name=mask_name(person_name), id_number=_masked_number(keys, entry.subject_key, cipher),
            list_type=entry.list_type, list_label=LIST_LABELS[entry.list_type], basis=entry.basis,
            department_name=departments.get(entry.department_code, entry.department_code),
            start_date=entry.start_date, planned_end=entry.planned_end, disputed=disputed,
            status_label="异议处理中" if disputed else None))
    return s.PublicEntryPage(as_of=as_of, has_more=len(rows) > size, entries=out)
