"""File imports as a boundary: one transaction per chunk, so memory and losses stay bounded.

Used by `chengxin import` and the upload endpoint. A crash mid-import leaves
whole chunks committed; rerunning the same file reports them as unchanged and
adds the rest, so nothing is duplicated.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import logging
import marshal
import os
import pickle
import stat
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.rules import Catalog, default_catalog
from chengxin.clock import today
from chengxin.crypto import Keys
from chengxin.db import unit_of_work
from chengxin.errors import DomainError, domain_error_of, log_unexpected
from chengxin.heap import fewer_collections
from chengxin.identity.rules import Identifier
from chengxin.records import repository, service
from chengxin.records.files import FileError, RowMapper, Table, read_csv, read_xlsx
from chengxin.records.models import Batch
from chengxin.records.rules import Issue, RowContext, ValidatedRows, ValidRow, validate_rows

if TYPE_CHECKING:  # the validation worker imports this module: keep it free of the web stack
    from fastapi import UploadFile

    from chengxin.settings import Settings

log = logging.getLogger("chengxin.imports")


@dataclass
class ImportSpec:
    department_code: str
    filename: str
    item_code: str | None = None
    chunk_rows: int = 5000
    issues_per_code: int = service.ISSUES_PER_CODE
    rejected_days: int = service.REJECTED_DAYS


def file_sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


def open_table(stream: IO[bytes], filename: str) -> Table:
    """Pick the reader by extension (and magic bytes): CSV or XLSX."""
    head = stream.read(4)
    stream.seek(0)
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx" or head == b"PK\x03\x04":
        if suffix not in (".xlsx", ""):
            raise FileError("FILE_TYPE_MISMATCH", "文件内容是 XLSX，但扩展名不是 .xlsx")
        return read_xlsx(stream)
    if suffix not in (".csv", ".txt", ""):
        raise FileError("FILE_TYPE_UNSUPPORTED", "只接受 CSV 或 XLSX 文件")
    return read_csv(stream)


def run_import(
    factory: sessionmaker[Session],
    catalog: Catalog,
    keys: Keys,
    stream: IO[bytes],
    spec: ImportSpec,
    progress: Callable[[int, int], None] | None = None,
) -> Batch:
    """Import a whole file; returns the closed batch (its receipt).

    The batch is opened before the file is read, so every outcome has a receipt: a file refused
    before its first chunk is committed (its header, say) is a batch "rejected" with nothing
    stored; an error part-way (an undecodable
    byte, a database error) stops the import after the chunks already committed, and the batch
    says "failed", why, and which rows landed (`rows_through`). Either way `ImportStopped`
    carries the batch to the caller. An interrupted process leaves the batch "running" until
    `service.interrupt_abandoned` marks it."""
    sha = file_sha256(stream)
    with unit_of_work(factory) as session:
        batch = service.open_batch(session, spec.department_code, _channel(stream, spec.filename),
                                   spec.filename, sha)
    try:
        position = _import(factory, catalog, keys, stream, spec, batch, progress)
    except BaseException as exc:
        error = domain_error_of(exc)
        if isinstance(exc, Exception) and error.status >= 500:
            log_unexpected(exc)
        if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: the process is going away
            error = DomainError("IMPORT_INTERRUPTED", "导入被中止", 409)
            status = "interrupted"
        else:
            status = "failed" if batch.rows_through else "rejected"
        _stop(factory, batch, status, error)
        if isinstance(exc, Exception):
            raise ImportStopped(batch, error) from exc
        raise
    with unit_of_work(factory) as session:
        service.close_batch(batch, "done")
        session.merge(batch)
    if progress:
        progress(position, batch.total)
    return batch


class ImportStopped(DomainError):
    """An import that ended before its last row: the reason, and the batch (what landed)."""

    def __init__(self, batch: Batch, error: DomainError) -> None:
        super().__init__(error.code, f"{error.message}。{landed_text(batch)}", error.status,
                         **{**error.extra, **landed(batch)})
        self.batch = batch
        self.cause_message = error.message


def landed(batch: Batch) -> dict[str, Any]:
    """What an answer about a stopped import carries: its receipt number and what it stored."""
    return {"batch_id": batch.id, "batch_status": batch.status, "rows_through": batch.rows_through,
            "landed": {a: getattr(batch, a) for a in ("total", "created", "new_versions", "unchanged", "rejected")}}


def landed_text(batch: Batch) -> str:
    """The same in words (the problem's detail, the CLI)."""
    if not batch.rows_through:
        return f"回执编号 {batch.id}：未入库任何行"
    return (f"回执编号 {batch.id}：第 {batch.rows_through} 行及以前已处理（新增 {batch.created}，新版本 "
            f"{batch.new_versions}，未变 {batch.unchanged}，拒收 {batch.rejected}），其后各行未处理；"
            "改正后重新上传同一文件即可继续，已入库的行不会重复")


def _stop(factory: sessionmaker[Session], batch: Batch, status: str, error: DomainError) -> None:
    """Record why the batch stopped; the counts in `batch` are those of its committed chunks."""
    service.close_batch(batch, status, error)
    try:
        with unit_of_work(factory) as session:
            session.merge(batch)
    except Exception as exc:  # the database went away: the batch stays running until swept
        log.error("could not record the end of batch %s: %s", batch.id, type(exc).__name__)


def _channel(stream: IO[bytes], filename: str) -> str:
    """"xlsx" or "csv", as open_table will read it (it refuses what is neither)."""
    head = stream.read(4)
    stream.seek(0)
    return "xlsx" if Path(filename).suffix.lower() == ".xlsx" or head == b"PK\x03\x04" else "csv"


def _import(factory: sessionmaker[Session], catalog: Catalog, keys: Keys, stream: IO[bytes], spec: ImportSpec,
            batch: Batch, progress: Callable[[int, int], None] | None) -> int:
    """Read, check and store the file chunk by chunk; returns the bytes read."""
    if spec.item_code is not None and catalog.item(spec.item_code) is None:
        raise DomainError("RECORD_ITEM_UNKNOWN", f"目录中没有信息项“{spec.item_code}”", 422)
    table = open_table(stream, spec.filename)
    mapper = RowMapper(table.headers, catalog, spec.item_code)
    if spec.item_code is not None:
        item = catalog.item(spec.item_code)
        assert item is not None
        missing = mapper.missing_columns(item)
        if missing:
            raise FileError("FILE_COLUMN_MISSING", f"缺少必需的列：{'、'.join(missing)}")
    ctx = RowContext(catalog, spec.department_code, today(), keys.hasher(), spec.item_code)
    path = _worker_file(stream, table, catalog)
    chunks = (_chunks_here(table, mapper, spec.chunk_rows) if path is None
              else _chunks_from_worker(path, spec, ctx, keys, catalog))
    position = table.position()
    seq = 0
    try:
        with fewer_collections(), _chunk_sessions(factory) as chunk_sessions:
            engine = _pipeline_engine(factory, keys)
            if engine is not None:
                position = _store_pipelined(engine, factory, catalog, keys, batch, ctx, chunks, position,
                                            progress, spec.issues_per_code, spec.rejected_days)
            else:
                for chunk, position in chunks:
                    seq = _commit_chunk(chunk_sessions, catalog, keys, batch, ctx, chunk, seq,
                                        spec.issues_per_code, spec.rejected_days)
                    if progress:
                        progress(position, batch.total)
    finally:
        chunks.close()  # stops a validation worker that is still reading ahead
    return position


@contextlib.contextmanager
def _chunk_sessions(factory: sessionmaker[Session]) -> Iterator[Callable[[], Session]]:
    """Sessions for the chunks of one import, all on one connection tuned for bulk loading
    (the tuning is per connection, and a pool might hand each chunk another one)."""
    bind = factory.kw.get("bind")
    if isinstance(bind, Connection):  # already one connection (tests run inside a transaction)
        with repository.bulk_load(bind):
            yield factory
    elif isinstance(bind, Engine):
        with bind.connect() as conn, repository.bulk_load(conn):
            yield functools.partial(factory, bind=conn)
    else:
        yield factory


def _commit_chunk(factory: Callable[[], Session], catalog: Catalog, keys: Keys, batch: Batch,
                  ctx: RowContext, chunk: list[tuple[int, dict]] | ValidatedRows, seq: int,
                  issues_per_code: int, rejected_days: int = service.REJECTED_DAYS) -> int:
    """Store one chunk with the batch's progress, in one transaction; `batch` then holds what
    is committed (and nothing of a chunk that failed)."""
    with unit_of_work(factory) as session:
        attached = session.merge(batch)
        attached.status, attached.owner = "running", batch.owner  # a sweeper's mistake undone
        collector = service.Collector(session, catalog, keys, attached, ctx, seq, issues_per_code, rejected_days)
        collector.add_chunk(chunk)
        seq = collector.issue_seq
    for attr in _PROGRESS:
        setattr(batch, attr, getattr(attached, attr))
    return seq


# --- storing on PostgreSQL: chunks planned here, written by two writer threads ---------------
# On PostgreSQL most of the time of storing a chunk is the server's (COPY into indexed tables),
# and this process only waits for it. So writer threads, each on a connection of its own, write
# and commit the chunks while this thread plans the next: chunk N goes to writer N % WRITERS.
# Look-ups run on another, autocommit connection, which sees the chunks committed so far; what
# the chunks still in flight leave behind (ChunkPlan.known) is laid over their answers, oldest
# first. Chunks commit in order, one transaction each, exactly what the sequential path writes:
# - a chunk that only appends (ChunkPlan.appends_only) is written while the chunk before it still
#   is, and commits once that one has committed; it waits for it on the server (an advisory lock
#   the earlier chunk holds until it ends), so that a wait through another import's transaction
#   is a deadlock the server sees and breaks, never a hang;
# - any other chunk (a correction, a rename, a list item) starts writing once the chunk before it
#   has committed, as with one writer.
# After a chunk fails nothing later commits: the import fails with the first failure in chunk
# order once every chunk in flight has ended (committed whole or rolled back). psycopg releases
# the GIL while it waits for the server, so the threads overlap where it matters.

WRITERS = 2  # writer threads (and connections) of one import on PostgreSQL


def _pipeline_engine(factory: sessionmaker[Session], keys: Keys) -> Engine | None:
    """The engine to store through writer threads, or None to store chunk by chunk here."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine) or bind.dialect.name != "postgresql":
        return None  # SQLite does its work in this process; a bound connection is one connection
    if keys.previous_hasher() is not None:
        return None  # while re-keying, subjects are remapped by look-ups: keep them in order
    return bind


class _PreviousFailed(Exception):
    """A chunk rolled back because the chunk before it failed (that one's error is the import's)."""


class _Turn:
    """One chunk's place in the commit order."""

    def __init__(self, lock: tuple[int, int], counts: dict[str, Any], position: int, known: service.Known) -> None:
        self.lock = lock  # the advisory lock its transaction holds (batch, chunk number)
        self.counts = counts  # the batch's progress once it has committed
        self.position = position  # bytes read once it has committed
        self.known = known
        self.started = threading.Event()  # its transaction holds its lock (or it failed first)
        self.ended = threading.Event()
        self.error: BaseException | None = None

    def ok(self) -> bool:
        self.ended.wait()
        return self.error is None


def _lock_of(batch_id: str, number: int) -> tuple[int, int]:
    """The advisory lock (two 32-bit keys: batch, chunk) a chunk's transaction holds."""
    digest = hashlib.blake2b(batch_id.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True), number % 2**31


class _Writer:
    """A thread writing planned chunks, each in a transaction of its own, in their turn."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session], collector: service.Collector,
                 number: int) -> None:
        self._conn = engine.connect()
        self._factory = functools.partial(factory, bind=self._conn)
        self._collector = collector
        self._ready = threading.Condition()
        self._job: tuple[service.ChunkPlan, _Turn, _Turn | None] | None = None
        self._busy = False
        self._closing = False
        self._thread = threading.Thread(target=self._run, name=f"chengxin-import-writer-{number}", daemon=True)
        self._thread.start()

    def submit(self, plan: service.ChunkPlan, turn: _Turn, previous: _Turn | None) -> None:
        """Hand over a chunk; the previous one given to this writer must have ended (see wait)."""
        with self._ready:
            assert not self._busy
            self._job, self._busy = (plan, turn, previous), True
            self._ready.notify_all()

    def wait(self) -> None:
        """Until the chunk this writer has in flight has ended."""
        with self._ready:
            while self._busy:
                self._ready.wait()

    def close(self) -> None:
        """Let the chunk in flight end, stop the thread and give back the connection."""
        with self._ready:
            self._closing = True
            self._ready.notify_all()
        self._thread.join()
        self._conn.close()

    def _run(self) -> None:
        while True:
            with self._ready:
                while self._job is None and not self._closing:
                    self._ready.wait()
                if self._job is None:
                    return
                plan, turn, previous = self._job
            try:
                self._write(plan, turn, previous)
            except BaseException as exc:  # handed to the importing thread, which fails the import
                turn.error = exc
            turn.started.set()
            turn.ended.set()
            with self._ready:
                self._job, self._busy = None, False
                self._ready.notify_all()

    def _write(self, plan: service.ChunkPlan, turn: _Turn, previous: _Turn | None) -> None:
        alongside = previous is not None and plan.appends_only()
        if previous is not None and not alongside and not previous.ok():
            raise _PreviousFailed
        if previous is not None:
            previous.started.wait()  # so that the wait below is on the server, never only here
        with unit_of_work(self._factory) as session:
            session.execute(text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": turn.lock[0], "b": turn.lock[1]})
            turn.started.set()
            self._collector.write(plan, session)
            if alongside:
                assert previous is not None
                # Its turn: once the chunk before has ended (waited for on the server, see above).
                session.execute(text("SELECT pg_advisory_xact_lock_shared(:a, :b)"),
                                {"a": previous.lock[0], "b": previous.lock[1]})
                if not previous.ok():
                    raise _PreviousFailed
            batch = self._collector.batch
            repository.set_batch_counts(session, batch.id, {**turn.counts, "status": "running",
                                                            "owner": batch.owner})


# What a committed chunk changes on its batch (issue_counts is replaced, never changed in place,
# so a snapshot of these values stays valid).
_PROGRESS = ("total", "created", "new_versions", "unchanged", "rejected", "warnings", "rows_through",
             "issue_counts", "heartbeat_at")


def _store_pipelined(engine: Engine, factory: sessionmaker[Session], catalog: Catalog, keys: Keys,
                     batch: Batch, ctx: RowContext, chunks: Iterator[tuple[Any, int]], position: int,
                     progress: Callable[[int, int], None] | None, issues_per_code: int,
                     rejected_days: int = service.REJECTED_DAYS) -> int:
    """Store every chunk through writer threads; returns the bytes read. On return or error
    `batch` holds the counts of the chunks committed."""
    committed = {a: getattr(batch, a) for a in _PROGRESS}
    in_flight: list[_Turn] = []  # chunks handed to a writer and not yet seen committed, in order

    def settle() -> None:
        """Take the committed chunks off the front; raise the first failure."""
        nonlocal committed
        while in_flight and in_flight[0].ended.is_set():
            turn = in_flight.pop(0)
            if turn.error is not None:
                raise turn.error
            committed = turn.counts
            if progress:
                progress(turn.position, committed["total"])

    with engine.connect() as conn:
        looking = conn.execution_options(isolation_level="AUTOCOMMIT")
        with factory(bind=looking) as lookups:
            collector = service.Collector(lookups, catalog, keys, batch, ctx, 0, issues_per_code, rejected_days)
            writers = [_Writer(engine, factory, collector, n) for n in range(WRITERS)]
            try:
                for number, (chunk, position) in enumerate(chunks):
                    plan = collector.plan(chunk, _overlay([t.known for t in in_flight]))
                    lookups.rollback()  # end the read (autocommit: no snapshot is kept)
                    writer = writers[number % WRITERS]
                    writer.wait()  # its previous chunk has ended
                    settle()
                    turn = _Turn(_lock_of(batch.id, number), {a: getattr(batch, a) for a in _PROGRESS}, position,
                                 plan.known())
                    writer.submit(plan, turn, in_flight[-1] if in_flight else None)
                    in_flight.append(turn)
                for writer in writers:
                    writer.wait()
                settle()
            finally:
                for writer in writers:
                    writer.close()  # the chunks in flight, if any, have now committed or failed
                with contextlib.suppress(BaseException):  # the import already fails with this error or
                    settle()  # an earlier one; this only counts the chunks committed before it
                for a, value in committed.items():
                    setattr(batch, a, value)
    return position


def _overlay(knowns: list[service.Known]) -> service.Known | None:
    """What the chunks in flight leave behind, the later over the earlier."""
    if not knowns:
        return None
    if len(knowns) == 1:
        return knowns[0]
    merged = service.Known({}, {}, {})
    for known in knowns:
        merged.versions.update(known.versions)
        merged.person_names.update(known.person_names)
        merged.org_names.update(known.org_names)
    return merged


def _chunks_here(table: Table, mapper: RowMapper, size: int) -> Iterator[tuple[list[tuple[int, dict]], int]]:
    """Chunks of mapped rows read in this process, each with the bytes read so far."""
    chunk: list[tuple[int, dict]] = []
    for number, values in table.rows:
        chunk.append((number, mapper.map(values)))
        if len(chunk) >= size:
            yield chunk, table.position()
            chunk = []
    if chunk:
        yield chunk, table.position()


# --- validation in a worker process ---------------------------------------------------------
# Validation is pure (no database) and costs about as much as storing, so for a large CSV
# file a second process reads and validates the next chunks while this one stores the
# current chunk, with its own core. Chunks, their boundaries and order, rows and issues are
# exactly those of the in-process path; only where validate_row runs differs. The database
# is used by this process alone, one transaction per chunk as before.

WORKER_MIN_BYTES = 8 << 20  # below this, starting a process (about half a second) costs more


def _worker_file(stream: IO[bytes], table: Table, catalog: Catalog) -> str | None:
    """The path of the CSV file behind `stream` when a worker should validate it, else None."""
    name = getattr(stream, "name", None)
    if table.encoding is None or not isinstance(name, str) or (os.cpu_count() or 1) < 2:
        return None
    if os.name != "posix" or not os.path.basename(sys.executable or "").startswith("python"):
        return None  # no interpreter to start (embedded), or no descriptor passing
    if catalog is not default_catalog():  # the worker loads the packaged catalog itself
        return None
    try:
        opened, named = os.fstat(stream.fileno()), os.stat(name)
    except (OSError, AttributeError, ValueError):
        return None
    if (opened.st_dev, opened.st_ino) != (named.st_dev, named.st_ino):
        return None
    return name if stat.S_ISREG(named.st_mode) and named.st_size >= WORKER_MIN_BYTES else None


def _chunks_from_worker(path: str, spec: ImportSpec, ctx: RowContext, keys: Keys,
                        catalog: Catalog) -> Iterator[tuple[ValidatedRows, int]]:
    """Chunks validated by a worker process, each with the bytes it has read so far.

    The worker is `python -m chengxin.records.imports`, not a multiprocessing child, so that
    it never re-runs the caller's main module. The job (with the keys) goes in on its stdin,
    results come back as length-prefixed marshal blobs on a pipe of their own."""
    read_fd, write_fd = os.pipe()
    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (package_root, os.environ.get("PYTHONPATH")) if p)}
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", "chengxin.records.imports", str(write_fd)], stdin=subprocess.PIPE,
            pass_fds=(write_fd,), env=env, close_fds=True)
    finally:
        os.close(write_fd)
    results = os.fdopen(read_fd, "rb")
    try:
        assert worker.stdin is not None
        job = (path, spec.item_code, spec.department_code, ctx.today, keys, spec.chunk_rows,
               catalog.version)
        with contextlib.suppress(BrokenPipeError):  # a worker that died is reported just below
            worker.stdin.write(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
            worker.stdin.close()
        while True:
            head = results.read(8)
            if len(head) < 8:
                raise RuntimeError(f"validation worker exited unexpectedly ({worker.wait()})")
            message = marshal.loads(results.read(int.from_bytes(head, "big")))
            if message[0] == "chunk":
                yield _unpack(message[1], catalog), message[2]
            elif message[0] == "done":
                return
            elif message[0] == "error":
                _, file_error, code, text, status = message
                raise FileError(code, text) if file_error else DomainError(code, text, status)
            else:
                raise RuntimeError(f"validation worker failed:\n{message[1]}")
    finally:
        results.close()
        if worker.poll() is None:
            worker.kill()
        worker.wait()


def _validate_file(write_fd: int) -> None:
    """Worker process: read the CSV file, validate it chunk by chunk, send the results."""
    out = os.fdopen(write_fd, "wb")

    def send(message: tuple[Any, ...]) -> None:
        blob = marshal.dumps(message)
        out.write(len(blob).to_bytes(8, "big"))
        out.write(blob)
        out.flush()

    try:
        path, item_code, department_code, day, keys, size, version = pickle.load(sys.stdin.buffer)
        catalog = default_catalog()
        if catalog.version != version:
            raise RuntimeError(f"catalog {catalog.version} is not the importer's {version}")
        ctx = RowContext(catalog, department_code, day, keys.hasher(), item_code)
        # This process makes no reference cycles worth a collector pass per few hundred rows
        # (about a tenth of its time); it collects every few chunks instead.
        gc.disable()
        with open(path, "rb") as stream:
            table = read_csv(stream)
            chunks = _chunks_here(table, RowMapper(table.headers, catalog, item_code), size)
            for n, (chunk, position) in enumerate(chunks, 1):
                send(("chunk", _pack(validate_rows(ctx, chunk)), position))
                if n % 20 == 0:
                    gc.collect()
        send(("done",))
    except DomainError as exc:
        send(("error", isinstance(exc, FileError), exc.code, exc.message, exc.status))
    except BrokenPipeError:
        pass  # the importer stopped reading: it failed or was interrupted
    except BaseException:
        send(("crash", traceback.format_exc()))
    finally:
        with contextlib.suppress(BrokenPipeError):
            out.close()


# A validated chunk crosses the pipe as marshal data, not pickles: plain tuples of strings,
# numbers and None, dates in ISO form. Pickle memoises every object and spent more time on a
# chunk than validating it did; marshal writes the same values at a fraction of the cost, and
# both ends are the same interpreter (the worker is started from sys.executable), which is
# all marshal's format needs. Catalog items do not travel (they hold mapping proxies): a row
# names its item and is rebuilt against this process's catalog. Nor does a row's data dict:
# its canonical JSON is what is stored, and the few rows that need the dict (list entries)
# decode it (ValidRow.data).

def _pack(checked: ValidatedRows) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int, int, list[Any]]:
    rows = []
    for r in checked.valid:
        ident = r.identifier
        rows.append((
            r.row, r.item.code, r.subject_kind, r.subject_key,
            None if ident is None else (
                ident.id_type, ident.number, ident.birth_date and ident.birth_date.isoformat(),
                ident.sex, ident.region_code, ident.warnings),
            r.person_name, r.uscc, r.org_name, r.source_record_id, r.decision_date.isoformat(),
            r.severity, r.severity_reason, r.data_json, r.content_hash,
            [_issue(w) for w in r.warnings] if r.warnings else None, r.data_domain,
        ))
    return rows, [_issue(i) for i in checked.issues], checked.rejected, checked.last_row, checked.refused


def _issue(issue: Issue) -> tuple[Any, ...]:
    return issue.row, issue.field, issue.code, issue.message, issue.level


def _unpack(packed: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int, int, list[Any]],
            catalog: Catalog) -> ValidatedRows:
    rows, issues, rejected, last_row, refused = packed
    item = catalog.item
    day = date.fromisoformat
    valid = []
    for (number, code, kind, key, ident, person_name, uscc, org_name, source_id, decided, severity,
         reason, data_json, digest, warnings, domain) in rows:
        found = item(code)
        if found is None:
            raise RuntimeError(f"validation worker used an item this catalog lacks: {code}")
        if ident is not None:
            id_type, id_number, born, sex, region, id_warnings = ident
            ident = Identifier(id_type, id_number, born and day(born), sex, region, id_warnings)
        valid.append(ValidRow(
            number, found, kind, key, ident, person_name, uscc, org_name, source_id, day(decided),
            severity, reason, data_json, digest, [Issue(*w) for w in warnings] if warnings else [],
            data_domain=domain))
    return ValidatedRows(valid, [Issue(*i) for i in issues], rejected, last_row,
                         [(number, values) for number, values in refused])


if __name__ == "__main__":
    _validate_file(int(sys.argv[1]))


def interrupt_abandoned_imports(factory: sessionmaker[Session], settings: Settings) -> list[Batch]:
    """Mark interrupted the imports whose process is gone (at server start-up and every jobs run);
    their batches keep the counts of the chunks they committed. Returns them."""
    with factory() as session:  # the usual case, nothing running: no write lock taken
        if not repository.running_batches(session):
            return []
    with unit_of_work(factory) as session:  # takes the write lock first
        stopped = service.interrupt_abandoned(session, timedelta(seconds=settings.import_lease_seconds))
    for batch in stopped:
        log.warning("import %s interrupted after row %s", batch.id, batch.rows_through)
    return stopped


def import_upload(factory: sessionmaker[Session], catalog: Catalog, keys: Keys, settings: Settings,
                  department: str, upload: UploadFile, item_code: str | None) -> Batch:
    """An uploaded CSV/XLSX file (API or page), imported like any other; returns its batch."""
    if (upload.size or 0) > settings.max_upload_bytes:
        raise DomainError("FILE_TOO_LARGE", f"文件超过上限 {settings.max_upload_bytes // (1024 * 1024)} MB", 413)
    name = os.path.basename((upload.filename or "upload.csv").replace("\\", "/"))[:255]
    spec = ImportSpec(department, name or "upload.csv", item_code or None, settings.import_chunk_rows,
                      settings.max_issues_per_code, settings.rejected_rows_days)
    return run_import(factory, catalog, keys, upload.file, spec)
