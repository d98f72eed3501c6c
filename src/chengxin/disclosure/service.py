"""Public disclosure: what the "信用" website shows, masked (R8), without minors (R7), in period (R4)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
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
from chengxin.identity.rules import IdentityError, normalise_uscc, parse_identifier
from chengxin.keyring.service import resolve_one
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


def who(session: Session, keys: Keys, q: str | None) -> repo.Who:
    """Whom a search box's words name: an 18-character code is a unified social credit code or an ID
    number (matched exactly); other words are a person's full name or a word of an organisation's name."""
    text = " ".join((q or "").split())[:50]
    if not text:
        return repo.Who()
    compact = text.replace(" ", "").upper()
    if len(compact) == 18:
        uscc, person_keys = None, ()
        with suppress(IdentityError):
            uscc = normalise_uscc(compact)
        try:
            ident = parse_identifier("citizen_id", compact)
            person_keys = (resolve_one(session, keys, ident.id_type, ident.number),)
        except IdentityError:
            pass
        if uscc or person_keys:
            return repo.Who(uscc=uscc, person_keys=person_keys)
    return repo.Who(person_name=text, org_words=text)


def _subject(keys: Keys, m: Any, person_name: str | None, cipher: bytes | None, org_name: str | None,
             uscc: str | None) -> tuple[str, str]:
    """The subject as the public sees it: a person masked (R8), an organisation in full."""
    if m.subject_kind == "organisation":
        return org_name or "", uscc or ""
    return mask_name(person_name), _masked_number(keys, m.subject_key, cipher) if cipher is not None else ""


def public_items(catalog: Catalog) -> list[str]:
    return [i.code for i in catalog.items.values() if i.disclosure == "public"]


def search_records(session: Session, catalog: Catalog, keys: Keys, tiers: dict[str, Tier], *, as_of: date,
                   name: str | None = None, page: int = 1, size: int = 20, kind: str | None = None,
                   category: str | None = None, department: str | None = None,
                   total: int | None = None) -> s.PublicRecordPage:
    """Disclosed matters with their records, newest decision first, with the total. `name`: the search
    box (a person's full name or ID number, an organisation's name words or code); `category`: a catalog
    category (with its subcategories); `total`: already counted (the home page's figures, for no search)."""
    items = public_items(catalog)
    if category:
        items = [c for c in items if _in_category(catalog, c, category)]
    search = who(session, keys, name)
    common: dict[str, Any] = {"items": items, "negative_cutoffs": rules.search_cutoffs(as_of, tiers),
                              "adult_born_by": add_months(as_of, -ADULT_MONTHS), "as_of": as_of, "who": search,
                              "kind": kind, "department": department}
    rows = repo.records(session, **common, limit=size + 1, offset=(page - 1) * size)
    total = repo.count_records(session, **common) if total is None else total
    departments = _departments(session)
    out = [_record_out(catalog, keys, tiers, departments, row, as_of) for row in rows[:size]]
    return s.PublicRecordPage(as_of=as_of, has_more=len(rows) > size, total=total,
                              records=[r for r in out if r is not None])


def _in_category(catalog: Catalog, item_code: str, category: str) -> bool:
    item = catalog.item(item_code)
    if item is None:
        return False
    parent = {c.code: c.parent for c in catalog.categories}
    code: str | None = item.category
    while code is not None:
        if code == category:
            return True
        code = parent.get(code)
    return False


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
    m, rec, name, birth, cipher, org_name, uscc = row
    item = catalog.item(m.item_code) if m.item_code else None
    if item is None or (m.subject_kind == "person" and cipher is None) or (
            m.subject_kind == "organisation" and uscc is None):
        return None
    f = facts(m)
    pub = matter_rules.publicity(f, as_of, tiers)
    if not rules.record_shown(disclosure=item.disclosure, publicity=pub.status, decision_date=m.start_date,
                              birth_date=birth if m.subject_kind == "person" else None, as_of=as_of):
        return None
    data = rec.data if rec is not None else {}
    fields = [s.PublicField(label=fs.label, value=data[fs.name]) for fs in item.fields
              if fs.name in data and fs.kind not in PRIVATE_KINDS]
    disputed = m.disputed_at is not None
    shown_name, number = _subject(keys, m, name, cipher, org_name, uscc)
    return s.PublicRecord(
        id=m.id, subject_kind=m.subject_kind, name=shown_name, id_number=number,
        item_code=item.code, item_name=item.name, category=item.category, nature=m.nature,
        nature_label=NATURE_LABELS.get(m.nature, m.nature), severity_label=SEVERITY_LABELS.get(m.severity or ""),
        decision_date=m.start_date, department_name=departments.get(m.department_code, m.department_code),
        legal_basis=item.legal_basis, publicity_ends_on=pub.ends_on if m.nature == "negative" else None,
        list_label=LIST_LABELS.get(m.list_type or "") if matter_rules.listed_on(f, as_of, tiers) else None,
        disputed=disputed, status_label="异议处理中" if disputed else None, fields=fields)


def search_entries(session: Session, keys: Keys, *, as_of: date, list_type: str | None = None,
                   name: str | None = None, page: int = 1, size: int = 20, catalog: Catalog | None = None,
                   kind: str | None = None, department: str | None = None,
                   counts: dict[str, int] | None = None) -> s.PublicEntryPage:
    """Persons and organisations on the red and black lists today (the watch list is not public), with
    what each is listed for and how many each list holds under the same search (`counts`: already
    counted, the home page's figures, for no search)."""
    types = [list_type] if list_type in rules.PUBLIC_LISTS else list(rules.PUBLIC_LISTS)
    common: dict[str, Any] = {"adult_born_by": add_months(as_of, -ADULT_MONTHS), "as_of": as_of,
                              "who": who(session, keys, name), "kind": kind, "department": department}
    rows = repo.entries(session, list_types=types, **common, limit=size + 1, offset=(page - 1) * size)
    if counts is None:
        counts = repo.entry_counts(session, list_types=list(rules.PUBLIC_LISTS), **common)
    departments = _departments(session)
    out = []
    for entry, rec, person_name, birth, cipher, org_name, uscc in rows[:size]:
        if entry.subject_kind == "person" and rules.minor_involved(birth, entry.start_date, as_of):
            continue
        assert entry.list_type is not None
        item = catalog.item(entry.item_code) if catalog is not None and entry.item_code else None
        disputed = entry.disputed_at is not None
        shown_name, number = _subject(keys, entry, person_name, cipher, org_name, uscc)
        out.append(s.PublicEntry(
            id=entry.id, subject_kind=entry.subject_kind, name=shown_name, id_number=number,
            list_type=entry.list_type, list_label=LIST_LABELS[entry.list_type],
            item_name=item.name if item else None,
            behaviour=rules.behaviour(item.name if item else None, rec.data if rec is not None else None,
                                      entry.subject_kind),
            basis=entry.basis or (item.legal_basis if item else ""),
            department_name=departments.get(entry.department_code, entry.department_code),
            start_date=entry.start_date, planned_end=entry.planned_end, disputed=disputed,
            status_label="异议处理中" if disputed else None))
    return s.PublicEntryPage(as_of=as_of, has_more=len(rows) > size,
                             total=sum(counts.get(t, 0) for t in types), counts=counts, entries=out)


@dataclass(frozen=True, slots=True)
class Figures:
    """The home page's live figures: who is on each list today, and how much is in publicity."""

    as_of: date
    black_persons: int
    black_organisations: int
    red_persons: int
    red_organisations: int
    records: int  # up to COUNT_CAP + 1

    @property
    def black(self) -> int:
        return self.black_persons + self.black_organisations

    @property
    def red(self) -> int:
        return self.red_persons + self.red_organisations

    @property
    def lists(self) -> dict[str, int]:
        """How many each public list holds, as `search_entries` counts them with no search (a count over
        the cap says "more than", as there)."""
        return {"black": self.black, "red": self.red}


def figures(session: Session, catalog: Catalog, tiers: dict[str, Tier], as_of: date) -> Figures:
    adult = add_months(as_of, -ADULT_MONTHS)
    lists = list(rules.PUBLIC_LISTS)
    persons = repo.entry_counts(session, list_types=lists, adult_born_by=adult, as_of=as_of, who=repo.Who(),
                                kind="person")
    orgs = repo.entry_counts(session, list_types=lists, adult_born_by=adult, as_of=as_of, who=repo.Who(),
                             kind="organisation")
    records = repo.count_records(session, items=public_items(catalog),
                                 negative_cutoffs=rules.search_cutoffs(as_of, tiers), adult_born_by=adult, as_of=as_of,
                                 who=repo.Who())
    return Figures(as_of, persons.get("black", 0), orgs.get("black", 0), persons.get("red", 0), orgs.get("red", 0),
                   records)
