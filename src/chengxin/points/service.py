"""Integrity points for a person: opting in and out, and their ledger (worked out when read)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller
from chengxin.catalog.rules import Catalog
from chengxin.checks import repository as checks_repo
from chengxin.errors import DomainError
from chengxin.persons import repository as persons
from chengxin.points.models import PointsConsent
from chengxin.points.rules import Ledger, PointsModel, is_minor, ledger
from chengxin.publicity.rules import Tier
from chengxin.sanctions.measures import Measure, MeasureList


@dataclass(frozen=True)
class Mine:
    """What the person's points page shows."""

    consent: PointsConsent | None
    minor: bool
    ledger: Ledger | None  # None unless they opted in (and are of age)
    unlocked: tuple[Measure, ...]  # reward measures their grade unlocks today
    by_grade: dict[str, tuple[Measure, ...]]  # what each grade unlocks


def person_key(caller: Caller) -> str:
    if not caller.person_key:
        raise DomainError("AUTH_PERSON_REQUIRED", "此操作须由信息主体本人登录后进行", 403)
    return caller.person_key


def consent_of(session: Session, key: str) -> PointsConsent | None:
    return session.get(PointsConsent, key)


def _adult(session: Session, key: str, as_of: date) -> bool:
    person = persons.get(session, key)
    if person is None:
        raise DomainError("POINTS_NO_PERSON", "平台中还没有您的登记信息，暂时无法开通诚信积分", 422)
    return not is_minor(person.birth_date, as_of)


def opt_in(session: Session, caller: Caller, model: PointsModel, now: datetime, as_of: date) -> PointsConsent:
    """The person's consent (idempotent: opting in again keeps the first). Minors are refused."""
    key = person_key(caller)
    if not _adult(session, key, as_of):
        raise DomainError("POINTS_MINOR", "未成年人不开通诚信积分：积分只为自愿开通的成年人计算", 422)
    found = consent_of(session, key)
    if found is not None:
        return found
    row = PointsConsent(person_key=key, opted_in_at=now, model_version=model.version)
    session.add(row)
    session.flush()
    return row


def opt_out(session: Session, caller: Caller) -> bool:
    """Withdraw consent: the points are gone with it (nothing else about them is stored). True if
    there was a consent."""
    key = person_key(caller)
    return bool(session.execute(delete(PointsConsent).where(PointsConsent.person_key == key)).rowcount)


def unlocks(measures: MeasureList, grade: str) -> tuple[Measure, ...]:
    """The reward measures a grade unlocks, in the list's order."""
    return tuple(m for m in measures.measures.values() if m.effect == "reward" and grade in m.targets.grades)


def mine(session: Session, caller: Caller, *, catalog: Catalog, model: PointsModel, measures: MeasureList,
         tiers: dict[str, Tier], as_of: date) -> Mine:
    """The person's consent, ledger and what it unlocks. Reading the ledger reads their own
    matters, and is logged as their own view."""
    key = person_key(caller)
    consent = consent_of(session, key)
    by_grade = {g.code: unlocks(measures, g.code) for g in model.grades}
    person = persons.get(session, key)
    minor = person is not None and is_minor(person.birth_date, as_of)
    if consent is None or minor:
        return Mine(consent, minor, None, (), by_grade)
    rows = checks_repo.matters(session, [key]).get(key, [])
    book = ledger(model, catalog, rows, as_of, tiers)
    log_reads(session, caller, "own_view", [Read(key, "ok")], purpose="本人查询（诚信积分）")
    return Mine(consent, minor, book, by_grade[book.grade.code], by_grade)

