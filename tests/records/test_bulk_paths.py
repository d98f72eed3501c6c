"""The collection path's bulk forms: its own COPY text, canonical JSON, person inserts, SQLite tuning."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from chengxin.clock import utcnow
from chengxin.persons.models import Person
from chengxin.persons.service import new_person_values
from chengxin.records import imports, repository, service
from chengxin.records.imports import ImportSpec, run_import
from chengxin.records.models import Record
from chengxin.records.rules import _HASH_JSON, canonical_json
from helpers import cid

HEADERS = ["证件号码", "姓名", "源记录编号", "决定日期", "行政处罚决定书文号", "违法行为类型",
           "违法事实", "处罚类别", "处罚依据", "处罚机关", "罚款金额（万元）", "失信程度", "程度调整理由"]


def write(path: Path, rows: list[dict[str, str]]) -> Path:
    base = {"证件号码": cid(1), "姓名": "李四", "源记录编号": "B-1", "决定日期": "2026-03-01",
            "行政处罚决定书文号": "市监罚〔2026〕1号", "违法行为类型": "超范围经营", "违法事实": "经查属实。",
            "处罚类别": "警告", "处罚依据": "《中华人民共和国行政处罚法》", "处罚机关": "市市场监督管理局",
            "罚款金额（万元）": "", "失信程度": "", "程度调整理由": ""}
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADERS)
        out.writerows([[{**base, **r}[h] for h in HEADERS] for r in rows])
    return path


@pytest.mark.parametrize("value", [
    {"b": "乙", "a": "甲\t\n\r\\\"/\x01\u2028", "n": 3, "f": 2.5, "t": True, "z": None},
    ["XZCF-01", "ab" * 16, "张三", None, "2026-03-01", "general", "理由\\n"],
    {"nested": {"k": [1, "二", {"x": False}]}, "empty": "", "big": 10**20, "e": 1e-7},
])
def test_canonical_json_is_byte_for_byte_the_hash_encoder(value):
    # Content hashes of rows stored before must stay valid.
    assert canonical_json(value) == _HASH_JSON.encode(value)


def test_canonical_json_refuses_what_json_cannot_hold():
    with pytest.raises(TypeError):
        canonical_json({"d": date(2026, 3, 1)})


def test_copy_text_escapes_what_copy_would_misread():
    assert repository.copy_text(None) == "\\N"
    assert repository.copy_text("a\\b\tc\nd\re") == "a\\\\b\\tc\\nd\\re"
    assert repository.copy_text("违法事实") == "违法事实"
    assert repository.copy_value(b"\x01\xff") == "\\\\x01ff"
    assert repository.copy_value(7) == "7"
    assert repository.copy_value(True) == "t"
    assert repository.copy_value(datetime(2026, 3, 1, 8, 0, tzinfo=UTC)) == "2026-03-01T08:00:00+00:00"
    with pytest.raises(TypeError):
        repository.copy_value(1.5)


def test_awkward_text_is_stored_exactly(factory, catalog, keys, session, tmp_path):
    # Tabs, newlines, backslashes and quotes in what a department sends survive the bulk path
    # (COPY text on PostgreSQL, executemany on SQLite) unchanged.
    sid = "B-\\1\t2"
    facts = "第一行\n第二行\r\n\t缩进 \\N 反斜杠\\ \"引号\""
    path = write(tmp_path / "awkward.csv", [
        {"源记录编号": sid, "违法事实": facts, "失信程度": "严重", "程度调整理由": "情节\t严重\\"},
    ])
    with path.open("rb") as fh:
        batch = run_import(factory, catalog, keys, fh, ImportSpec("market_regulation", path.name, "XZCF-01"))
    assert (batch.created, batch.rejected) == (1, 0)
    record = session.scalars(select(Record).where(Record.source_record_id == sid)).one()
    assert record.data["facts"] == facts
    assert record.severity_reason == "情节\t严重\\"
    assert record.decision_date == date(2026, 3, 1)
    assert record.recorded_at.tzinfo is not None and record.superseded_at is None
    person = session.get(Person, record.subject_key)
    assert person is not None and keys.decrypt(person.id_cipher, record.subject_key.encode()) == cid(1)


def test_a_person_created_concurrently_is_skipped_not_an_error(session, keys):
    # Between an import's look-up and its insert another submission may create the same person:
    # the insert must skip that row and still add the others.
    now = utcnow()
    ident = imports.Identifier("citizen_id", cid(41), date(1985, 6, 15), "male", "110105", ())
    other = imports.Identifier("citizen_id", cid(42), date(1985, 6, 15), "male", "110105", ())
    first = new_person_values(keys, "k" * 32, ident, "王五", now)
    repository.insert_persons(session, [first])
    again = {**first, "name": "另一个名字"}
    repository.insert_persons(session, [again, new_person_values(keys, "m" * 32, other, "赵六", now)])
    names = dict(session.execute(select(Person.person_key, Person.name)
                                 .where(Person.person_key.in_(["k" * 32, "m" * 32]))).all())
    assert names == {"k" * 32: "王五", "m" * 32: "赵六"}


def test_an_import_tunes_its_sqlite_connection_and_restores_it(factory, catalog, keys, session, tmp_path,
                                                               monkeypatch, is_postgres):
    if is_postgres:
        pytest.skip("SQLite connection settings")
    seen: list[tuple[int, int]] = []
    real_add = service.Collector.add_chunk

    def add_chunk(self, rows):
        raw = repository.driver_connection(self.session)
        seen.append((raw.execute("PRAGMA cache_size").fetchone()[0],
                     raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0]))
        return real_add(self, rows)

    raw = repository.driver_connection(session)
    before = (raw.execute("PRAGMA cache_size").fetchone()[0], raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    monkeypatch.setattr(service.Collector, "add_chunk", add_chunk)
    path = write(tmp_path / "tuned.csv", [{"源记录编号": f"T-{n}", "证件号码": cid(n)} for n in range(1, 6)])
    with path.open("rb") as fh:
        run_import(factory, catalog, keys, fh, ImportSpec("market_regulation", path.name, "XZCF-01", 2))
    assert seen == [tuple(repository.SQLITE_BULK_PRAGMAS.values())] * 3
    after = (raw.execute("PRAGMA cache_size").fetchone()[0], raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    assert after == before != seen[0]


def test_worker_rows_decode_their_data_only_when_asked(catalog, keys):
    ctx = imports.RowContext(catalog, "market_regulation", date(2026, 11, 21), keys.hasher(), "XZCF-01")
    row = {"item_code": "XZCF-01", "id_number": cid(3), "name": "李四", "source_record_id": "D-1",
           "decision_date": "2026-03-01", "decision_no": "一号", "violation": "超范围经营",
           "facts": "事实\t\n", "penalty_type": "警告", "basis": "某法", "authority": "某局",
           "penalty_domain": "价格"}
    checked = imports.validate_rows(ctx, [(2, row)])
    packed = imports._pack(checked)
    crossed = imports._unpack(imports.marshal.loads(imports.marshal.dumps(packed)), catalog)
    original, rebuilt = checked.valid[0], crossed.valid[0]
    assert rebuilt.data_cache is None
    assert rebuilt.data == original.data == json.loads(original.data_json)
    for name in ("row", "subject_key", "identifier", "person_name", "source_record_id", "decision_date",
                 "severity", "data_json", "content_hash", "warnings", "data_domain"):
        assert getattr(rebuilt, name) == getattr(original, name), name
    # The record's domain, which its 处罚领域 decides, crosses made: storing need not decode the data.
    assert rebuilt.data_domain == "price"
    assert rebuilt.item is original.item
