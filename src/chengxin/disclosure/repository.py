"""All SQL of public disclosure: candidates narrowed in the database, the rules finish in Python.

Persons and organisations are both subjects of the public pages. A person's matter shows only while
the person is an adult and was one when it was decided (R7); that is in the query too, so that a
page's total is the number of rows the rules let through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, and_, func, literal, or_, select, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from chengxin.masking import ADULT_MONTHS
from chengxin.matters.models import Matter
from chengxin.organisations.models import Organisation
from chengxin.persons.models import Person
from chengxin.records.models import Record

_person, _org = aliased(Person), aliased(Organisation)  # in subqueries, apart from the joined subject
_LIVE_RECORD = and_(Record.subject_key == Matter.subject_key, Record.id == Matter.record_id)
ADULT_YEARS = ADULT_MONTHS // 12
COUNT_CAP = 10_000  # a total above this reads "more than 10,000" (counting every row costs too much)


class adult_on(FunctionElement[date]):
    """The day a person born on the argument comes of age (18 years on). On SQLite a 29 February
    birthday comes of age on 1 March, a day later than the Python rules say: the query hides at
    most a day longer, so no row it lets through is taken away afterwards."""

    type = Date()
    inherit_cache = True


@compiles(adult_on)
def _adult_on_default(element: adult_on, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} + INTERVAL '{ADULT_YEARS} years' AS DATE)"


@compiles(adult_on, "sqlite")
def _adult_on_sqlite(element: adult_on, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, '+{ADULT_YEARS} years')"


@dataclass(frozen=True, slots=True)
class Who:
    """Whom a search names: a person by full name or by the keyed hash of an ID number, an
    organisation by its code or a word of its name. Empty: everyone."""

    person_name: str | None = None
    person_keys: tuple[str, ...] = ()
    org_words: str | None = None
    uscc: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.person_name or self.person_keys or self.org_words or self.uscc)


def _like(words: str) -> str:
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _subjects(stmt: Any, *, kind: str | None, who: Who, adult_born_by: date) -> Any:
    """Join the subject (a person or an organisation) and keep the ones the public may see."""
    stmt = (stmt.outerjoin(Person, and_(Matter.subject_kind == "person", Person.person_key == Matter.subject_key))
            .outerjoin(Organisation, and_(Matter.subject_kind == "organisation",
                                          Organisation.subject_key == Matter.subject_key)))
    person = and_(Person.person_key.is_not(None), Person.birth_date <= adult_born_by,
                  Matter.start_date >= adult_on(Person.birth_date))
    organisation = Organisation.uscc.is_not(None)
    shown: list[ColumnElement[bool]] = []
    if kind in (None, "person"):
        shown.append(person)
    if kind in (None, "organisation"):
        shown.append(organisation)
    stmt = stmt.where(or_(*shown))
    if kind is not None:  # implied by the join above; said on the matter, it is read from the lists' index
        stmt = stmt.where(Matter.subject_kind == kind)
    if who.empty:
        return stmt
    # Whom the words name, as subject keys found through their own indexes (a person by full name or ID
    # number, an organisation by code or name word), in one list: the matters are then read by subject
    # through their primary key, not all scanned.
    named: list[Any] = []
    if who.person_name:
        named.append(select(_person.person_key).where(_person.name == who.person_name))
    if who.person_keys:
        named.append(select(_person.person_key).where(_person.person_key.in_(who.person_keys)))
    if who.uscc:
        named.append(select(_org.subject_key).where(_org.uscc == who.uscc))
    if who.org_words:
        named.append(select(_org.subject_key).where(_org.name.like(_like(who.org_words), escape="\\")))
    return stmt.where(Matter.subject_key.in_(named[0] if len(named) == 1 else union_all(*named)))


def _standing(as_of: date) -> Any:
    """Not ended by `as_of` (revoked, repaired, deleted) and begun."""
    return and_(or_(Matter.ended_on.is_(None), Matter.ended_on > as_of), Matter.start_date <= as_of)


def _columns() -> tuple[Any, ...]:
    return (Matter, Record, Person.name, Person.birth_date, Person.id_cipher, Organisation.name, Organisation.uscc)


def _in_period(negative_cutoffs: dict[str, date], as_of: date) -> Any:
    black = and_(func.coalesce(Matter.list_type, "") == "black", Matter.planned_end.is_not(None))
    listed = and_(black, Matter.planned_end >= as_of)
    own_end = and_(Matter.list_type.is_(None), Matter.planned_end.is_not(None))
    by_tier = and_(~black, or_(~own_end, Matter.planned_end >= as_of),
                   or_(literal(False), *[and_(Matter.severity == s, Matter.start_date >= d)
                                         for s, d in negative_cutoffs.items()]))
    return or_(Matter.nature != "negative", listed, by_tier)


def _records_where(stmt: Any, *, items: Sequence[str], negative_cutoffs: dict[str, date], as_of: date,
                   department: str | None) -> Any:
    stmt = stmt.where(Matter.item_code.in_(list(items)), _standing(as_of), _in_period(negative_cutoffs, as_of))
    if department:
        stmt = stmt.where(Matter.department_code == department)
    return stmt


def records(session: Session, *, items: Sequence[str], negative_cutoffs: dict[str, date], adult_born_by: date,
            as_of: date, who: Who, kind: str | None = None, department: str | None = None, limit: int,
            offset: int) -> list[Any]:
    """(matter, live record or None, person name, birth date, ID cipher, organisation name, code) of
    matters of public items that may be in publicity on `as_of`, newest first (`matters.rules` decides
    exactly): a matter on the black list while it is listed; another negative one within its tier's
    longest period and any end of its own."""
    stmt = _subjects(select(*_columns()).select_from(Matter), kind=kind, who=who, adult_born_by=adult_born_by)
    stmt = _records_where(stmt.outerjoin(Record, _LIVE_RECORD), items=items, negative_cutoffs=negative_cutoffs,
                          as_of=as_of, department=department)
    return list(session.execute(stmt.order_by(Matter.start_date.desc(), Matter.id.desc()).limit(limit).offset(offset)))


def count_records(session: Session, *, items: Sequence[str], negative_cutoffs: dict[str, date], adult_born_by: date,
                  as_of: date, who: Who, kind: str | None = None, department: str | None = None) -> int:
    """How many `records` would list, up to COUNT_CAP + 1."""
    stmt = _subjects(select(Matter.id).select_from(Matter), kind=kind, who=who, adult_born_by=adult_born_by)
    stmt = _records_where(stmt, items=items, negative_cutoffs=negative_cutoffs, as_of=as_of, department=department)
    return session.scalar(select(func.count()).select_from(stmt.limit(COUNT_CAP + 1).subquery())) or 0


def record(session: Session, matter_or_record_id: str) -> Any:
    """One matter by its id, or by the id of any version of its record."""
    stmt = (select(*_columns()).select_from(Matter)
            .outerjoin(Person, and_(Matter.subject_kind == "person", Person.person_key == Matter.subject_key))
            .outerjoin(Organisation, and_(Matter.subject_kind == "organisation",
                                          Organisation.subject_key == Matter.subject_key))
            .outerjoin(Record, _LIVE_RECORD))
    found = session.execute(stmt.where(Matter.id == matter_or_record_id)).first()
    if found is None:
        version = session.execute(select(Record.subject_key, Record.matter_id)
                                  .where(Record.id == matter_or_record_id)).first()
        if version is not None:
            found = session.execute(stmt.where(Matter.subject_key == version[0], Matter.id == version[1])).first()
    return found


def _listed(stmt: Any, *, as_of: date, department: str | None) -> Any:
    stmt = stmt.where(_standing(as_of), or_(Matter.planned_end.is_(None), Matter.planned_end >= as_of))
    if department:
        stmt = stmt.where(Matter.department_code == department)
    return stmt


def entries(session: Session, *, list_types: Sequence[str], adult_born_by: date, as_of: date, who: Who,
            kind: str | None = None, department: str | None = None, limit: int, offset: int) -> list[Any]:
    """(matter, live record or None, person name, birth date, ID cipher, organisation name, code) of
    subjects listed on `as_of`, newest first."""
    stmt = _subjects(select(*_columns()).select_from(Matter), kind=kind, who=who, adult_born_by=adult_born_by)
    stmt = _listed(stmt.outerjoin(Record, _LIVE_RECORD).where(Matter.list_type.in_(list(list_types))),
                   as_of=as_of, department=department)
    return list(session.execute(stmt.order_by(Matter.start_date.desc(), Matter.id.desc()).limit(limit).offset(offset)))


def entry_counts(session: Session, *, list_types: Sequence[str], adult_born_by: date, as_of: date, who: Who,
                 kind: str | None = None, department: str | None = None) -> dict[str, int]:
    """How many subjects each list holds on `as_of` (the same filters as `entries`), each up to
    COUNT_CAP + 1: a count stops there, so a page with the whole list costs what a page of 10,000 does."""
    counts = {}
    for list_type in list_types:
        stmt = _subjects(select(Matter.id).select_from(Matter), kind=kind, who=who, adult_born_by=adult_born_by)
        stmt = _listed(stmt.where(Matter.list_type == list_type), as_of=as_of, department=department)
        counts[list_type] = session.scalar(select(func.count()).select_from(stmt.limit(COUNT_CAP + 1).subquery())) or 0
    return counts
