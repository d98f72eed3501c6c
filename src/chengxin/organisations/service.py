"""Organisation use cases: register an organisation and who answers for it (R10)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengxin.clock import today, utcnow
from chengxin.crypto import Keys
from chengxin.errors import DomainError, NotFound
from chengxin.identity.rules import IdentityError, normalise_uscc, parse_identifier
from chengxin.organisations import repository as repo
from chengxin.organisations.models import ROLES, Organisation, OrganisationRole
from chengxin.organisations.schemas import OrganisationIn
from chengxin.persons import service as persons


def register(
    session: Session, keys: Keys, department_code: str, uscc_raw: str, body: OrganisationIn
) -> Organisation:
    """Create or update an organisation and replace its list of responsible persons."""
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
    org = repo.get(session, uscc)
    if org is None:
        org = Organisation(uscc=uscc, subject_key=keys.subject_key("uscc", uscc),
                           name=body.name, created_at=now, updated_at=now)
        session.add(org)
    else:
        org.name, org.updated_at = body.name, now
    person_keys = persons.ensure(session, keys, [(i, p.name) for p, i in people], now)
    seen: set[tuple[str, str]] = set()
    rows = []
    for (p, _), k in zip(people, person_keys, strict=True):
        if (k, p.role) in seen:
            continue
        seen.add((k, p.role))
        rows.append({"person_key": k, "uscc": uscc, "role": p.role, "since": p.since,
                     "until": None, "department_code": department_code, "recorded_at": now})
    repo.replace_roles(session, uscc, rows)
    session.flush()
    return org


def roles(session: Session, uscc_raw: str) -> tuple[Organisation, list[OrganisationRole]]:
    uscc = normalise_uscc(uscc_raw)
    org = repo.get(session, uscc)
    if org is None:
        raise NotFound("ORG_NOT_FOUND", "平台中没有该组织")
    return org, repo.roles_of_org(session, uscc)
