"""Conflict use cases: raise one where a department's data differs, and resolve it at the credit office.

Raising never changes the data the conflict is about: the platform keeps what it held, the
department's row is kept with a warning, and the person is told when a record arrives under
their number with another name. Resolving is the credit office's decision, with a note.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller
from chengxin.clock import CHINA, utcnow
from chengxin.conflicts import repository as repo
from chengxin.conflicts import rules
from chengxin.conflicts.models import Conflict
from chengxin.conflicts.schemas import ConflictOut, RegistryCheckOut, RoleOut
from chengxin.crypto import Keys
from chengxin.db import read_transaction
from chengxin.departments import repository as departments
from chengxin.errors import DomainError, NotFound
from chengxin.identity.registry import PopulationRegistry
from chengxin.ids import new_id
from chengxin.keyring.service import current_key
from chengxin.notices import service as notices
from chengxin.organisations import repository as orgs
from chengxin.organisations.models import ROLES
from chengxin.persons import repository as persons
from chengxin.persons.models import Person

NAME_MAX = 100
ORG_NAME_MAX = 200
# Records and list entries can be objected to; an organisation's responsible persons cannot.
OBJECT_HINT = "如该信息不属于您，可以在“我的信用档案”中对其提出异议。"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a claim came from: for the conflict, and (`what`, Chinese) for the person's notice."""

    department_code: str
    kind: str  # record | organisation | list_entry
    what: str  # after the department's name, e.g. 报送的“行政处罚信息”（决定日期 2026-05-20）
    item_code: str | None = None
    source_record_id: str | None = None
    batch_id: str | None = None
    uscc: str | None = None


@dataclass(frozen=True, slots=True)
class NameClaim:
    """A department's name for a known person that differs from the platform's."""

    person_key: str
    current: str | None
    claimed: str
    origin: Origin


def _row(subject_key: str, kind: str, current: str | None, claimed: str, origin: Origin, now: datetime,
         uscc: str | None = None) -> dict[str, object]:
    return {"subject_key": subject_key, "id": new_id(), "kind": kind, "uscc": uscc, "current_value": current,
            "claimed_value": claimed, "department_code": origin.department_code, "origin": origin.kind,
            "item_code": origin.item_code, "source_record_id": origin.source_record_id,
            "batch_id": origin.batch_id, "open_key": rules.open_key(kind, origin.department_code, claimed),
            "status": rules.OPEN, "occurrences": 1, "raised_at": now, "last_seen_at": now}


def raise_names(session: Session, claims: Sequence[NameClaim], now: datetime | None = None) -> list[str]:
    """Queue each differing name and tell the person, in the caller's transaction; conflict ids.

    The same claim again (same person, department and name) counts as another occurrence of its
    open conflict, and the person's notice, keyed by the conflict, is not sent twice."""
    now = now or utcnow()
    ids = []
    names = departments.names(session) if claims else {}
    for c in claims:
        conflict_id = repo.raise_one(session, _row(c.person_key, rules.PERSON_NAME, c.current, c.claimed,
                                                   c.origin, now))
        ids.append(conflict_id)
        notices.enqueue(
            session, person_key=c.person_key, kind="identity_name_conflict", key=conflict_id,
            title="有信息以您的证件号码报送，但姓名与平台登记的不一致",
            body=f"{names.get(c.origin.department_code, '有关部门')}{c.origin.what}使用了您的证件号码，"
                 "所填姓名与平台登记的您的姓名不一致。平台登记的姓名未作改变，信用办将核实处理。"
                 + (OBJECT_HINT if c.origin.kind in ("record", "list_entry") else ""))
    return ids


def raise_org(session: Session, *, uscc: str, subject_key: str, kind: str, current: str | None, claimed: str,
              origin: Origin, now: datetime | None = None) -> str:
    """Queue an organisation's differing name or responsible persons; the conflict id."""
    return repo.raise_one(session, _row(subject_key, kind, current, claimed, origin, now or utcnow(), uscc))


def get(session: Session, conflict_id: str) -> Conflict:
    conflict = repo.get(session, conflict_id)
    if conflict is None:
        raise NotFound("CONFLICT_NOT_FOUND", "没有该信息冲突")
    return conflict


@dataclass(frozen=True, slots=True)
class RegistryAsked:
    """A registry check of an open person-name conflict: whom it was about and what it said."""

    person_key: str
    check: RegistryCheckOut


def registry_check(session: Session, keys: Keys, registry: PopulationRegistry | None,
                   conflict_id: str) -> RegistryAsked | None:
    """Ask the population registry about an open person-name conflict's person; None for any other
    conflict, or with no registry configured. The person is read in a transaction that only reads
    when the session has none yet, so that the registry's answer (seconds, at worst) is awaited
    without holding SQLite's write lock; the caller logs the read (action registry_verify)."""
    if registry is None:
        return None
    if session.in_transaction():
        asked = _question(session, keys, conflict_id)
    else:
        with read_transaction(session):
            asked = _question(session, keys, conflict_id)
    if asked is None:
        return None
    person_key, id_type, number, platform, claimed = asked
    verdict = registry.verify(id_type, number, platform or claimed)
    registry_name = None
    if verdict.result == "match":
        registry_name = platform or claimed
    elif verdict.result == "name_differs":
        registry_name = verdict.name
        if registry_name is None and platform:  # a gateway that does not say its name: ask with the other
            second = registry.verify(id_type, number, claimed)
            if second.result == "match":
                verdict, registry_name = second, claimed
    confirms = rules.registry_confirms(platform, claimed, registry_name)
    return RegistryAsked(person_key, RegistryCheckOut(
        source=verdict.source, demo=verdict.demo, result=verdict.result, confirms=confirms,
        registry_name=registry_name, reason=verdict.reason, checked_at=verdict.at,
        summary=rules.registry_summary(confirms, platform, claimed, registry_name, verdict.result, verdict.reason)))


def log_registry(session: Session, caller: Caller, conflict_id: str, asked: RegistryAsked) -> None:
    """The registry's answer about a person is a read of their data: logged like the other reads."""
    log_reads(session, caller, "registry_verify", [Read(asked.person_key, asked.check.result, conflict_id)],
              purpose="信息冲突核实")


def _question(session: Session, keys: Keys, conflict_id: str) -> tuple[str, str, str, str | None, str] | None:
    conflict = get(session, conflict_id)
    if conflict.kind != rules.PERSON_NAME or conflict.status != rules.OPEN:
        return None
    person = persons.get(session, current_key(session, conflict.subject_key))
    if person is None:
        return None
    number = keys.decrypt(person.id_cipher, person.person_key.encode())
    return person.person_key, person.id_type, number, person.name, conflict.claimed_value


def resolve(session: Session, conflict_id: str, *, decision: str, note: str, actor: str,
            value: str | None = None, registry: RegistryCheckOut | None = None) -> Conflict:
    """The credit office's decision: keep what the platform holds, accept the department's claim,
    or (for a name) correct it to a value it verified itself. Accepting or correcting sets the data;
    a person's name so set comes from the office (an authority) and the person is told.

    `registry` (a person's name, with the registry's answer `registry_check` just gave) sets the
    registry's name with source registry, whichever of the two names it is, and writes the answer
    into the note."""
    conflict = get(session, conflict_id)
    if conflict.status != rules.OPEN:
        raise DomainError("CONFLICT_RESOLVED", "该信息冲突已经处理", 409)
    status = rules.DECISIONS.get(decision)
    if status is None:
        raise DomainError("CONFLICT_DECISION_UNKNOWN", "处理方式应为 keep（维持）、accept（采用报送内容）、"
                          "correct（更正）或 registry（按户籍信息处理）", 422)
    note = note.strip()
    if decision == "registry":
        return _resolve_by_registry(session, conflict, registry, note, actor)
    if not note:
        raise DomainError("CONFLICT_NOTE_REQUIRED", "处理信息冲突须写明核实情况", 422)
    now = utcnow()
    result: str | None = None
    if decision == "accept":
        result = conflict.claimed_value
    elif decision == "correct":
        if conflict.kind == rules.ORG_ROLES:
            raise DomainError("CONFLICT_CORRECT_NOT_APPLICABLE", "组织责任人冲突只能维持或采用报送内容", 422)
        result = " ".join((value or "").split())
        limit = NAME_MAX if conflict.kind == rules.PERSON_NAME else ORG_NAME_MAX
        if not result or len(result) > limit:
            raise DomainError("CONFLICT_VALUE_INVALID", f"请填写核实后的名称（不超过 {limit} 个字）", 422)
    if result is not None:
        _apply(session, conflict, result, now)
    repo.close(session, conflict, status=status, at=now, by=actor, value=result, note=note[:2000])
    _tell_resolved(session, conflict)
    return conflict


def _resolve_by_registry(session: Session, conflict: Conflict, check: RegistryCheckOut | None, note: str,
                         actor: str) -> Conflict:
    if conflict.kind != rules.PERSON_NAME:
        raise DomainError("CONFLICT_REGISTRY_NOT_APPLICABLE", "只有自然人姓名冲突可以按户籍信息处理", 422)
    if check is None:
        raise DomainError("CONFLICT_REGISTRY_OFF", "本平台未配置户籍核验，请选择其他处理方式", 422)
    if check.registry_name is None or check.confirms is None:
        raise DomainError("CONFLICT_REGISTRY_UNCONFIRMED",
                          f"户籍库未能确认此人的姓名，不能按户籍信息处理。{check.summary}", 409)
    now = utcnow()
    key = current_key(session, conflict.subject_key)
    if persons.get(session, key) is None:
        raise NotFound("PERSON_NOT_FOUND", "平台中已没有此人")
    persons.set_names(session, [(key, check.registry_name, rules.REGISTRY)], now)
    answered = f"{check.checked_at.astimezone(CHINA):%Y-%m-%d %H:%M}"
    recorded = f"按户籍信息处理。{check.source}于 {answered} 答复：{check.summary.removeprefix('户籍核验：')}"
    if note:
        recorded += f"。{note}"
    repo.close(session, conflict, status=rules.registry_status(check.confirms), at=now, by=actor,
               value=check.registry_name, note=recorded[:2000])
    _tell_resolved(session, conflict)
    return conflict


def _tell_resolved(session: Session, conflict: Conflict) -> None:
    if conflict.kind == rules.PERSON_NAME:
        person = persons.get(session, current_key(session, conflict.subject_key))
        name = person.name if person is not None else None
        notices.enqueue(
            session, person_key=conflict.subject_key, kind="identity_name_resolved", key=conflict.id,
            title="姓名不一致的信息已核实",
            body=f"信用办已核实以您的证件号码报送但姓名不一致的信息，平台登记的您的姓名为“{name}”。")


def _apply(session: Session, conflict: Conflict, value: str, now: datetime) -> None:
    if conflict.kind == rules.PERSON_NAME:
        key = current_key(session, conflict.subject_key)  # the person may have been re-keyed since
        if persons.get(session, key) is None:
            raise NotFound("PERSON_NOT_FOUND", "平台中已没有此人")
        persons.set_names(session, [(key, value, rules.OFFICE)], now)
    elif conflict.kind == rules.ORG_NAME:
        assert conflict.uscc is not None
        orgs.rename(session, [(conflict.uscc, value)], now)
    else:
        assert conflict.uscc is not None
        roles = [(current_key(session, k), r, s) for k, r, s in rules.roles_of_json(value)]
        orgs.set_roles(session, conflict.uscc, roles, conflict.department_code, now)


def describe(session: Session, keys: Keys, rows: Sequence[Conflict]) -> tuple[list[ConflictOut], list[str]]:
    """The credit office's view of conflicts (names and numbers in full: it alone resolves them),
    and the keys of the persons it shows, for the access log. A few statements however long the
    queue: the persons and organisations are read together."""
    role_keys = {k: current_key(session, k)  # a roles claim names persons by the key they had then
                 for c in rows if c.kind == rules.ORG_ROLES
                 for text in (c.current_value, c.claimed_value) if text
                 for k, _, _ in rules.roles_of_json(text)}
    shown = persons.get_many(session, [c.subject_key for c in rows if c.kind == rules.PERSON_NAME]
                             + list(role_keys.values()))
    org_names = orgs.names_by_uscc(session, [c.uscc for c in rows if c.uscc])
    departments_by_code = departments.names(session)

    def number(p: Person | None) -> str | None:
        return None if p is None else keys.decrypt(p.id_cipher, p.person_key.encode())

    def roles(text: str | None) -> list[RoleOut]:
        out = []
        for key, role, since in rules.roles_of_json(text or "[]"):
            p = shown.get(role_keys[key])
            out.append(RoleOut(role=role, role_label=ROLES.get(role, role), person_key=role_keys[key],
                               name=(p.name or "") if p else "", id_number=number(p) or "", since=since))
        return out

    views = []
    for c in rows:
        p = shown.get(c.subject_key) if c.kind == rules.PERSON_NAME else None
        is_roles = c.kind == rules.ORG_ROLES
        source = (p.name_source or rules.SUBMITTED) if p else None
        views.append(ConflictOut(
            id=c.id, kind=c.kind, kind_label=rules.KIND_LABELS.get(c.kind, c.kind), status=c.status,
            status_label=rules.STATUS_LABELS.get(c.status, c.status),
            person_key=p.person_key if p else None, id_number=number(p), uscc=c.uscc,
            name_now=p.name if p else org_names.get(c.uscc or ""),
            name_source=source, name_source_label=rules.NAME_SOURCE_LABELS.get(source or ""),
            current_value=c.current_value, claimed_value=c.claimed_value,
            current_roles=roles(c.current_value) if is_roles else None,
            claimed_roles=roles(c.claimed_value) if is_roles else None,
            department_code=c.department_code,
            department_name=departments_by_code.get(c.department_code, c.department_code),
            origin=c.origin, origin_label=rules.ORIGIN_LABELS.get(c.origin, c.origin), item_code=c.item_code,
            source_record_id=c.source_record_id, batch_id=c.batch_id, occurrences=c.occurrences,
            raised_at=c.raised_at, last_seen_at=c.last_seen_at, resolved_at=c.resolved_at,
            resolved_by=c.resolved_by, resolved_value=c.resolved_value, resolution_note=c.resolution_note))
    return views, list(shown)
