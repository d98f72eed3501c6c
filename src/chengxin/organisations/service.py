"""Organisation use cases: register an organisation and who answers for it (R10).

The department that registers an organisation first owns its name and its responsible persons:
it alone changes them. Another department's differing registration changes nothing and goes to
the credit office as a conflict (chengxin.conflicts), as a differing name in a record does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chengxin.clock import today, utcnow
from chengxin.conflicts import rules as naming
from chengxin.conflicts import service as conflicts
from chengxin.crypto import Keys
from chengxin.errors import DomainError, NotFound
from chengxin.identity.rules import IdentityError, normalise_uscc, parse_identifier
from chengxin.organisations import repository as repo
from chengxin.organisations.models import ROLES, Organisation, OrganisationRole
from chengxin.organisations.schemas import OrganisationIn
from chengxin.persons import service as persons


@dataclass(slots=True)
class Registered:
    """An organisation after a registration, and the conflicts the registration raised instead
    of changing it (empty when it was applied)."""

    organisation: Organisation
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (conflict id, kind)


def register(
    session: Session, keys: Keys, department_code: str, uscc_raw: str, body: OrganisationIn
) -> Registered:
    """Create or update an organisation and replace its list of responsible persons; from a
    department other than the registering one, a differing name or list becomes a conflict."""
    uscc = normalise_uscc(uscc_raw)
    now = utcnow()
    people = []
    for n, p in enumerate(body.persons):
        if p.role not in ROLES:
            raise DomainError("ORG_ROLE_UNKNOWN", f"第 {n + 1} 个人员的角色“{p.role[:32]}”无效", 422)
        try:
            ident = parse_identifier(p.id_type, p.id_number, today())
        except IdentityError as exc:
            raise DomainError(exc.code, f"第 {n + 1} 个人员：{exc.message}", 422) from exc
        people.append((p, ident))
    name = body.name.strip()
    if not name:
        raise DomainError("ORG_NAME_MISSING", "缺少组织名称", 422)
    origin = conflicts.Origin(department_code, "organisation", f"登记的组织“{name}”的责任人信息", uscc=uscc)
    person_keys = persons.ensure(session, keys, [(i, p.name) for p, i in people], now, origin=origin)
    roles: dict[tuple[str, str], naming.Role] = {}
    for (p, _), k in zip(people, person_keys, strict=True):
        roles.setdefault((k, p.role), (k, p.role, p.since.isoformat() if p.since else None))
    claimed = list(roles.values())
    org = repo.get(session, uscc)
    if org is None:
        org = Organisation(uscc=uscc, subject_key=keys.subject_key("uscc", uscc), name=name,
                           registered_by=department_code, created_at=now, updated_at=now)
        session.add(org)
        session.flush()
    elif org.registered_by in (None, department_code):
        # Known only from records so far, or its own registration: the registering department's word.
        org.name, org.registered_by, org.updated_at = name, department_code, now
    else:
        return Registered(org, _claims(session, org, name, claimed, origin))
    repo.set_roles(session, uscc, claimed, department_code, now)
    session.flush()
    return Registered(org)


def _claims(session: Session, org: Organisation, name: str, roles: list[naming.Role],
            origin: conflicts.Origin) -> list[tuple[str, str]]:
    """Another department's registration: each fact it states differently becomes a conflict."""
    raised = []
    if not naming.same_name(org.name, name):
        raised.append((conflicts.raise_org(session, uscc=org.uscc, subject_key=org.subject_key,
                                           kind=naming.ORG_NAME, current=org.name, claimed=name, origin=origin),
                       naming.ORG_NAME))
    current = [(r.person_key, r.role, r.since.isoformat() if r.since else None)
               for r in repo.roles_of_org(session, org.uscc)]
    if not naming.same_roles(current, roles):
        raised.append((conflicts.raise_org(session, uscc=org.uscc, subject_key=org.subject_key,
                                           kind=naming.ORG_ROLES, current=naming.roles_json(current),
                                           claimed=naming.roles_json(roles), origin=origin),
                       naming.ORG_ROLES))
    return raised


def roles(session: Session, uscc_raw: str) -> tuple[Organisation, list[OrganisationRole]]:
    uscc = normalise_uscc(uscc_raw)
    org = repo.get(session, uscc)
    if org is None:
        raise NotFound("ORG_NOT_FOUND", "平台中没有该组织")
    return org, repo.roles_of_org(session, uscc)
