"""Build a person's credit file: one card per matter, its state computed here, at read time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from chengxin.callers import Caller
from chengxin.catalog.rules import Catalog
from chengxin.clock import CHINA, today
from chengxin.creditfile import schemas as s
from chengxin.crypto import Keys
from chengxin.departments import repository as departments_repo
from chengxin.errors import NotFound
from chengxin.explanations import repository as explanations
from chengxin.explanations.models import Explanation
from chengxin.explanations.schemas import ExplanationOut
from chengxin.identity.rules import ID_TYPES, region_name
from chengxin.lists.rules import STATUS_LABELS as LIST_STATUS_LABELS
from chengxin.masking import ADULT_MONTHS, mask_id, mask_name
from chengxin.matters import repository as matters_repo
from chengxin.matters import rules as matter_rules
from chengxin.matters.models import Matter
from chengxin.matters.service import facts
from chengxin.organisations import repository as orgs
from chengxin.organisations.models import ROLES
from chengxin.persons import repository as persons
from chengxin.publicity.rules import Tier, add_months
from chengxin.records import repository as records
from chengxin.records.models import Record
from chengxin.remedies import repository as remedies
from chengxin.remedies.models import Appeal, Extension
from chengxin.remedies.schemas import AppealOut, ExtensionOut
from chengxin.repairs import repository as repairs_repo
from chengxin.repairs import rules as repair_rules

NATURE_LABELS = {"positive": "守信", "negative": "失信", "neutral": "中性"}
SEVERITY_LABELS = {"minor": "轻微", "general": "一般", "serious": "严重"}
SEX_LABELS = {"male": "男", "female": "女"}
# Matters listed directly with no catalog item are shown in a section of their own.
LISTS_CATEGORY = ("LISTS", "名单信息")
LIST_TIERS = {"black": "serious", "watch": "general"}


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
    found = matters_repo.of_subjects(session, subject_keys)
    if department is not None and not any(m.department_code == department for m in found) and not any(
            role.department_code == department for role, _ in roles):
        # A department sees only persons it holds something on: for any other it gets the answer
        # of an unknown number.
        raise _not_found(department)
    shown = _visible(found, caller, own_view, day, known_at)
    # Every version known then: the card shows the live one (or, for a record that went on to name
    # someone else, the last one that named this subject) and, if asked, the others.
    versions = _versions(records.subject_records(session, subject_keys, known_at, day, True), known_at)
    pending = repairs_repo.open_matters(session, [person_key])
    explained = {k: e for k, e in explanations.of_subjects(session, [person_key]).items()
                 if known_at is None or e.created_at <= known_at}
    extended: dict[str, Extension] = {}
    for e in remedies.extensions_of(session, [person_key]):  # newest first: the first one of each matter
        if known_at is None or e.filed_at <= known_at:
            extended.setdefault(e.matter_id, e)
    appealed: dict[str, Appeal] = {}
    for a in remedies.appeals_of(session, [person_key]):
        if known_at is None or a.recorded_at <= known_at:
            appealed.setdefault(a.matter_id, a)
    minor_until = add_months(person.birth_date, ADULT_MONTHS) if person.birth_date else None

    own: list[s.MatterOut] = []
    by_org: dict[str, list[s.MatterOut]] = defaultdict(list)
    key_to_uscc = {v: k for k, v in org_keys.items()}
    for m in shown:
        chain = versions.get(m.id)
        if m.origin == "record" and chain is None:
            continue  # its record was not known yet on that day
        out = matter_out(m, chain, catalog, departments, tiers, day, history=history,
                         repair_pending=m.id in pending,
                         actions=own_view and m.subject_key == person_key, minor_until=minor_until)
        if m.subject_key == person_key:
            _remedies(out, explained.get(m.id), extended.get(m.id), appealed.get(m.id))
        if m.subject_key == person_key:
            own.append(out)
        else:
            by_org[key_to_uscc[m.subject_key]].append(out)

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
    listed: dict[str, int] = defaultdict(int)
    for mo in own:
        if mo.listing is not None and mo.listing.listed:
            listed[mo.listing.list_type] += 1
    summary = s.SummaryOut(
        total=len(own),
        positive=sum(r.nature == "positive" for r in own),
        negative=sum(r.nature == "negative" for r in own),
        neutral=sum(r.nature == "neutral" for r in own),
        in_publicity=sum(r.publicity.status == "in_publicity" for r in own),
        listed=dict(listed),
    )
    organisations = [
        s.OrganisationOut(uscc=u, name=org_names[u], roles=org_roles[u],
                          role_labels=[ROLES.get(r, r) for r in org_roles[u]], matters=by_org.get(u, []))
        for u in sorted(org_names)
    ]
    return s.CreditFile(person_key=person_key, as_of=day, identity=identity, summary=summary,
                        categories=_by_category(own, catalog), organisations=organisations,
                        references=references_of(session, person_key, day))


def _remedies(out: s.MatterOut, explanation: Explanation | None, extension: Extension | None,
              appeal: Appeal | None) -> None:
    """What the person and the deciding department added to the matter: the explanation, the latest
    extension, and a reconsideration or lawsuit, which, while pending, is the matter's status mark."""
    out.explanation = ExplanationOut.of(explanation) if explanation else None
    out.extension = ExtensionOut.of(extension) if extension else None
    out.appeal = AppealOut.of(appeal) if appeal else None
    if appeal is not None and appeal.status == "pending" and out.state == "in_effect" and not out.disputed:
        out.status_label = out.appeal.status_label if out.appeal else None


REFERENCE_NOTE = "来源推送的参考信息，仅供实施措施的单位参考，不作为本平台联合奖惩措施的依据"


def references_of(session: Session, person_key: str, day: date) -> list[s.ReferenceOut]:
    """What sources that are only a reference (R15) pushed about the person, as known on `day`."""
    from chengxin.exchange import repository as exchange_repo
    from chengxin.matters.rules import STATE_LABELS

    out = []
    for r in exchange_repo.references(session, person_key):
        if r.decision_date > day:
            continue
        ended = r.ended_on is not None and r.ended_on <= day
        state = (r.end_reason or "revoked") if ended else "in_effect"
        out.append(s.ReferenceOut(id=r.id, source=r.source, source_name=r.source_name, item_name=r.item_name,
                                  decision_date=r.decision_date, state=state,
                                  state_label=STATE_LABELS.get(state, state), note=REFERENCE_NOTE))
    return out


def _not_found(department: str | None) -> NotFound:
    if department is not None:  # the same words whether the platform knows the person or not
        return NotFound("PERSON_NOT_FOUND", "没有本部门可以查看的此人信用档案")
    return NotFound("PERSON_NOT_FOUND", "平台中没有此人的信用档案")


def _visible(found: list[Matter], caller: Caller, own_view: bool, day: date,
             known_at: datetime | None) -> list[Matter]:
    """The matters this caller may see in the file as it stood on `day`."""
    out = []
    for m in found:
        if known_at is not None and m.created_at > known_at:
            continue
        if m.start_date > day and m.origin == "direct":
            continue
        if not caller.has("operator") and caller.is_department and m.department_code != caller.department_code:
            continue  # a department sees only what it submitted itself (the credit office sees everything)
        if not own_view and not caller.has("operator") and m.end_reason in matter_rules.UNSHARED \
                and m.ended_on is not None and m.ended_on <= day:
            continue  # after repair, sharing stops (R4): only the person and the credit office still see it
        out.append(m)
    return out


def _versions(rows: list[Record], known_at: datetime | None) -> dict[str, list[Record]]:
    """Per matter, its record's version live at `known_at` first, then its other versions (newest first).
    A matter whose record went on to name another subject keeps the last version that named this one."""
    chains: dict[str, list[Record]] = defaultdict(list)
    for rec in rows:
        chains[rec.matter_id].append(rec)
    out = {}
    for matter_id, chain in chains.items():
        chain.sort(key=lambda r: r.version, reverse=True)
        live = [r for r in chain if r.superseded_at is None or (known_at is not None and r.superseded_at > known_at)]
        first = live[0] if live else chain[0]
        out[matter_id] = [first, *(r for r in chain if r is not first)]
    return out


def _by_category(matters: list[s.MatterOut], catalog: Catalog) -> list[s.CategoryOut]:
    out = []
    for cat in catalog.categories:
        in_cat = [m for m in matters if m.category == cat.code]
        if in_cat:
            out.append(s.CategoryOut(code=cat.code, name=cat.name, matters=in_cat))
    rest = [m for m in matters if m.category == LISTS_CATEGORY[0]]
    if rest:
        out.append(s.CategoryOut(code=LISTS_CATEGORY[0], name=LISTS_CATEGORY[1], matters=rest))
    return out


def matter_out(m: Matter, chain: Sequence[Record] | None, catalog: Catalog, departments: dict[str, str],
               tiers: dict[str, Tier], day: date, *, history: bool = False, repair_pending: bool = False,
               actions: bool = False, minor_until: date | None = None) -> s.MatterOut:
    """One matter as it stood on `day`: its state, list, publicity, record and (for the person) actions."""
    item = catalog.item(m.item_code) if m.item_code else None
    f = facts(m)
    if m.ended_on is not None and m.ended_on > day:
        f = matter_rules.Facts(f.nature, f.severity, f.start, f.list_type, f.planned_end, None, None)  # not yet
    state = matter_rules.state_on(f, day, tiers)
    pub = matter_rules.publicity(f, day, tiers)
    disputed = m.disputed_at is not None and m.disputed_at.astimezone(CHINA).date() <= day
    ended = state in matter_rules.END_REASONS
    listing = None
    if m.list_type is not None:
        status = matter_rules.listing_state(f, day)
        label = LIST_STATUS_LABELS[status]
        if status == "exited":
            label = f"已移出（{matter_rules.EXIT_LABELS[state]}）"
        listing = s.ListingOut(list_type=m.list_type, list_label=matter_rules.LIST_LABELS[m.list_type],
                               start_date=m.start_date, planned_end=m.planned_end, listed=status == "active",
                               status_label=label)
    record = None
    if chain:
        live = chain[0]
        record = s.RecordOut(
            id=live.id, source_record_id=live.source_record_id, version=live.version, recorded_at=live.recorded_at,
            severity_reason=live.severity_reason, fields=_fields(item, live.data),
            versions=[s.RecordVersion(version=v.version, recorded_at=v.recorded_at, superseded_at=v.superseded_at,
                                      decision_date=v.decision_date, severity=v.severity,
                                      fields=_fields(item, v.data)) for v in chain[1:]] if history else None)
    overlay = "异议处理中" if disputed else ("修复申请处理中" if repair_pending and not ended else None)
    severity = m.severity or LIST_TIERS.get(m.list_type or "")
    name = item.name if item else matter_rules.LIST_LABELS.get(m.list_type or "", m.item_code or "")
    return s.MatterOut(
        id=m.id, origin=m.origin, item_code=m.item_code, item_name=name,
        category=item.category if item else LISTS_CATEGORY[0], nature=m.nature,
        nature_label=NATURE_LABELS.get(m.nature, m.nature), severity=m.severity,
        severity_label=SEVERITY_LABELS.get(m.severity or ""), start_date=m.start_date,
        department_code=m.department_code, department_name=departments.get(m.department_code, m.department_code),
        domain=m.domain,
        legal_basis=(m.basis if m.list_type and m.basis else (item.legal_basis if item else m.basis or "")),
        reference=m.reference, disclosure=item.disclosure if item else "authorised",
        state=state, state_label=matter_rules.STATE_LABELS[state],
        ended_on=m.ended_on if ended else None, end_note=m.end_note if ended else None,
        disputed=disputed, repair_pending=repair_pending and not ended,
        status_label=overlay or (matter_rules.STATE_LABELS[state] if ended else None),
        listing=listing, record=record,
        publicity=s.PublicityOut(status=pub.status, label=pub.label, ends_on=pub.ends_on, min_ends_on=pub.min_ends_on),
        actions=_actions(m, item, severity, state, disputed, repair_pending, day, tiers, minor_until)
        if actions else None,
    )


def _fields(item, data: dict) -> list[s.FieldValue]:  # type: ignore[no-untyped-def]
    if item is None:
        return [s.FieldValue(name=k, label=k, value=v) for k, v in data.items()]
    return [s.FieldValue(name=f.name, label=f.label, value=data[f.name]) for f in item.fields if f.name in data]


def _actions(m: Matter, item, severity: str | None, state: str, disputed: bool,  # type: ignore[no-untyped-def]
             repair_pending: bool, day: date, tiers: dict[str, Tier], minor_until: date | None) -> s.ActionsOut:
    """The person's two possible steps on the matter, each allowed or explained (the same rules
    the objection and repair services apply)."""
    if state == "revoked" or state == "court_deleted":
        objection = s.ActionOut(allowed=False, reason="该信息已撤销或删除，无需提出异议")
    elif disputed:
        objection = s.ActionOut(allowed=False, reason="对该信息的异议正在处理中")
    else:
        objection = s.ActionOut(allowed=True)
    court = m.item_code == "SFCP-01" or (m.list_type == "black" and m.department_code == "court")
    elig = repair_rules.eligibility(repair_rules.Facts(
        nature=m.nature, severity=severity, start=m.start_date, repairable=item.repairable if item else True,
        court_list=court, revoked=state in ("revoked", "court_deleted"), repaired=state == "repaired",
        in_effect=state == "in_effect", pending=repair_pending,
        minor_at_decision=minor_until is not None and m.start_date < minor_until),
        day, tiers, repair_rules.default_rules())
    refusal = elig.refusal
    repair = (s.ActionOut(allowed=True) if refusal is None
              else s.ActionOut(allowed=False, reason=refusal.detail,
                               earliest=elig.earliest if refusal.code == "REPAIR_TOO_EARLY" else None))
    return s.ActionsOut(objection=objection, repair=repair)
