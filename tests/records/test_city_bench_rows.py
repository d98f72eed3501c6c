"""The city benchmark's generator (bench.city_data) writes what the collection path itself stores.

The benchmark bulk-loads millions of rows by COPY instead of going through the collection path, so
its figures are only worth something if the rows are the platform's own: the same raw rows, once
through the generator's `Writer` and once through `records.service.Collector`, must give the same
record and matter columns (bar ids, batch and times, and the generator's random ends and disputes).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bench.city_data import MATTER_COLUMNS, Writer, raw_row
from bench.data import citizen_ids
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.catalog.rules import Catalog
from chengxin.clock import today, utcnow
from chengxin.crypto import Keys
from chengxin.lists.rules import default_terms
from chengxin.matters.models import Matter
from chengxin.records import service
from chengxin.records.models import Record
from chengxin.records.repository import RECORD_COLUMNS
from chengxin.records.rules import RowContext, canonical_json

SKIP_RECORD = {"id", "batch_id", "recorded_at", "matter_id"}
SKIP_MATTER = {"id", "record_id", "created_at", "updated_at", "ended_on", "end_reason", "end_note", "disputed_at"}
# A list-bearing court item, a black list with a listing notice, a red list, plain negatives and a positive.
ITEMS = ("SFCP-01", "XZCF-04", "BZJL-02", "XZCF-01", "XZCF-02", "SFCP-02", "XZJL-01", "JYYW-01")


def _value(v: object) -> object:
    """A stored value as the generator holds it (JSON text as text, times without microseconds' noise)."""
    return v.astimezone(UTC) if isinstance(v, datetime) else v


def test_generated_rows_are_what_collection_stores(session: Session, catalog: Catalog, keys: Keys) -> None:
    rng, names = random.Random(7), random.Random(8)
    day = today()
    hasher = keys.hasher()
    numbers = citizen_ids(3, 11)
    by_dept: dict[str, list[tuple[int, dict[str, object]]]] = {}
    for n, code in enumerate(ITEMS * 3):
        dept, raw = raw_row(rng, names, catalog, catalog.items[code], day, f"0{n:010d}", numbers[n % 3], None)
        by_dept.setdefault(dept, []).append((n, raw))
    writer = Writer(catalog, default_terms(), day, utcnow(), 1, hasher)
    for dept, raws in by_dept.items():
        records, matters, listed = writer.rows(dept, raws)
        assert len(records) == len(raws) and len(listed) == len(raws)
        collector = service.Collector(session, catalog, keys, service.open_batch(session, dept, "api"),
                                      RowContext(catalog, dept, day, hasher))
        result = collector.add_chunk(raws)
        assert result.created == len(raws) and not result.rejected
        for row in records:
            generated = dict(zip(RECORD_COLUMNS, row, strict=True))
            stored = session.scalars(select(Record).where(
                Record.department_code == dept, Record.source_record_id == generated["source_record_id"])).one()
            for column in set(RECORD_COLUMNS) - SKIP_RECORD:
                want = generated[column]
                got = getattr(stored, column)
                if column == "data":  # stored as the canonical JSON the generator copies in
                    got = canonical_json(got)
                assert _value(got) == _value(want), (column, got, want)
        for row in matters:
            generated = dict(zip(MATTER_COLUMNS, row, strict=True))
            stored_m = session.scalars(select(Matter).where(
                Matter.department_code == dept, Matter.source_record_id == generated["source_record_id"])).one()
            for column in set(MATTER_COLUMNS) - SKIP_MATTER:
                assert getattr(stored_m, column) == generated[column], (column, getattr(stored_m, column),
                                                                         generated[column])
