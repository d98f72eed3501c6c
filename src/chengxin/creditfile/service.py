"""Build a person's credit file; publicity is computed here, at read time."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from chengxin.callers import Caller
from chengxin.catalog.rules import Catalog
from chengxin.clock import CHINA, today
from chengxin.creditfile import schemas as s
from chengxin.crypto import Keys
from chengxin.departments import repository as departments_repo
from chengxin.errors import NotFound
from chengxin.identity.rules import ID_TYPES, region_name
from chengxin.lists import repository as list_entries
from chengxin.masking import mask_id, mask_name
from chengxin.organisations import repository as orgs
from chengxin.organisations.models import ROLES
from chengxin.persons import repository as persons
from chengxin.publicity.rules import Tier, publicity_on
from chengxin.records import repository as records
from chengxin.records.models import Record

NATURE_LABELS = {"positive": "守信", "negative": "失信", "neutral": "中性"}
SEVERITY_LABELS = {"minor": "轻微", "general": "一般", "serious": "严重"}
SEX_LABELS = {"male": "男", "female": "女"}


def end_of_day(day: date) -> datetime:
    """The last instant of a day in China, as an aware datetime."""
    return datetime.combine(day + timedelta(days=1), time(0), CHINA) - timedelta(microseconds=1)


def build_file(
    session: Session, *, catalog: Catalog, keys: Keys, tiers: dict[str, Tier],
    person_key: str, caller: Caller, as_of: date | None = None, history: bool = False,
    own_view: bool = False,
) -> s.CreditFile:
    """The file as it stood at the end of `as_of` (today by default)."""
    department = caller.department_code if caller.is_department and not caller.has("operator") else None
    person = persons.get(session, person_key)
    if person is None:
        raise _not_found(department)
    day = as_of or today()
    known_at = None if as_of is None else end_of_day(day)
    departments = departments_repo.names(session)

    roles = orgs.roles_of_person(session, person_key)
    org_names: dict[str, str] = {}
    org_roles: dict[str, list[str]] = defaultdict(list)
    for role, name in roles:
        org_names[role.uscc] = name
        org_roles[role.uscc].append(role.role)
    org_keys = orgs.subject_keys(session, list(org_names))
    subject_keys = [person_key, *org_keys.values()]
    rows = records.subject_records(session, subject_keys, known_at, day, history)
    if department is not None:
        # A department sees only what it submitted itself (the credit office sees everything), and
        # only persons it holds something on: for any other it gets the answer of an unknown number.
        rows = [r for r in rows if r.department_code == department]
        if not rows and not any(role.department_code == department for role, _ in roles) and not any(
                e.department_code == department for e in list_entries.of_subjects(session, [person_key])):
            raise _not_found(department)
    if not own_view and not caller.has("operator"):
        # After repair, sharing stops (R4): only the person and the credit office still see it.
        rows = [r for r in rows if r.repaired_at is None or r.repaired_at.astimezone(CHINA).date() > day]

    def render(rec: Record, versions: list[Record] | None) -> s.RecordOut:
        return _record_out(rec, catalog, departments, tiers, day, versions)

    grouped = _group_versions(rows, known_at) if history else [(r, None) for r in rows]
    own: list[s.RecordOut] = []
    by_org: dict[str, list[s.RecordOut]] = defaultdict(list)
    key_to_uscc = {v: k for k, v in org_keys.items()}
    for rec, versions in grouped:
        out = render(rec, versions)
        if rec.subject_key == person_key:
            own.append(out)
        else:
            by_org[key_to_uscc[rec.subject_key]].append(out)

    categories: list[s.CategoryOut] = []
    for cat in catalog.categories:
        in_cat = [r for r in own if r.category == cat.code]
        if in_cat:
            categories.append(s.CategoryOut(code=cat.code, name=cat.name, records=in_cat))
    reveal = caller.may_see_identity or own_view  # a person sees their own identity in full
    number = keys.decrypt(person.id_cipher, person_key.encode())
    identity = s.IdentityOut(
        id_type=person.id_type, id_type_label=ID_TYPES.get(person.id_type, person.id_type),
        id_number=number if reveal else mask_id(number), masked=not reveal,
        name=(person.name or "") if reveal else mask_name(person.name),
        sex=person.sex, sex_label=SEX_LABELS.get(person.sex or ""),
        birth_year=person.birth_date.year if person.birth_date else None,
        region_code=person.region_code,
        region_name=region_name(person.region_code) if person.region_code else None,
    )
    summary = s.SummaryOut(
        total=len(own),
        positive=sum(r.nature == "positive" for r in own),
        negative=sum(r.nature == "negative" for r in own),
        neutral=sum(r.nature == "neutral" for r in own),
        in_publicity=sum(r.publicity.status == "in_publicity" for r in own),
    )
    organisations = [
        s.OrganisationOut(uscc=u, name=org_names[u], roles=org_roles[u],
                          role_labels=[ROLES.get(r, r) for r in org_roles[u]],
                          records=by_org.get(u, []))
        for u in sorted(org_names)
    ]
    return s.CreditFile(person_key=person_key, as_of=day, identity=identity, summary=summary,
                        categories=categories, organisations=organisations)


def _not_found(department: str | None) -> NotFound:
    if department is not None:  # the same words whether the platform knows the person or not
        return NotFound("PERSON_NOT_FOUND", "没有本部门可以查看的此人信用档案")
    return NotFound("PERSON_NOT_FOUND", "平台中没有此人的信用档案")


def _group_versions(
    rows: list[Record], known_at: datetime | None
) -> list[tuple[Record, list[Record]]]:
    """Live version of each logical record, with its earlier versions (newest first)."""
    chains: dict[tuple[str, str], list[Record]] = defaultdict(list)
    order: list[tuple[str, str]] = []
    for rec in rows:
        key = (rec.department_code, rec.source_record_id)
        if key not in chains:
            order.append(key)
        chains[key].append(rec)
    out = []
    for key in order:
        chain = sorted(chains[key], key=lambda r: r.version, reverse=True)
        live = [r for r in chain if r.superseded_at is None
                or (known_at is not None and r.superseded_at > known_at)]
        if live:
            out.append((live[0], [r for r in chain if r is not live[0]]))
    return out


def _record_out(
    rec: Record, catalog: Catalog, departments: dict[str, str], tiers: dict[str, Tier],
    day: date, versions: list[Record] | None,
) -> s.RecordOut:
    item = catalog.item(rec.item_code)
    revoked_on = rec.revoked_at.astimezone(CHINA).date() if rec.revoked_at else None
    repaired_on = rec.repaired_at.astimezone(CHINA).date() if rec.repaired_at else None
    if repaired_on is not None and repaired_on > day:
        repaired_on = None  # the file as it stood before the repair
    disputed = rec.disputed_at is not None and rec.disputed_at.astimezone(CHINA).date() <= day
    pub = publicity_on(nature=rec.nature, severity=rec.severity,
                       decision_date=rec.decision_date, revoked_on=revoked_on, as_of=day,
                       tiers=tiers, repaired_on=repaired_on)

    def fields(data: dict) -> list[s.FieldValue]:
        if item is None:
            return [s.FieldValue(name=k, label=k, value=v) for k, v in data.items()]
        return [s.FieldValue(name=f.name, label=f.label, value=data[f.name])
                for f in item.fields if f.name in data]

    return s.RecordOut(
        id=rec.id, item_code=rec.item_code, item_name=item.name if item else rec.item_code,
        category=item.category if item else "", nature=rec.nature,
        nature_label=NATURE_LABELS.get(rec.nature, rec.nature), severity=rec.severity,
        severity_label=SEVERITY_LABELS.get(rec.severity or ""),
        severity_reason=rec.severity_reason, decision_date=rec.decision_date,
        department_code=rec.department_code,
        department_name=departments.get(rec.department_code, rec.department_code),
        source_record_id=rec.source_record_id, version=rec.version,
        recorded_at=rec.recorded_at,
        revoked_at=rec.revoked_at if revoked_on and revoked_on <= day else None,
        revoke_reason=rec.revoke_reason if revoked_on and revoked_on <= day else None,
        disputed=disputed,
        status_label="异议处理中" if disputed else ("已信用修复" if repaired_on else None),
        repaired_at=rec.repaired_at if repaired_on else None,
        disclosure=item.disclosure if item else "authorised",
        legal_basis=item.legal_basis if item else "",
        publicity=s.PublicityOut(status=pub.status, label=pub.label, ends_on=pub.ends_on,
                                 min_ends_on=pub.min_ends_on),
        fields=fields(rec.data),
        versions=None if versions is None else [
            s.RecordVersion(version=v.version, recorded_at=v.recorded_at,
                            superseded_at=v.superseded_at, decision_date=v.decision_date,
                            severity=v.severity, fields=fields(v.data))
            for v in versions
        ],
    )
