"""On PostgreSQL an import writes chunk N in a writer thread while chunk N+1 is planned: the
guarantees of the chunk-by-chunk path hold (PostgreSQL only; SQLite stores chunk by chunk)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
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
        if threading.current_thread().name.startswith("chengxin-import-writer"):
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
    # The writer threads wrote every chunk (the last, only new records, alongside the one before it).
    assert sorted(slow_writer) == [1, 3, 3, 3]
    monkeypatch.setattr(imports, "_pipeline_engine", lambda factory, keys: None)
    with path.open("rb") as fh:  # the same file from another department, chunk by chunk
        sequential = run_import(factory, catalog, keys, fh, ImportSpec("transport", path.name, "XZCF-01", 3))
    assert len(slow_writer) == 4
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


# Two writer threads: a chunk of new records only is written while the chunk before it still is,
# and commits after it, waiting for it on the server (an advisory lock), never before it.

def _outside_lock(factory: sessionmaker[Session], sid: str) -> tuple[object, int]:
    """A transaction of another connection holding the live version of `sid` (as a person's
    objection or a repair would), and its backend's pid."""
    conn = factory.kw["bind"].connect()
    pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    conn.exec_driver_sql("SELECT id FROM records WHERE source_record_id = %s AND superseded_at IS NULL FOR UPDATE",
                         (sid,))
    return conn, pid


def _until(factory: sessionmaker[Session], sql: str, what: str) -> int:
    with factory() as session:
        for _ in range(200):
            found = session.execute(text(sql)).scalar()
            if found:
                return found
            session.rollback()
            time.sleep(0.05)
    raise AssertionError(f"not seen: {what}")


WAITING_ALONGSIDE = ("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                     "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
BLOCKED_CORRECTION = ("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                      "AND datname = current_database() AND query LIKE 'UPDATE records%%'")


def _import_in_thread(factory, catalog, keys, path: Path, spec: ImportSpec) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run() -> None:
        try:
            with path.open("rb") as fh:
                out["batch"] = run_import(factory, catalog, keys, fh, spec, progress=lambda d, t: out.setdefault(
                    "seen", []).append(t))
        except BaseException as exc:
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _corrected_then_new(tmp_path: Path, factory, catalog, keys) -> Path:
    first = write(tmp_path / "first.csv", [row("C-1", 1)])
    with first.open("rb") as fh:
        run_import(factory, catalog, keys, fh, ImportSpec("market_regulation", first.name, "XZCF-01", 2))
    # Chunk 1 corrects C-1 (its turn: it changes a stored row); chunk 2 only adds.
    return write(tmp_path / "second.csv", [row("C-1", 1, facts="复核后更正。"), row("N-1", 2),
                                           row("N-2", 3), row("N-3", 4)])


def test_a_chunk_of_new_records_is_written_alongside_and_commits_after_the_one_before(
        engine_factory, catalog, keys, tmp_path, monkeypatch):
    factory = engine_factory
    path = _corrected_then_new(tmp_path, factory, catalog, keys)
    real = service.Collector.write
    written = threading.Event()

    def write(self, plan, session):
        real(self, plan, session)
        if any(r.source_record_id == "N-2" for r in plan.kept):
            written.set()

    monkeypatch.setattr(service.Collector, "write", write)
    outside, _ = _outside_lock(factory, "C-1")
    try:
        thread, out = _import_in_thread(factory, catalog, keys, path,
                                        ImportSpec("market_regulation", path.name, "XZCF-01", 2))
        _until(factory, BLOCKED_CORRECTION, "chunk 1 waiting for the outside transaction")
        assert written.wait(10)  # chunk 2 was written meanwhile ...
        time.sleep(0.3)
        assert [s for s, *_ in stored(factory, "market_regulation")] == ["C-1"]  # ... and is not committed
        # It waits for chunk 1 on the server (a deadlock through another transaction would be seen
        # and broken there, never a hang).
        _until(factory, WAITING_ALONGSIDE, "chunk 2 waiting for chunk 1's advisory lock")
        with factory() as session:
            batch = session.scalars(select(Batch).where(Batch.filename == path.name)).one()
            assert (batch.status, batch.total, batch.rows_through) == ("running", 0, None)
    finally:
        outside.rollback()
        outside.close()
    thread.join(30)
    assert not thread.is_alive() and "error" not in out
    batch = out["batch"]
    assert (batch.status, counts(batch)) == ("done", (4, 3, 1, 0, 0, 0))
    assert out["seen"] == [2, 4, 4]  # chunk 1 committed first, then chunk 2
    assert stored(factory, "market_regulation") == [
        ("C-1", 1, False), ("C-1", 2, True), ("N-1", 1, True), ("N-2", 1, True), ("N-3", 1, True)]


def test_a_chunk_written_alongside_rolls_back_when_the_one_before_fails(engine_factory, catalog, keys, tmp_path):
    factory = engine_factory
    path = _corrected_then_new(tmp_path, factory, catalog, keys)
    spec = ImportSpec("market_regulation", path.name, "XZCF-01", 2)
    outside, _ = _outside_lock(factory, "C-1")
    try:
        thread, out = _import_in_thread(factory, catalog, keys, path, spec)
        blocked = _until(factory, BLOCKED_CORRECTION, "chunk 1 waiting for the outside transaction")
        _until(factory, WAITING_ALONGSIDE, "chunk 2 waiting for chunk 1's advisory lock")
        with factory() as session:  # chunk 1's connection is killed (an operator, a failover)
            session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": blocked})
        thread.join(30)
    finally:
        outside.rollback()
        outside.close()
    assert not thread.is_alive()
    stop = out["error"]
    assert isinstance(stop, ImportStopped) and stop.extra["rows_through"] is None
    assert "terminat" in str(stop.__cause__)  # chunk 1's own failure, not chunk 2's rollback
    assert [s for s, *_ in stored(factory, "market_regulation")] == ["C-1"]  # nothing of chunk 2
    with factory() as session:
        failed = session.scalars(select(Batch).where(Batch.filename == path.name)).one()
        assert (failed.status, counts(failed)) == ("rejected", (0, 0, 0, 0, 0, 0))  # nothing landed
        assert session.scalar(select(func.count()).select_from(Person)) == 1  # chunk 2's persons are not kept
    with path.open("rb") as fh:
        again = run_import(factory, catalog, keys, fh, spec)
    assert (again.status, counts(again)) == ("done", (4, 3, 1, 0, 0, 0))
    assert len(stored(factory, "market_regulation")) == 5
