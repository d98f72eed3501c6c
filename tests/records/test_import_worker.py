"""Large CSV imports validate in a worker process; rows, chunks, issues and guarantees are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from chengxin.records import imports, rejects, service
from chengxin.records.imports import ImportSpec, ImportStopped, run_import
from chengxin.records.models import Batch, BatchIssue, Record, RejectedRow
from helpers import cid, write_csv

HEADERS = ["目录项编码", "证件号码", "姓名", "源记录编号", "决定日期", "行政处罚决定书文号", "违法行为类型",
           "违法事实", "处罚类别", "处罚依据", "处罚机关", "罚款金额（万元）", "当场处罚决定书编号"]


def row(n: int, **changes: str) -> list[str]:
    values = {"目录项编码": "XZCF-01", "证件号码": cid(n % 7), "姓名": "李四", "源记录编号": f"W-{n:05d}",
              "决定日期": "2026-03-01", "行政处罚决定书文号": f"市监罚〔2026〕{n}号",
              "违法行为类型": "超范围经营", "违法事实": "经查属实。", "处罚类别": "警告",
              "处罚依据": "《中华人民共和国行政处罚法》", "处罚机关": "市市场监督管理局",
              "罚款金额（万元）": "", "当场处罚决定书编号": ""}
    values.update(changes)
    return [values[h] for h in HEADERS]


def mixed_rows() -> list[list[str]]:
    """Valid rows, refused rows, a warning, two items, and a record changed later in the file."""
    rows = [row(n) for n in range(1, 31)]
    rows[3] = row(4, 证件号码="110105198506150011")  # checksum error
    rows[8] = row(9, 处罚类别="")  # required field missing
    rows[12] = row(13, 证件号码="999999198506150015")  # unknown province
    rows[15] = row(16, 证件号码=cid(16, county="110199"))  # unknown county: a warning, the row is kept
    rows[17] = row(18, 目录项编码="XZCF-02", 行政处罚决定书文号="", 违法事实="", 处罚依据="",
                   当场处罚决定书编号="0001", 处罚类别="罚款")
    rows.append(row(2, 违法事实="复核后更正。"))  # same source id, new content: a new version
    rows.append(row(5))  # same record again: unchanged
    return rows


def write(path: Path, rows: list[list[str]]) -> Path:
    return write_csv(path, HEADERS, rows)


def issues_of(session, batch: Batch) -> list[tuple]:
    return [(i.row, i.field, i.code, i.level, i.label, i.source_record_id) for i in session.scalars(
        select(BatchIssue).where(BatchIssue.batch_id == batch.id).order_by(BatchIssue.seq))]


def counts(batch: Batch) -> tuple[int, ...]:
    return (batch.total, batch.created, batch.new_versions, batch.unchanged, batch.rejected, batch.warnings)


@pytest.fixture
def spy(monkeypatch) -> list[str]:
    """Send every CSV file to the worker, and note each worker started."""
    started: list[str] = []
    real = imports._chunks_from_worker

    def chunks_from_worker(path, *args):
        started.append(path)
        return real(path, *args)

    monkeypatch.setattr(imports, "WORKER_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "_chunks_from_worker", chunks_from_worker)
    return started


def test_worker_import_equals_in_process_import(spy, monkeypatch, factory, catalog, keys, session, tmp_path):
    path = write(tmp_path / "mixed.csv", mixed_rows())
    with path.open("rb") as fh:  # chunks of 4 rows: versions span chunks, and one chunk holds both
        by_worker = run_import(factory, catalog, keys, fh, ImportSpec("market_regulation", path.name, None, 4))
    assert spy == [str(path)]
    monkeypatch.setattr(imports, "WORKER_MIN_BYTES", 1 << 62)
    with path.open("rb") as fh:  # the same file from another source department, validated here
        in_process = run_import(factory, catalog, keys, fh, ImportSpec("transport", path.name, None, 4))
    assert spy == [str(path)]
    assert by_worker.status == in_process.status == "done"
    assert counts(by_worker) == counts(in_process) == (32, 27, 1, 1, 3, 1)
    assert issues_of(session, by_worker) == issues_of(session, in_process)
    # The refused rows cross from the worker as sent, and are kept the same way.
    def refused(batch: Batch) -> list[rejects.Refused]:
        kept = select(RejectedRow).where(RejectedRow.batch_id == batch.id).order_by(RejectedRow.row)
        return [rejects.opened(keys, r.id, r.row, r.item_code, r.content_cipher) for r in session.scalars(kept)]

    opened = [refused(by_worker), refused(in_process)]
    assert opened[0] == opened[1] and [r.row for r in opened[0]] == [5, 10, 14]
    assert opened[0][0].values["source_record_id"] == "W-00004" and opened[0][0].reasons
    stored = select(func.count()).select_from(Record).where(Record.source_record_id.like("W-%"))
    assert session.scalar(stored.where(Record.department_code == "market_regulation")) == 28
    assert session.scalar(stored.where(Record.department_code == "transport")) == 28


def test_an_undecodable_row_stops_a_worker_import_after_the_whole_chunks(spy, factory, catalog, keys, session,
                                                                          tmp_path):
    # Past the 256 KiB the encoding is sniffed from, so the worker meets the bad bytes.
    path = write(tmp_path / "broken.csv", [row(n) for n in range(1, 1450)])
    path.write_bytes(path.read_bytes() + b"\xff\xfe broken\n")
    assert path.stat().st_size > 256 * 1024
    with pytest.raises(ImportStopped) as err, path.open("rb") as fh:
        run_import(factory, catalog, keys, fh, ImportSpec("market_regulation", path.name, "XZCF-01", 500))
    assert err.value.code == "FILE_ENCODING_ERROR" and "第 1451 行" in err.value.cause_message
    assert spy == [str(path)]
    failed = session.scalars(select(Batch).where(Batch.filename == "broken.csv")).one()
    assert failed.status == "failed" and failed.error_code == "FILE_ENCODING_ERROR"
    assert failed.total == 1000  # two whole chunks; the third went with the bad bytes
    assert failed.rows_through == 1001 and err.value.extra["rows_through"] == 1001


def test_interrupted_worker_import_reruns_without_duplicates(spy, monkeypatch, factory, catalog, keys, session,
                                                             tmp_path):
    path = write(tmp_path / "big.csv", [row(n, 证件号码=cid(n)) for n in range(1, 26)])
    spec = ImportSpec("market_regulation", path.name, "XZCF-01", chunk_rows=10)
    real_add = service.Collector.add_chunk
    calls = {"n": 0}

    def crash_on_second_chunk(self, rows):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed mid-import")
        return real_add(self, rows)

    monkeypatch.setattr(service.Collector, "add_chunk", crash_on_second_chunk)
    with pytest.raises(KeyboardInterrupt), path.open("rb") as fh:
        run_import(factory, catalog, keys, fh, spec)
    monkeypatch.setattr(service.Collector, "add_chunk", real_add)
    with path.open("rb") as fh:
        batch = run_import(factory, catalog, keys, fh, spec)
    assert len(spy) == 2
    assert (batch.total, batch.unchanged, batch.created) == (25, 10, 15)
