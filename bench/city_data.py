"""A city-sized PostgreSQL database at raw speed: millions of persons and records, as the platform stores them.

The generator of `bench.city`. Like `bench.check_data` (whose item tables and shares it reuses) it
bulk-loads with COPY on raw psycopg connections, but every column holds what the platform itself
would store:

- persons: checksum-valid synthetic citizen IDs over real county codes, parsed by
  `parse_citizen_id`, keyed by `Keys.subject_key` and encrypted by `Keys.encrypt` through
  `persons.service.new_person_values`;
- records: raw rows with the demo generator's field values, validated by the real
  `records.rules.validate_rows` (item, severity, canonical data JSON and content hash as the platform
  computes them), laid out as `records.service.Collector` stores them (with the derived domain);
  each person's records are spread at random (on average records / persons each);
- matters: one per record as `matters.service.follow_records` makes them, so list entries follow
  the records whose catalog item declares a list (70 % of the entries); 20 % direct entries as
  `lists.service.add_direct` makes them; 10 % on organisations with a legal representative
  (`bench.check_data`'s shares); 5 % of the entries exited, 1 % disputed, 2 % of the other
  record matters revoked.

The persons are split between worker processes (one per core): each generates its own persons
(disjoint citizen-ID sequence numbers, so no two workers make the same number) and all their
records and matters, and COPYs them on its own connection. The secondary indexes and the
constraints of persons, records and matters are dropped before the load and made again after it
(two connections at a time, a large `maintenance_work_mem` for the session), then the database is
`ANALYZE`d. Watch events are not written (checks never read them).
"""

from __future__ import annotations

import base64
import json
import multiprocessing
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from bench.check_data import (
    DIRECT_DEPARTMENTS,
    DISPUTED,
    EXITED,
    ORG_LIST_ITEMS,
    PERSON_LIST_ITEMS,
    PLAIN_NEGATIVE_ITEMS,
    POSITIVE_ITEMS,
    REVOKED,
    SHARES,
    CheckData,
    _matter_from_record,
)
from bench.common import Database, fresh_database, log
from chengxin import ids
from chengxin.catalog.domain import needs_data, record_domain, roster_occupation
from chengxin.catalog.rules import Catalog, CatalogItem, default_catalog
from chengxin.clock import today as clock_today
from chengxin.clock import utcnow
from chengxin.crypto import Keys
from chengxin.demo import synth
from chengxin.demo.generate import LISTING_NOTICE
from chengxin.demo.generate import _value as field_value
from chengxin.identity.rules import known_region_codes, parse_citizen_id
from chengxin.lists.rules import Terms, default_terms
from chengxin.matters.models import Matter
from chengxin.organisations.models import Organisation, OrganisationRole
from chengxin.persons.models import Person
from chengxin.persons.service import new_person_values
from chengxin.records.models import Batch
from chengxin.records.repository import RECORD_COLUMNS
from chengxin.records.rules import RowContext, validate_rows

BIG_TABLES = ("persons", "records", "matters")
CHUNK = 10_000  # records validated and copied together
PERSON_COLUMNS = tuple(c.name for c in Person.__table__.columns)
MATTER_COLUMNS = tuple(c.name for c in Matter.__table__.columns)
POSITIVE_SHARE = 0.15  # of the records that put nobody on a list
MAINTENANCE_WORK_MEM = "1GB"  # per index-building session (the server's own setting is untouched)


@dataclass(frozen=True)
class Scale:
    persons: int
    records: int
    entries: int
    sample: int  # persons whose numbers the benchmark keeps (for the check requests and the batch)

    def label(self) -> str:
        return f"{self.persons:,} persons, {self.records:,} records, {self.entries:,} list entries"


@dataclass
class Built:
    """A generated database and what the benchmark needs to know about it."""

    db: Database
    keys: Keys
    scale: Scale
    data: CheckData  # numbers of a sample of persons (every listed one among them), by list
    seconds: dict[str, float] = field(default_factory=dict)  # build phases
    counts: dict[str, int] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        """What a later run needs to measure this database again without building it (`--reuse`)."""
        path.write_text(json.dumps({
            "url": self.db.url, "hash_secret": base64.b64encode(self.keys.hash_secret).decode(),
            "encryption_key": base64.b64encode(self.keys.encryption_key).decode(),
            "scale": [self.scale.persons, self.scale.records, self.scale.entries, self.scale.sample],
            "numbers": self.data.numbers, "listed": self.data.listed, "via_org": self.data.via_org,
            "seconds": self.seconds, "counts": self.counts}, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Built:
        raw = json.loads(path.read_text(encoding="utf-8"))
        data = CheckData(raw["numbers"], {k: list(v) for k, v in raw["listed"].items()}, list(raw["via_org"]))
        return cls(Database("postgres", raw["url"]),
                   Keys(base64.b64decode(raw["hash_secret"]), base64.b64decode(raw["encryption_key"])),
                   Scale(*raw["scale"]), data, raw["seconds"], raw["counts"])


# --- worker: one slice of the persons, with all their records and matters ---------------------------


@dataclass(frozen=True)
class Slice:
    dsn: str
    worker: int
    workers: int
    persons: int
    records: int
    list_records: int  # of `records`: items that declare a list
    direct: int  # direct list entries on this slice's persons
    sample: int
    seed: int
    today: date
    hash_secret: bytes
    encryption_key: bytes


def _weighted(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in table], weights=[w for _, w in table])[0]


def _numbers(rng: random.Random, count: int, worker: int, workers: int, seed: int) -> list[str]:
    """`count` distinct citizen IDs whose sequence number is `worker` modulo `workers` (so slices
    never share one), over the same real counties and birth years as `bench.data.citizen_ids`."""
    pool = sorted(c for c in known_region_codes() if not c.endswith("00") and c[:2] < "71")
    pool = random.Random(seed).sample(pool, min(400, len(pool)))
    start = date(1945, 1, 1)
    span = (date(2006, 12, 31) - start).days
    per = 1000 // workers
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        number = synth.citizen_id(rng.choice(pool), start + timedelta(days=rng.randrange(span)),
                                  rng.randrange(per) * workers + worker)
        if number not in seen:
            seen.add(number)
            out.append(number)
    return out


def _decided(rng: random.Random, today: date, number: str | None) -> date:
    """A decision date in the last four years, when the person was already an adult."""
    earliest = today - timedelta(days=4 * 365)
    if number is not None:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        earliest = max(earliest, born + timedelta(days=int(18 * 365.25) + 2))
    return earliest + timedelta(days=rng.randrange(max((today - earliest).days, 1)))


def raw_row(rng: random.Random, names: random.Random, catalog: Catalog, item: CatalogItem, today: date,
            serial: str, number: str | None, org: tuple[str, str] | None) -> tuple[str, dict[str, Any]]:
    """A department's submitted row for `item` (department, fields), as `bench.check_data` makes it."""
    dept = rng.choice(item.source_departments)
    decided = _decided(rng, today, number)
    raw: dict[str, Any] = {"item_code": item.code, "source_record_id": f"CITY-{dept.upper()}-{decided.year}-{serial}",
                           "decision_date": decided.isoformat()}
    if number is not None:
        raw |= {"id_type": "citizen_id", "id_number": number,
                "name": synth.person_name(names, "male" if int(number[16]) % 2 else "female")}
    else:
        assert org is not None
        raw |= {"uscc": org[0], "org_name": org[1]}
    for spec in item.fields:
        if spec.required or spec.name in LISTING_NOTICE or rng.random() < 0.6:
            raw[spec.name] = field_value(rng, spec, decided, catalog.departments[dept], int(serial[-9:]))
    return dept, raw


class Writer:
    """Turns validated rows into record and matter rows (as the collection path lays them out)."""

    def __init__(self, catalog: Catalog, terms: Terms, today: date, now: datetime, seed: int,
                 hasher: Callable[[str, str], str]) -> None:
        self.catalog, self.terms, self.today, self.now, self.hasher = catalog, terms, today, now, hasher
        self.rng = random.Random(seed)
        self.batches: dict[str, str] = {}  # department -> batch id
        self.per_batch: dict[str, int] = {}
        self.domains: dict[tuple[str, str], str | None] = {}

    def rows(self, dept: str, raws: list[tuple[int, dict[str, Any]]]
             ) -> tuple[list[list[Any]], list[list[Any]], list[tuple[int, str | None]]]:
        """Record rows, matter rows and (row, list type) of each row, validated by `validate_rows`."""
        checked = validate_rows(RowContext(self.catalog, dept, self.today, self.hasher), raws)
        if checked.rejected:
            first = next(i for i in checked.issues if i.level == "error")
            raise SystemExit(f"synthetic {dept} rows failed validation: {first.code} {first.message}")
        batch_id = self.batches.setdefault(dept, ids.new_id())
        self.per_batch[dept] = self.per_batch.get(dept, 0) + len(checked.valid)
        records, matters, listed = [], [], []
        for row, rid in zip(checked.valid, ids.new_ids(len(checked.valid)), strict=True):
            item = row.item
            if needs_data(item):
                domain = record_domain(self.catalog, item, dept, row.data)
            else:
                domain = self.domains.get((item.code, dept), "?")
                if domain == "?":
                    domain = self.domains[(item.code, dept)] = record_domain(self.catalog, item, dept, None)
            records.append([row.subject_key, rid, row.subject_kind, dept, row.source_record_id, 1, item.code,
                            self.catalog.version, item.nature, row.severity, row.severity_reason,
                            row.decision_date, row.data_json, row.content_hash, batch_id, self.now, None, rid,
                            domain])
            matter = _matter_from_record(row, rid, dept, self.terms, self.now)
            matter |= {"domain": domain, "occupation": roster_occupation(self.catalog, item, row.data)}
            if item.list_type is None:
                if self.rng.random() < REVOKED:
                    matter |= {"ended_on": self.today, "end_reason": "revoked", "end_note": "执行依据被撤销"}
            else:
                self.end_or_dispute(matter)
            matters.append([matter[c] for c in MATTER_COLUMNS])
            listed.append((row.row, item.list_type))
        return records, matters, listed

    def end_or_dispute(self, entry: dict[str, Any]) -> None:
        start = entry["start_date"]
        if self.rng.random() < EXITED and start < self.today:
            entry["ended_on"] = start + timedelta(days=self.rng.randrange((self.today - start).days) + 1)
            entry["end_reason"], entry["end_note"] = "repaired", "信用修复完成"
        elif self.rng.random() < DISPUTED:
            entry["disputed_at"] = self.now

    def direct(self, subject_key: str, who: int, list_type: str) -> list[Any]:
        """A direct list entry as `lists.service.add_direct` makes it."""
        rng = self.rng
        start = self.today - timedelta(days=rng.randrange(3 * 365))
        entry = {
            "subject_key": subject_key, "id": ids.new_id(), "subject_kind": "person", "origin": "direct",
            "department_code": rng.choice(DIRECT_DEPARTMENTS), "source_record_id": None, "record_id": None,
            "item_code": None, "nature": "positive" if list_type == "red" else "negative",
            "severity": None if list_type == "red" else rng.choice(("general", "serious")),
            "start_date": start, "list_type": list_type,
            "planned_end": self.terms.planned_end(list_type, None, start),
            "basis": "《保障农民工工资支付条例》第四十八条", "reference": f"直接列入〔{start.year}〕{who}号",
            "ended_on": None, "end_reason": None, "end_note": None, "disputed_at": None,
            "domain": None, "occupation": None, "created_at": self.now, "updated_at": self.now}
        self.end_or_dispute(entry)
        return [entry[c] for c in MATTER_COLUMNS]

    def batch_rows(self) -> list[dict[str, Any]]:
        return [{"id": bid, "department_code": dept, "channel": "api", "filename": "bench-city", "status": "done",
                 "received_at": self.now, "finished_at": self.now, "total": self.per_batch[dept],
                 "created": self.per_batch[dept], "new_versions": 0, "unchanged": 0, "rejected": 0, "warnings": 0}
                for dept, bid in self.batches.items()]


def _copy(conn: psycopg.Connection, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def fill_slice(part: Slice) -> dict[str, Any]:
    """Generate and COPY one slice: its persons, their records and matters, its direct entries.
    Returns the sampled persons' numbers with their lists, the slice's counts and batch rows."""
    t0 = time.monotonic()
    rng = random.Random(f"{part.seed}-{part.worker}")
    keys = Keys(part.hash_secret, part.encryption_key)
    hasher = keys.hasher()
    catalog, terms = default_catalog(), default_terms()
    now = utcnow()
    numbers = _numbers(rng, part.persons, part.worker, part.workers, part.seed)
    pkeys = [hasher("citizen_id", n) for n in numbers]
    names = random.Random(f"{part.seed}-{part.worker}-names")
    counts: dict[str, int] = {}
    with psycopg.connect(part.dsn) as conn:
        rows = []
        for number, key in zip(numbers, pkeys, strict=True):
            ident = parse_citizen_id(number)
            values = new_person_values(keys, key, ident, synth.person_name(names, ident.sex or "male"), now)
            rows.append([values[c] for c in PERSON_COLUMNS])
            if len(rows) == CHUNK * 5:
                _copy(conn, "persons", PERSON_COLUMNS, rows)
                rows = []
        _copy(conn, "persons", PERSON_COLUMNS, rows)
        conn.commit()
        counts["persons"] = part.persons
        t_persons = time.monotonic() - t0
        writer = Writer(catalog, terms, part.today, now, part.seed * 31 + part.worker, hasher)
        listed: dict[int, set[str]] = {}
        chunks = max(1, -(-part.records // CHUNK))
        plain_neg = PLAIN_NEGATIVE_ITEMS
        made = 0
        for c in range(chunks):
            size = min(CHUNK, part.records - made)
            lists_here = (part.list_records * (c + 1)) // chunks - (part.list_records * c) // chunks
            by_dept: dict[str, list[tuple[int, dict[str, Any]]]] = {}
            who_of: dict[int, int] = {}
            for k in range(size):
                serial = made + k
                who = rng.randrange(part.persons)
                if k < lists_here:
                    code = _weighted(rng, PERSON_LIST_ITEMS)
                else:
                    code = _weighted(rng, POSITIVE_ITEMS if rng.random() < POSITIVE_SHARE else plain_neg)
                dept, raw = raw_row(rng, names, catalog, catalog.items[code], part.today,
                                    f"{part.worker}{serial:010d}", numbers[who], None)
                by_dept.setdefault(dept, []).append((serial, raw))
                who_of[serial] = who
            made += size
            record_rows: list[list[Any]] = []
            matter_rows: list[list[Any]] = []
            for dept, raws in by_dept.items():
                recs, mats, kinds = writer.rows(dept, raws)
                record_rows += recs
                matter_rows += mats
                for serial, list_type in kinds:
                    if list_type is not None:
                        listed.setdefault(who_of[serial], set()).add(list_type)
            _copy(conn, "records", RECORD_COLUMNS, record_rows)
            _copy(conn, "matters", MATTER_COLUMNS, matter_rows)
            conn.commit()
        counts["records"] = made
        direct_rows = []
        for _ in range(part.direct):
            who = rng.randrange(part.persons)
            list_type = rng.choices(("black", "watch", "red"), (5, 4, 1))[0]
            direct_rows.append(writer.direct(pkeys[who], who, list_type))
            listed.setdefault(who, set()).add(list_type)
        _copy(conn, "matters", MATTER_COLUMNS, direct_rows)
        conn.commit()
        counts["direct entries"] = part.direct
    sample = set(rng.sample(range(part.persons), min(part.sample, part.persons))) | set(listed)
    return {"sample": [(numbers[i], sorted(listed.get(i, ()))) for i in sorted(sample)],
            "counts": counts, "batches": writer.batch_rows(),
            "seconds": {"persons": t_persons, "all": time.monotonic() - t0}}


# --- the whole database ----------------------------------------------------------------------------


def _split(total: int, parts: int) -> list[int]:
    return [total * (i + 1) // parts - total * i // parts for i in range(parts)]


def drop_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop the constraints and indexes of the big tables; the statements that make them again,
    in order (primary and unique keys, then plain indexes, then foreign keys)."""
    keys, plain, foreign = [], [], []
    big = [f"{t}" for t in BIG_TABLES]
    # Foreign keys from or to the big tables first (one to persons leans on its primary key).
    for table, name, definition in conn.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND (conrelid::regclass::text = ANY(%s) OR confrelid::regclass::text = ANY(%s))",
            (big, big)).fetchall():
        foreign.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for table in BIG_TABLES:
        for name, definition in conn.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('p', 'u')", (table,)).fetchall():
            keys.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, definition in conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = %s",
                (table,)).fetchall():
            # A partitioned table's index reads "ON ONLY records": made that way it would cover no
            # partition (and stay invalid); made on the table it is made on every partition.
            plain.append(definition.replace(" ON ONLY ", " ON ", 1))
            conn.execute(f'DROP INDEX "{name}"')
    conn.commit()
    return keys + plain + foreign


def make_indexes(dsn: str, statements: list[str], workers: int) -> None:
    """Run the statements on `workers` connections at once (keys first: the plain indexes and the
    foreign keys may lean on them)."""
    foreign = [s for s in statements if "FOREIGN KEY" in s]
    rest = [s for s in statements if s not in foreign]

    def run(statement: str) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"SET maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
            t0 = time.monotonic()
            conn.execute(statement)
            log(f"city: {time.monotonic() - t0:6.1f}s {statement[:110]}")

    # The largest first, so that the two connections finish together.
    order = sorted(rest, key=lambda s: (" records " not in f" {s} ", " matters " not in f" {s} "))
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(run, order))
        list(pool.map(run, foreign))


def _organisations(conn: psycopg.Connection, scale: Scale, data: CheckData, writer: Writer, seed: int,
                   today: date, hasher: Any, now: datetime) -> int:
    """Organisations with a legal representative (a tenth also a main responsible person) among the
    sampled persons, half of them listed (records of `ORG_LIST_ITEMS`), so a listed organisation
    reaches persons (R10). Returns the organisations' list entries."""
    rng = random.Random(seed + 17)
    n_entries = int(scale.entries * SHARES["org_entries"])
    count = max(1, n_entries * 2)
    pool = synth.counties(rng)
    usccs: list[str] = []
    seen: set[str] = set()
    while len(usccs) < count:
        code = synth.uscc(rng, rng.choice(pool))
        if code not in seen:
            seen.add(code)
            usccs.append(code)
    org_names = [synth.org_name(rng, "") for _ in usccs]
    people = [[("legal_representative", rng.randrange(len(data.numbers)))]
              + ([("main_responsible", rng.randrange(len(data.numbers)))] if rng.random() < 0.1 else [])
              for _ in range(count)]
    _copy(conn, Organisation.__tablename__, ("uscc", "subject_key", "name", "created_at", "updated_at"),
          [[u, hasher("uscc", u), n, now, now] for u, n in zip(usccs, org_names, strict=True)])
    roles = []
    for org, members in enumerate(people):
        for role, who in dict(members).items():
            roles.append([hasher("citizen_id", data.numbers[who]), usccs[org], role,
                          today - timedelta(days=(org * 37) % 3650), None, "market_regulation", now])
    _copy(conn, OrganisationRole.__tablename__, ("person_key", "uscc", "role", "since", "until", "department_code",
                                       "recorded_at"), roles)
    names = random.Random(seed + 11)
    by_dept: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for org in range(n_entries):
        item = writer.catalog.items[_weighted(rng, ORG_LIST_ITEMS)]
        dept, raw = raw_row(rng, names, writer.catalog, item, today, f"9{org:010d}", None, (usccs[org], org_names[org]))
        by_dept.setdefault(dept, []).append((org, raw))
    listed: set[int] = set()
    for dept, raws in by_dept.items():
        recs, mats, kinds = writer.rows(dept, raws)
        _copy(conn, "records", RECORD_COLUMNS, recs)
        _copy(conn, "matters", MATTER_COLUMNS, mats)
        listed |= {org for org, list_type in kinds if list_type not in (None, "red")}
    for org in sorted(listed):
        data.via_org.extend(who for _, who in people[org])
    return n_entries


def build_city(name: str, scale: Scale, seed: int, keys: Keys, out: Path, workers: int = 2) -> Built:
    """Build database `name` from empty at `scale`; the timings of its phases are in `Built.seconds`."""
    t0 = time.monotonic()
    db = fresh_database("postgres", name, out)
    dsn = db.psycopg_dsn()
    today = clock_today()
    n_direct = int(scale.entries * SHARES["direct_entries"])
    n_org = int(scale.entries * SHARES["org_entries"])
    n_list_records = scale.entries - n_direct - n_org
    with psycopg.connect(dsn) as conn:
        statements = drop_indexes(conn)
    t_setup = time.monotonic() - t0
    parts = [Slice(dsn, w, workers, p, r, lr, d, s, seed, today, keys.hash_secret, keys.encryption_key)
             for w, (p, r, lr, d, s) in enumerate(zip(
                 _split(scale.persons, workers), _split(scale.records - n_org, workers),
                 _split(n_list_records, workers), _split(n_direct, workers), _split(scale.sample, workers),
                 strict=True))]
    log(f"city: {name}: {scale.label()} with {workers} worker processes")
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        results = pool.map(fill_slice, parts)
    t_load = time.monotonic() - t0 - t_setup
    data = CheckData([])
    for result in results:
        for number, lists in result["sample"]:
            for list_type in lists:
                data.listed.setdefault(list_type, []).append(len(data.numbers))
            data.numbers.append(number)
    now = utcnow()
    hasher = keys.hasher()
    writer = Writer(default_catalog(), default_terms(), today, now, seed + 5, hasher)
    with psycopg.connect(dsn) as conn:
        org_entries = _organisations(conn, scale, data, writer, seed, today, hasher, now)
        batches = [b for r in results for b in r["batches"]] + writer.batch_rows()
        columns = tuple(batches[0])
        _copy(conn, Batch.__tablename__, columns, [[b[c] for c in columns] for b in batches])
        conn.commit()
    log(f"city: rows loaded in {t_load:.0f}s (persons of the slowest slice in "
        f"{max(r['seconds']['persons'] for r in results):.0f}s); making {len(statements)} keys and indexes")
    t1 = time.monotonic()
    make_indexes(dsn, statements, workers)
    t_index = time.monotonic() - t1
    t2 = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")  # the visibility map too, so index-only scans work as on a live database
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
                  for t in ("persons", "records", "matters", "organisations")}
        counts["list entries"] = conn.execute(
            "SELECT count(*) FROM matters WHERE list_type IS NOT NULL").fetchone()[0]  # type: ignore[index]
    t_analyse = time.monotonic() - t2
    seconds = {"total": time.monotonic() - t0, "setup": t_setup, "load": t_load, "index": t_index,
               "analyse": t_analyse}
    log(f"city: {name} built in {seconds['total']:.0f}s (load {t_load:.0f}s, keys and indexes {t_index:.0f}s, "
        f"vacuum and analyse {t_analyse:.0f}s): " + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        + f"; organisation entries {org_entries:,}")
    if counts["records"] != scale.records or counts["persons"] != scale.persons:
        raise SystemExit(f"city: unexpected counts {counts}")
    return Built(db, keys, scale, data, seconds, counts)


def sizes_on_disk(db: Database) -> dict[str, int]:
    """Bytes of the records table with its indexes and TOAST, of its heap alone, and of the database
    (a partitioned table counts its partitions)."""

    def tree(fn: str, table: str) -> str:
        return f"coalesce((SELECT sum({fn}(relid)) FROM pg_partition_tree('{table}')), {fn}('{table}'))"

    with psycopg.connect(db.psycopg_dsn()) as conn:
        row = conn.execute(
            f"SELECT {tree('pg_total_relation_size', 'records')}, {tree('pg_relation_size', 'records')}, "
            f"{tree('pg_indexes_size', 'records')}, pg_database_size(current_database()), "
            f"{tree('pg_total_relation_size', 'matters')}, {tree('pg_total_relation_size', 'persons')}, "
            "(SELECT count(*) FROM records)").fetchone()
    assert row is not None
    names = ("records_total", "records_heap", "records_indexes", "database", "matters_total", "persons_total", "rows")
    return {k: int(v) for k, v in zip(names, row, strict=True)}
