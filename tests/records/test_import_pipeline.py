"""On PostgreSQL an import writes chunk N in a writer thread while chunk N+1 is planned: the
guarantees of the chunk-by-chunk path hold (PostgreSQL only; SQLite stores chunk by chunk)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.conflicts.models import Conflict
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.departments import repository as departments
from chengxin.migrate import upgrade
from chengxin.persons.models import Person
from chengxin.records import imports, service
from chengxin.records.imports import ImportSpec, ImportStopped, run_import
from chengxin.records.models import Batch, Record
from helpers import cid, scratch_database, write_csv

HEADERS = ["证件号码", "姓名", "源记录编号", "决定日期", "行政处罚决定书文号", "违法行为类型",
           "违法事实", "处罚类别", "处罚依据", "处罚机关"]


def row(sid: str, person: int, name: str = "李四", facts: str = "经查属实。") -> list[str]:
    return [cid(person), name, sid, "2026-03-01", f"市监罚〔2026〕{sid}号", "超范围经营", facts, "警告",
            "《中华人民共和国行政处罚法》", "市市场监督管理局"]


def write(path: Path, rows: list[list[str]]) -> Path:
    return write_csv(path, HEADERS, rows)


# Chunks of 3 rows. Chunk 2 repeats, changes and names differently what chunk 1 wrote, chunk 3 what
# chunk 2 wrote: each is planned while the chunk before it is still being written.
ROWS = [
    row("P-1", 1), row("P-2", 2), row("P-3", 3),
    row("P-1", 1), row("P-2", 2, facts="复核后更正。"), row("P-4", 3, name="张三"),
    row("P-2", 2, facts="再次更正。"), row("P-5", 3, name="张三丰"), row("P-6", 6),
    row("P-7", 7),
]


@pytest.fixture
def engine_factory(database_url: str, tmp_path: Path, catalog) -> Iterator[sessionmaker[Session]]:
    """A fresh PostgreSQL database and sessions on its engine (as `chengxin import` has)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the writer thread is used on PostgreSQL only")
    url = scratch_database(database_url, tmp_path, "pipeline")
    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        departments.ensure(session, catalog.departments)
    yield factory
    engine.dispose()
    scratch_database(database_url, tmp_path, "pipeline", create=False)


@pytest.fixture
def slow_writer(monkeypatch) -> list[int]:
    """Every chunk takes a while to write, so the next one is planned while it is in flight;
    notes the rows of each chunk the writer thread wrote."""
    written: list[int] = []
    real = service.Collector.write

    def write(self, plan, session):
        time.sleep(0.3)
        real(self, plan, session)
        if threading.current_thread().name == "chengxin-import-writer":
            written.append(len(plan.records) + plan.result.unchanged + plan.result.rejected)

    monkeypatch.setattr(service.Collector, "write", write)
    return written


def stored(factory: sessionmaker[Session], department: str) -> list[tuple[str, int, bool]]:
    with factory() as session:
        return [tuple(r) for r in session.execute(
            select(Record.source_record_id, Record.version, Record.superseded_at.is_(None))
            .where(Record.department_code == department).order_by(Record.source_record_id, Record.version))]


def counts(batch: Batch) -> tuple[int, ...]:
    return (batch.total, batch.created, batch.new_versions, batch.unchanged, batch.rejected, batch.warnings)


def test_records_and_persons_repeated_in_the_next_chunk_are_seen(engine_factory, slow_writer, catalog, keys,
                                                                  tmp_path, monkeypatch):
    factory = engine_factory
    path = write(tmp_path / "repeats.csv", ROWS)
    seen: list[tuple[int, int]] = []
    with path.open("rb") as fh:
        piped = run_import(factory, catalog, keys, fh, ImportSpec("market_regulation", path.name, "XZCF-01", 3),
                           progress=lambda done, total: seen.append((done, total)))
    assert slow_writer == [3, 3, 3, 1]  # the writer thread wrote every chunk
    monkeypatch.setattr(imports, "_pipeline_engine", lambda factory, keys: None)
    with path.open("rb") as fh:  # the same file from another department, chunk by chunk
        sequential = run_import(factory, catalog, keys, fh, ImportSpec("transport", path.name, "XZCF-01", 3))
    assert slow_writer == [3, 3, 3, 1]
    assert piped.status == sequential.status == "done"
    # Person 3 made in chunk 1 (not yet committed when chunk 2 is planned), then named otherwise
    # in chunks 2 and 3: two warnings and two conflicts, never a rename.
    assert counts(piped) == counts(sequential) == (10, 7, 2, 1, 0, 2)
    assert stored(factory, "market_regulation") == stored(factory, "transport") == [
        ("P-1", 1, True), ("P-2", 1, False), ("P-2", 2, False), ("P-2", 3, True), ("P-3", 1, True),
        ("P-4", 1, True), ("P-5", 1, True), ("P-6", 1, True), ("P-7", 1, True)]
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 5
        key = session.scalar(select(Record.subject_key).where(Record.source_record_id == "P-5"))
        assert session.get(Person, key).name == "李四"  # kept through two other names in consecutive chunks
        claims = session.execute(select(Conflict.department_code, Conflict.claimed_value)
                                 .order_by(Conflict.department_code, Conflict.claimed_value)).all()
        assert [tuple(c) for c in claims] == [("market_regulation", "张三"), ("market_regulation", "张三丰"),
                                              ("transport", "张三"), ("transport", "张三丰")]
        saved = session.get(Batch, piped.id)
        assert counts(saved) == counts(piped) and saved.status == "done"
    assert [t for _, t in seen] == [3, 6, 9, 10, 10]  # after each commit, then at the end


def test_a_failed_write_leaves_whole_chunks_and_fails_the_import(engine_factory, slow_writer, catalog, keys,
                                                                  tmp_path, monkeypatch):
    factory = engine_factory
    path = write(tmp_path / "fails.csv", ROWS)
    spec = ImportSpec("market_regulation", path.name, "XZCF-01", 3)
    real = service.Collector.write

    def write_then_fail(self, plan, session):
        real(self, plan, session)  # the chunk's rows are written in its transaction, then it fails
        if len(slow_writer) == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(service.Collector, "write", write_then_fail)
    with pytest.raises(ImportStopped) as stop, path.open("rb") as fh:
        run_import(factory, catalog, keys, fh, spec)
    assert isinstance(stop.value.__cause__, RuntimeError) and stop.value.code == "INTERNAL_ERROR"
    assert stop.value.extra["rows_through"] == 4 and stop.value.extra["landed"]["created"] == 3
    assert slow_writer == [3, 3]  # nothing was written after the failed chunk
    assert stored(factory, "market_regulation") == [("P-1", 1, True), ("P-2", 1, True), ("P-3", 1, True)]
    with factory() as session:
        failed = session.scalars(select(Batch).where(Batch.filename == "fails.csv")).one()
        assert failed.status == "failed"
        assert counts(failed) == (3, 3, 0, 0, 0, 0)  # the committed chunk only
        assert session.scalar(select(func.count()).select_from(Person)) == 3  # not chunk 2's renames/new ones

    monkeypatch.setattr(service.Collector, "write", real)
    with path.open("rb") as fh:
        again = run_import(factory, catalog, keys, fh, spec)
    assert counts(again) == (10, 4, 2, 4, 0, 2)
    assert len(stored(factory, "market_regulation")) == 9


def test_an_interrupted_pipelined_import_keeps_the_chunk_in_flight_and_reruns(engine_factory, slow_writer,
                                                                              catalog, keys, tmp_path,
                                                                              monkeypatch):
    factory = engine_factory
    path = write(tmp_path / "stopped.csv", ROWS)
    spec = ImportSpec("market_regulation", path.name, "XZCF-01", 3)
    real = service.Collector.plan
    planned = {"n": 0}

    def stop_at_third(self, rows, known=None):
        planned["n"] += 1
        if planned["n"] == 3:  # chunk 2 is being written meanwhile
            raise KeyboardInterrupt("killed mid-import")
        return real(self, rows, known)

    monkeypatch.setattr(service.Collector, "plan", stop_at_third)
    with pytest.raises(KeyboardInterrupt), path.open("rb") as fh:
        run_import(factory, catalog, keys, fh, spec)
    assert slow_writer == [3, 3]  # the chunk in flight was let finish, whole
    with factory() as session:
        failed = session.scalars(select(Batch).where(Batch.filename == "stopped.csv")).one()
        assert (failed.status, failed.rows_through) == ("interrupted", 7)
        assert counts(failed) == (6, 4, 1, 1, 0, 1)
    monkeypatch.setattr(service.Collector, "plan", real)
    with path.open("rb") as fh:
        again = run_import(factory, catalog, keys, fh, spec)
    # From the top again: what is stored is unchanged, P-2's corrections in the file are new again.
    assert again.status == "done" and counts(again) == (10, 3, 3, 4, 0, 1)  # P-5: 张三丰 again
    assert stored(factory, "market_regulation") == [
        ("P-1", 1, True), *[("P-2", v, v == 5) for v in range(1, 6)], ("P-3", 1, True), ("P-4", 1, True),
        ("P-5", 1, True), ("P-6", 1, True), ("P-7", 1, True)]


def test_refused_rows_and_their_labels_are_written_by_the_writer_thread(engine_factory, slow_writer, catalog,
                                                                         keys, tmp_path):
    from chengxin.records.models import BatchIssue, RejectedRow

    bad = row("R-2", 2)
    bad[HEADERS.index("处罚类别")] = "打板子"
    path = write(tmp_path / "refused.csv", [row("R-1", 1), bad, row("R-3", 3), row("R-4", 4)])
    with path.open("rb") as fh:
        batch = run_import(engine_factory, catalog, keys, fh, ImportSpec("market_regulation", path.name, "XZCF-01", 2))
    assert slow_writer == [2, 2] and batch.rejected == 1
    with engine_factory() as session:
        issue = session.scalars(select(BatchIssue).where(BatchIssue.batch_id == batch.id)).one()
        assert (issue.row, issue.label, issue.source_record_id) == (3, "处罚类别", "R-2")
        kept = session.scalars(select(RejectedRow).where(RejectedRow.batch_id == batch.id)).one()
        assert kept.row == 3 and b"\xe6\x89\x93" not in bytes(kept.content_cipher)  # sealed, not plain
