"""All SQL for departments."""

from __future__ import annotations

from typing import Any

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
    remember({d.code: d.name for d in new})
    return len(new)


# Names of the departments that are not the catalog's (another platform's, through the exchange:
# "341021.court" is "凤台县公共信用信息平台·市中级人民法院"), for the surfaces that name a department
# from the catalog without a session (the check's answer). Filled at start-up and whenever one is
# registered in this process; `chengxin serve`'s exchange loop reloads it, so other processes
# learn new ones within a round.
_KNOWN: dict[str, str] = {}


def remember(names: dict[str, str]) -> None:
    _KNOWN.update({c: n for c, n in names.items() if "." in c})


def label(code: str, catalog_names: dict[str, str] | Any) -> str:
    """A department's name: the catalog's, else an exchanged one's, else its code."""
    return catalog_names.get(code) or _KNOWN.get(code) or code
