"""All SQL for departments."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.departments.models import Department


def get(session: Session, code: str) -> Department | None:
    return session.get(Department, code)


def all_codes(session: Session) -> set[str]:
    return set(session.scalars(select(Department.code)))


def names(session: Session) -> dict[str, str]:
    """Department names by code."""
    return {code: name for code, name in session.execute(select(Department.code, Department.name))}


def ensure(session: Session, departments: dict[str, str]) -> int:
    """Register departments that are missing (e.g. the catalog's); returns how many were new."""
    known = all_codes(session)
    new = [Department(code=c, name=n) for c, n in departments.items() if c not in known]
    session.add_all(new)
    session.flush()
    return len(new)
