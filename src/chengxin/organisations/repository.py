"""All SQL for organisations and the roles persons hold in them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from chengxin.organisations.models import Organisation, OrganisationRole
from chengxin.records.repository import IN_CHUNK, is_postgres


def _insert(session: Session, model: type, rows: list[dict[str, object]], keys: list[str]) -> None:
    if not rows:
        return
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(model).on_conflict_do_nothing(index_elements=keys), rows)


def names_by_uscc(session: Session, usccs: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    usccs = list(usccs)
    for i in range(0, len(usccs), IN_CHUNK):
        part = usccs[i : i + IN_CHUNK]
        found.update(session.execute(
            select(Organisation.uscc, Organisation.name).where(Organisation.uscc.in_(part))
        ).all())
    return found


def insert_new(session: Session, rows: list[dict[str, object]]) -> None:
    _insert(session, Organisation, rows, ["uscc"])


def rename(session: Session, changes: list[tuple[str, str]], at: datetime) -> None:
    if not changes:
        return
    session.execute(
        update(Organisation.__table__).where(Organisation.__table__.c.uscc == bindparam("u"))
        .values(name=bindparam("n"), updated_at=at),
        [{"u": u, "n": n} for u, n in changes],
    )


def get(session: Session, uscc: str) -> Organisation | None:
    return session.get(Organisation, uscc)


def roles_of_org(session: Session, uscc: str) -> list[OrganisationRole]:
    return list(session.scalars(
        select(OrganisationRole).where(OrganisationRole.uscc == uscc)
        .order_by(OrganisationRole.role)
    ))


def replace_roles(session: Session, uscc: str, rows: list[dict[str, object]]) -> None:
    """Set the organisation's current roles (the submitted list replaces the old one)."""
    session.execute(OrganisationRole.__table__.delete().where(OrganisationRole.uscc == uscc))
    if rows:
        session.execute(OrganisationRole.__table__.insert(), rows)


def set_roles(session: Session, uscc: str, roles: Sequence[tuple[str, str, str | None]], department_code: str,
              at: datetime) -> None:
    """Replace the roles with (person key, role, since as ISO date or None), recorded by a department."""
    replace_roles(session, uscc, [
        {"person_key": k, "uscc": uscc, "role": r, "since": date.fromisoformat(s) if s else None, "until": None,
         "department_code": department_code, "recorded_at": at} for k, r, s in roles])
    session.execute(update(Organisation.__table__).where(Organisation.__table__.c.uscc == uscc)
                    .values(updated_at=at))


def roles_of_person(session: Session, person_key: str) -> list[tuple[OrganisationRole, str]]:
    """The organisations a person answers for, with their names."""
    return list(session.execute(
        select(OrganisationRole, Organisation.name)
        .join(Organisation, Organisation.uscc == OrganisationRole.uscc)
        .where(OrganisationRole.person_key == person_key)
        .order_by(OrganisationRole.uscc, OrganisationRole.role)
    ).all())


def subject_keys(session: Session, usccs: Sequence[str]) -> dict[str, str]:
    if not usccs:
        return {}
    return dict(session.execute(
        select(Organisation.uscc, Organisation.subject_key)
        .where(Organisation.uscc.in_(list(usccs)))
    ).all())
