"""The data set of the check figures: many persons, a few of them on lists, some organisations.

Building 1,000,000 persons through the collection path would take most of the run, so the
rows are bulk-inserted, but with the column values the platform itself produces:

- persons: synthetic checksum-valid citizen IDs (`bench.data.citizen_ids`, `chengxin.demo.synth`)
  parsed by `parse_citizen_id`, keyed by `Keys.subject_key` and encrypted by `Keys.encrypt`
  through `chengxin.persons.service.new_person_values`;
- records: raw rows with the demo generator's field values, validated by the real
  `records.rules.validate_rows` (so item, severity, data and content hash are what the platform
  would store), laid out as `records.service.Collector` lays them out;
- matters: one per record, as `matters.service.follow_records` makes them (for a record whose
  catalog item declares a list: the list, basis, reference and planned end from the list terms);
  plus directly listed matters as `lists.service.add_direct` makes them; a few ended (revoked,
  repaired), a few disputed;
- organisations with a legal representative (and some a main responsible person), so a listed
  organisation reaches persons (R10).

Persons and records go in with COPY (PostgreSQL) or `executemany` (SQLite) on the session's
driver connection, in the forms SQLAlchemy stores (`_bulk_insert`); organisations, roles and
matters with SQLAlchemy Core `insert`. Watch events (made when a matter is listed) are not
written: checks never read them.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, text
from sqlalchemy.orm import Session

from bench.common import Database, fresh_database, log
from bench.data import citizen_ids
from chengxin import ids
from chengxin.catalog.domain import record_domain, roster_occupation
from chengxin.catalog.rules import Catalog, CatalogItem, default_catalog
from chengxin.clock import utcnow
from chengxin.crypto import Keys
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.demo import synth
from chengxin.demo.generate import LISTING_NOTICE
from chengxin.demo.generate import _value as field_value
from chengxin.identity.rules import Identifier, parse_citizen_id
from chengxin.lists.rules import Terms, default_terms
from chengxin.matters.models import Matter
from chengxin.matters.service import _reference as entry_reference
from chengxin.organisations.models import Organisation, OrganisationRole
from chengxin.persons.models import Person
from chengxin.persons.service import new_person_values
from chengxin.records import repository as repo
from chengxin.records.models import Batch, Record
from chengxin.records.rules import RowContext, ValidRow, validate_rows

PERSON_CHUNK = 20_000
RECORD_COLUMNS = repo.RECORD_COLUMNS  # the columns the collection path writes
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# Person list entries from records, by item (list type follows the item): mostly court lists.
PERSON_LIST_ITEMS = (("SFCP-01", 50), ("YZSX-02", 4), ("YZSX-04", 3), ("YZSX-01", 3),
                     ("XZCF-04", 15), ("ZSFG-03", 5), ("ZSFG-04", 5),
                     ("BZJL-02", 7), ("ZYFW-02", 5), ("JYYW-01", 3))
ORG_LIST_ITEMS = (("YZSX-02", 40), ("YZSX-01", 25), ("YZSX-03", 10), ("ZSFG-03", 15), ("XYPJ-01", 10))
# Negative records that put nobody on a list.
PLAIN_NEGATIVE_ITEMS = (("XZCF-01", 45), ("XZCF-02", 25), ("SFCP-02", 10), ("SFCP-03", 5),
                        ("QTXZ-01", 5), ("GYJF-01", 5), ("XZCF-03", 5))
POSITIVE_ITEMS = (("XZJL-01", 50), ("BZJL-01", 50))
DIRECT_DEPARTMENTS = ("human_resources", "market_regulation", "tax", "housing")
SHARES = {"org_entries": 0.10, "direct_entries": 0.20}  # of all entries; the rest from person records
NEGATIVE_PERSONS = 0.10  # persons with at least one negative record
POSITIVE_PERSONS = 0.03
EXITED, DISPUTED, REVOKED = 0.05, 0.01, 0.02


@dataclass
class CheckData:
    """What the benchmark needs to know about the data set it built."""

    numbers: list[str]  # citizen ID of every person, in insertion order
    listed: dict[str, list[int]] = field(default_factory=dict)  # list type -> person indexes
    via_org: list[int] = field(default_factory=list)  # representatives of listed organisations
    counts: Counter[str] = field(default_factory=Counter)


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...], k: int) -> list[str]:
    return rng.choices([c for c, _ in table], weights=[w for _, w in table], k=k)


class Plan:
    """The synthetic population, decided once and inserted into each database the same way."""

    def __init__(self, persons: int, entries: int, seed: int, today: date, keys: Keys) -> None:
        self.today = today
        self.keys = keys
        self.seed = seed
        self.catalog: Catalog = default_catalog()
        rng = random.Random(seed + 7)
        t0 = utcnow()
        self.numbers = citizen_ids(persons, seed)
        log(f"check data: {persons:,} synthetic citizen IDs in {(utcnow() - t0).total_seconds():.1f}s")
        self.data = CheckData(self.numbers)
        n_org_entries = int(entries * SHARES["org_entries"])
        n_direct = int(entries * SHARES["direct_entries"])
        n_person_records = entries - n_org_entries - n_direct
        self.org_count = max(1, n_org_entries * 2)  # half of the organisations are listed
        everyone = list(range(persons))
        rng.shuffle(everyone)
        # Persons with a list-bearing record come first, then persons with plain negatives.
        list_items = _weighted(rng, PERSON_LIST_ITEMS, n_person_records)
        negatives = max(int(persons * NEGATIVE_PERSONS), sum(
            1 for c in list_items if self.catalog.items[c].nature == "negative"))
        self.person_rows: list[tuple[int, str]] = []  # (person index, item code)
        pos = 0
        red_pool = everyone[negatives:]
        red_at = 0
        for code in list_items:
            if self.catalog.items[code].nature == "negative":
                self.person_rows.append((everyone[pos], code))
                pos += 1
            else:  # red lists go to persons without negatives
                self.person_rows.append((red_pool[red_at % len(red_pool)], code))
                red_at += 1
        for who, code in zip(everyone[pos:negatives], _weighted(rng, PLAIN_NEGATIVE_ITEMS, negatives - pos),
                             strict=True):
            self.person_rows.append((who, code))
        positives = int(persons * POSITIVE_PERSONS)
        for who, code in zip(rng.sample(red_pool, min(positives, len(red_pool))),
                             _weighted(rng, POSITIVE_ITEMS, positives), strict=False):
            self.person_rows.append((who, code))
        self.org_rows = _weighted(rng, ORG_LIST_ITEMS, n_org_entries)  # org n gets item n
        self.direct = [(rng.randrange(persons), rng.choices(("black", "watch", "red"), (5, 4, 1))[0])
                       for _ in range(n_direct)]
        # Organisations: a legal representative each, a tenth also a main responsible person.
        self.org_people = [[("legal_representative", rng.randrange(persons))]
                           + ([("main_responsible", rng.randrange(persons))] if rng.random() < 0.1 else [])
                           for _ in range(self.org_count)]
        self.rng_state = rng.getstate()

    # --- rows -----------------------------------------------------------------------------

    def person_chunks(self, now: datetime):
        """Column values of the persons, chunk by chunk, as the collection path makes them."""
        rng = random.Random(self.seed + 11)
        hasher = self.keys.hasher()
        for start in range(0, len(self.numbers), PERSON_CHUNK):
            rows = []
            for number in self.numbers[start : start + PERSON_CHUNK]:
                ident: Identifier = parse_citizen_id(number)
                name = synth.person_name(rng, ident.sex or "male")
                rows.append(new_person_values(self.keys, hasher("citizen_id", number), ident, name, now))
            yield rows

    def _decided(self, rng: random.Random, number: str | None) -> date:
        earliest = self.today - timedelta(days=4 * 365)
        if number is not None:
            born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            earliest = max(earliest, born + timedelta(days=int(18 * 365.25) + 2))
        return earliest + timedelta(days=rng.randrange(max((self.today - earliest).days, 1)))

    def raw_rows(self) -> dict[str, list[tuple[int, dict[str, Any], int | None, int | None]]]:
        """Raw submitted rows per department: (row, fields, person index, organisation index)."""
        rng = random.Random(self.seed + 13)
        names = random.Random(self.seed + 11)
        out: dict[str, list[tuple[int, dict[str, Any], int | None, int | None]]] = {}
        serial = 0

        def add(item: CatalogItem, who: int | None, org: int | None) -> None:
            nonlocal serial
            serial += 1
            dept = rng.choice(item.source_departments)
            number = self.numbers[who] if who is not None else None
            decided = self._decided(rng, number)
            raw: dict[str, Any] = {"item_code": item.code, "source_record_id":
                                   f"BENCH-{dept.upper()}-{decided.year}-{serial:09d}",
                                   "decision_date": decided.isoformat()}
            if number is not None:
                raw |= {"id_type": "citizen_id", "id_number": number,
                        "name": synth.person_name(names, "male" if int(number[16]) % 2 else "female")}
            else:
                raw |= {"uscc": self.usccs[org], "org_name": self.org_names[org]}
            for spec in item.fields:
                if spec.required or spec.name in LISTING_NOTICE or rng.random() < 0.6:
                    raw[spec.name] = field_value(rng, spec, decided, self.catalog.departments[dept], serial)
            out.setdefault(dept, []).append((serial, raw, who, org))

        for who, code in self.person_rows:
            add(self.catalog.items[code], who, None)
        for org, code in enumerate(self.org_rows):
            add(self.catalog.items[code], None, org)
        return out

    def organisations(self) -> None:
        rng = random.Random(self.seed + 17)
        pool = synth.counties(rng)
        seen: set[str] = set()
        self.usccs: list[str] = []
        self.org_names: list[str] = []
        while len(self.usccs) < self.org_count:
            code = synth.uscc(rng, rng.choice(pool))
            if code in seen:
                continue
            seen.add(code)
            self.usccs.append(code)
            self.org_names.append(synth.org_name(rng, ""))


def build(kind: str, plan: Plan, out, name: str | None = None,
          db: Database | None = None) -> tuple[Database, CheckData]:
    """A fresh migrated database of `kind` filled with the plan's population (`name`: another
    database than the check figures' own, for a benchmark that may run beside them; `db`: fill this
    migrated database instead of a fresh one)."""
    db = db or fresh_database(kind, name or ("chengxin_bench_check" if kind == "postgres" else "checks"), out)
    engine = make_engine(db.url)
    factory = make_sessionmaker(engine)
    catalog, keys, today = plan.catalog, plan.keys, plan.today
    terms = default_terms()
    data = CheckData(plan.numbers)
    now = utcnow()
    t0 = utcnow()
    if not hasattr(plan, "usccs"):
        plan.organisations()
    hasher = keys.hasher()
    # Persons: one transaction per chunk, as an import commits per chunk.
    for rows in plan.person_chunks(now):
        with unit_of_work(factory) as session:
            _bulk_insert(session, Person.__table__, rows)
    data.counts["persons"] = len(plan.numbers)
    log(f"check data [{kind}]: {len(plan.numbers):,} persons in {(utcnow() - t0).total_seconds():.1f}s")
    t1 = utcnow()
    raw = plan.raw_rows()
    with unit_of_work(factory) as session:
        session.execute(Organisation.__table__.insert(), [
            {"uscc": u, "subject_key": hasher("uscc", u), "name": n, "created_at": now, "updated_at": now}
            for u, n in zip(plan.usccs, plan.org_names, strict=True)])
        session.execute(OrganisationRole.__table__.insert(), [
            {"person_key": hasher("citizen_id", plan.numbers[who]), "uscc": plan.usccs[org], "role": role,
             "since": today - timedelta(days=(org * 37) % 3650), "until": None,
             "department_code": "market_regulation", "recorded_at": now}
            for org, people in enumerate(plan.org_people) for role, who in dict(people).items()])
    data.counts["organisations"] = plan.org_count
    rng = random.Random(plan.seed + 19)
    matters: list[dict[str, Any]] = []
    listed_orgs: set[int] = set()
    for dept, dept_rows in raw.items():
        ctx = RowContext(catalog, dept, today, hasher)
        checked = validate_rows(ctx, [(n, r) for n, r, _, _ in dept_rows])
        if checked.rejected:
            first = next(i for i in checked.issues if i.level == "error")
            raise SystemExit(f"synthetic {dept} rows failed validation: {first.code} {first.message}")
        by_row = {n: (who, org) for n, _, who, org in dept_rows}
        batch_id = ids.new_id()
        rids = ids.new_ids(len(checked.valid))
        records = []
        for row, rid in zip(checked.valid, rids, strict=True):
            revoked = row.item.list_type is None and rng.random() < REVOKED
            records.append((row.subject_key, rid, row.subject_kind, dept, row.source_record_id, 1,
                            row.item.code, catalog.version, row.item.nature, row.severity,
                            row.severity_reason, row.decision_date, _JSON.encode(row.data),
                            row.content_hash, batch_id, now, None, rid,
                            record_domain(catalog, row.item, dept, row.data)))
            matter = _matter_from_record(row, rid, dept, terms, now)
            matter |= {"domain": records[-1][-1], "occupation": roster_occupation(catalog, row.item, row.data)}
            if revoked:
                matter |= {"ended_on": today, "end_reason": "revoked", "end_note": "执行依据被撤销"}
            matters.append(matter)
            data.counts["records"] += 1
            data.counts["revoked records"] += revoked
            if row.item.list_type:
                who, org = by_row[row.row]
                if who is not None:
                    data.listed.setdefault(row.item.list_type, []).append(who)
                elif org is not None and row.item.list_type != "red":
                    listed_orgs.add(org)
        with unit_of_work(factory) as session:
            session.add(Batch(id=batch_id, department_code=dept, channel="api", filename="bench",
                              status="done", received_at=now, finished_at=now, total=len(records),
                              created=len(records), new_versions=0, unchanged=0, rejected=0, warnings=0))
            session.flush()
            _bulk_insert(session, Record.__table__, [dict(zip(RECORD_COLUMNS, r, strict=True)) for r in records])
    for who, list_type in plan.direct:
        start = today - timedelta(days=rng.randrange(3 * 365))
        matters.append({
            "subject_key": hasher("citizen_id", plan.numbers[who]), "id": ids.new_id(), "subject_kind": "person",
            "origin": "direct", "department_code": rng.choice(DIRECT_DEPARTMENTS),
            "source_record_id": None, "record_id": None, "item_code": None,
            "nature": "positive" if list_type == "red" else "negative",
            "severity": None if list_type == "red" else rng.choice(("general", "serious")),
            "start_date": start, "list_type": list_type, "planned_end": terms.planned_end(list_type, None, start),
            "basis": "《保障农民工工资支付条例》第四十八条", "reference": f"直接列入〔{start.year}〕{who}号",
            "ended_on": None, "end_reason": None, "end_note": None, "disputed_at": None,
            "domain": None, "occupation": None, "created_at": now, "updated_at": now})
        data.listed.setdefault(list_type, []).append(who)
    entries = [m for m in matters if m["list_type"] is not None]
    for e in entries:
        if rng.random() < EXITED and e["start_date"] < today:
            e["ended_on"] = e["start_date"] + timedelta(days=rng.randrange((today - e["start_date"]).days) + 1)
            e["end_reason"], e["end_note"] = "repaired", "信用修复完成"
        elif rng.random() < DISPUTED:
            e["disputed_at"] = now
    with unit_of_work(factory) as session:
        for i in range(0, len(matters), 10_000):
            session.execute(Matter.__table__.insert(), matters[i : i + 10_000])
    data.counts["list entries"] = len(entries)
    data.counts.update(f"{e['list_type']} entries" for e in entries)
    data.counts["exited entries"] = sum(1 for e in entries if e["ended_on"] is not None)
    for org in sorted(listed_orgs):
        data.via_org.extend(who for _, who in plan.org_people[org])
    with engine.connect() as conn:
        if kind == "postgres":
            conn.execute(text("ANALYZE"))  # a live database is analysed; a fresh bulk load is not yet
        conn.commit()
    engine.dispose()
    log(f"check data [{kind}]: {data.counts['records']:,} records, {len(entries):,} list entries, "
        f"{plan.org_count:,} organisations in {(utcnow() - t1).total_seconds():.1f}s; "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(data.counts.items())))
    return db, data


def _matter_from_record(row: ValidRow, rid: str, dept: str, terms: Terms, now: datetime) -> dict[str, Any]:
    """The matter `matters.service.follow_records` makes for a record's first version (its id is
    the record's): with its list, basis, reference and planned end when its item declares a list."""
    list_type = row.item.list_type
    data = row.data if (list_type or terms.reads_end(row.item)) else {}
    return {
        "subject_key": row.subject_key, "id": rid, "subject_kind": row.subject_kind, "origin": "record",
        "department_code": dept, "source_record_id": row.source_record_id, "record_id": rid,
        "item_code": row.item.code, "nature": row.item.nature, "severity": row.severity,
        "start_date": row.decision_date, "list_type": list_type,
        "planned_end": terms.planned_end(list_type, row.item.code, row.decision_date, data),
        "basis": (terms.item_basis.get(row.item.code) or row.item.legal_basis) if list_type else None,
        "reference": entry_reference(data) if list_type else None,
        "ended_on": None, "end_reason": None, "end_note": None, "disputed_at": None,
        "created_at": now, "updated_at": now}


def _bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Rows (column -> Python value) into `table` on the session's driver connection: COPY on
    PostgreSQL; on SQLite `executemany`, with dates and UTC times as the text SQLAlchemy stores."""
    if not rows:
        return
    columns = list(rows[0])
    conn = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        with conn.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return

    def sqlite(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
        return value

    conn.executemany(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                     ([sqlite(row[c]) for c in columns] for row in rows))
