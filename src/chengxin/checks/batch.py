"""Batch checks: many identifiers, answered line by line as soon as each chunk is done."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from chengxin import ids
from chengxin.callers import Caller
from chengxin.checks import processes as in_processes
from chengxin.checks.render import compact_line
from chengxin.checks.repository import check_transaction
from chengxin.checks.service import CheckContext, CheckRows, Outcome, plan_checks, record_checks, run_checks
from chengxin.crypto import Keys
from chengxin.heap import fewer_collections
from chengxin.identity.rules import ID_TYPE_BY_LABEL, IdentityError, parse_identifier
from chengxin.keyring.service import pick
from chengxin.masking import mask_id
from chengxin.replicas import StandbyReads

FIRST_CHUNK = 200  # small, so the first answers leave at once
# 5,000 rather than 10,000: the last chunks, decided after every identifier is read, end sooner
# (100,000 on the 1 M-record database, warm: 5.9-6.4 s against 6.2-6.6 s, paired runs).
CHUNK = 5_000
SQLITE_CHUNK = 25_000  # one writer at a time there: fewer, bigger transactions write each index page fewer times
PARALLEL_CHUNKS = 2  # SQLite: one chunk reads and decides while the other writes
# PostgreSQL: a large database cannot keep every person's rows in memory, and a chunk's read then
# waits on the disk for most of its time; four chunks keep four reads under way (measured on the
# city database with a cold cache: 22.4 s for 100,000 with two, 16.8 s with four; warm, 6.0 s
# and 6.1-6.5 s: the deciding, in this process, is the same work either way).
PG_PARALLEL_CHUNKS = 4
IN_PROCESS_CHUNKS = 2  # PostgreSQL: chunks checked in threads before worker processes take the rest


@dataclass(frozen=True, slots=True)
class Wanted:
    line: int
    id_type: str
    id_number: str
    ref: str | None = None


# A line to check: (line, ref, subject key, masked number). Plain values, so that the garbage
# collector stops tracking it at once (a batch holds tens of thousands at a time).
Todo = tuple[int, str | None, str, str]


def as_wanted(line: int, raw: object) -> Wanted | dict[str, Any]:
    """A batch element (a bare number or an object) as a request, or an error line."""
    if isinstance(raw, str):
        return Wanted(line, "citizen_id", raw)
    if isinstance(raw, dict):
        number = raw.get("id_number")
        id_type = raw.get("id_type") or "citizen_id"
        ref = raw.get("ref")
        if isinstance(number, str) and isinstance(id_type, str) and (ref is None or isinstance(ref, str)):
            return Wanted(line, ID_TYPE_BY_LABEL.get(id_type, id_type), number, (ref or None) and ref[:100])
    return error_line(line, None, "BATCH_ITEM_INVALID", "每一项应为证件号码字符串或 {id_type, id_number, ref} 对象")


def error_line(line: int, ref: str | None, code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"line": line, "ref": ref, "error": {"code": code, "message": message, **extra}}


def run_batch(
    factory: sessionmaker[Session], ctx: CheckContext, keys: Keys, caller: Caller,
    items: Iterable[Wanted | dict[str, Any]], *, scenario: str, business_ref: str | None,
    purpose: str, as_of: date, standby: StandbyReads | None = None, processes: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield one answer per input line, in input order, committing each chunk as it goes."""
    for lines in run_batch_chunks(factory, ctx, keys, caller, items, scenario=scenario,
                                  business_ref=business_ref, purpose=purpose, as_of=as_of, standby=standby,
                                  processes=processes):
        yield from lines


def run_batch_chunks(
    factory: sessionmaker[Session], ctx: CheckContext, keys: Keys, caller: Caller,
    items: Iterable[Wanted | dict[str, Any]], *, scenario: str, business_ref: str | None,
    purpose: str, as_of: date, render: Callable[[int, str | None, str, Outcome], Any] = compact_line,
    standby: StandbyReads | None = None, processes: int | None = None,
) -> Iterator[list[Any]]:
    """`run_batch`, a chunk of answers at a time (the last chunk ends with the summary line).
    An answer is `render(line, ref, masked number, outcome)` (the line's dict by default; the
    API writes its NDJSON text straight away); an error line is always its dict.

    Each chunk is checked and recorded in a worker thread, while this thread reads and hashes the
    identifiers of the next (SQLite and the database driver let go of the interpreter while they
    work). Several chunks are checked at once (`_workers`), on connections of their own, so that
    one's Python work runs while the others wait on the database. On PostgreSQL each chunk is one
    transaction. On SQLite, which has one writer at a time, a chunk is read and decided in a read
    transaction, then recorded in a write transaction: one chunk's reads and decisions run while
    the other's rows are written. Either way a check is answered only once it is committed and logged, and
    the answers come out in input order.

    With `standby` (read replicas), a chunk is read and decided on a standby within the lag bound
    that has replayed the caller's own writes, then recorded on the primary; when none may serve
    it, or the read there fails, the chunk is read on the primary as without replicas.

    On PostgreSQL, without replicas and while no person is being re-keyed, the chunks are checked
    in worker processes instead of threads from the third chunk on (`chengxin.checks.processes`;
    `processes` of them, None: one per core up to four, 0: threads).
    """
    batch_id = ids.new_id()
    workers = _workers(factory)
    chunk_size = SQLITE_CHUNK if _is_sqlite(factory) else CHUNK
    apart = workers > 0 and _is_sqlite(factory)  # reads apart from the write (see check_chunk)
    hasher, previous = keys.hasher(), keys.previous_hasher()
    old_of: dict[str, str] = {}  # new key -> old key, only while persons are being re-keyed
    first_line: dict[str, int] = {}
    counts = {"total": 0, "errors": 0, "block": 0, "review": 0, "green": 0, "clear": 0}
    pending: list[Todo | dict[str, Any]] = []
    size = FIRST_CHUNK

    def check_chunk(chunk: list[Todo | dict[str, Any]]) -> tuple[list[Any], Counter[str]]:
        return check_lines(factory, ctx, caller, chunk, scenario=scenario, business_ref=business_ref,
                           purpose=purpose, as_of=as_of, batch_id=batch_id, render=render, apart=apart,
                           old_of=old_of, plan_elsewhere=plan_on_standby if standby is not None else None)

    def plan_on_standby(todo: list[str]) -> CheckRows | None:
        """Read and decide a chunk on a standby (nothing is written there), or None."""
        assert standby is not None
        reads = standby
        taken = reads.session()
        if taken is None:
            return None
        session, replica = taken  # connected: its transaction has begun
        try:
            return plan_checks(session, ctx, caller, todo, scenario=scenario, business_ref=business_ref,
                               purpose=purpose, as_of=as_of, batch_id=batch_id)
        except DBAPIError:
            reads.failed(replica)
            return None
        finally:
            session.close()  # it only read: rolled back

    def tally(answer: tuple[list[Any], Counter[str]]) -> list[Any]:
        lines, decisions = answer
        for decision, n in decisions.items():
            counts[decision] += n
        return lines

    def chunks() -> Iterator[list[Todo | dict[str, Any]]]:
        nonlocal pending, size
        for item in items:
            counts["total"] += 1
            if isinstance(item, dict):
                pending.append(item)
            else:
                try:
                    ident = parse_identifier(item.id_type, item.id_number, as_of)
                except IdentityError as exc:
                    pending.append(error_line(item.line, item.ref, exc.code, exc.message))
                else:
                    key = hasher(ident.id_type, ident.number)
                    if key in first_line:
                        pending.append(error_line(item.line, item.ref, "BATCH_DUPLICATE",
                                                  f"与第 {first_line[key]} 行重复，已按该行作答",
                                                  first_line=first_line[key]))
                    else:
                        first_line[key] = item.line
                        if previous is not None:
                            old_of[key] = previous(ident.id_type, ident.number)
                        pending.append((item.line, item.ref, key, mask_id(ident.number)))
            if len(pending) >= size:
                yield pending
                pending = []
                size = chunk_size
        if pending:
            yield pending

    bind = factory.kw.get("bind")
    # Worker processes only for what threads cannot do as well (see chengxin.checks.processes), and
    # from the third chunk on: a batch that fits in two (5,200 identifiers) is done in the time
    # processes would take to start where none are running yet (the CLI; `serve` starts them).
    may_spread = workers and standby is None and previous is None and isinstance(bind, Engine)
    if not workers:
        for chunk in chunks():
            yield tally(check_chunk(chunk))
    else:
        with fewer_collections(), ThreadPoolExecutor(workers, thread_name_prefix="batch-check") as pool:
            running: deque[Future[tuple[list[Any], Counter[str]]]] = deque()
            elsewhere: in_processes.Chunks | None = None
            try:
                for n, chunk in enumerate(chunks()):
                    if n == IN_PROCESS_CHUNKS and may_spread and (procs := in_processes.pool_for(bind, processes)):
                        elsewhere = in_processes.chunks_for(
                            procs, ctx, caller, scenario=scenario, business_ref=business_ref, purpose=purpose,
                            as_of=as_of, batch_id=batch_id, render=render)
                    running.append(elsewhere.submit(chunk) if elsewhere else pool.submit(check_chunk, chunk))
                    if len(running) > workers:  # one more ready to start than are working
                        yield tally(running.popleft().result())
                while running:
                    yield tally(running.popleft().result())
            finally:
                for future in running:
                    future.cancel()
    yield [{"summary": {"batch_id": batch_id, **counts}}]


def check_lines(
    factory: sessionmaker[Session], ctx: CheckContext, caller: Caller, chunk: list[Todo | dict[str, Any]], *,
    scenario: str, business_ref: str | None, purpose: str, as_of: date, batch_id: str,
    render: Callable[[int, str | None, str, Outcome], Any], apart: bool = False,
    old_of: dict[str, str] | None = None, plan_elsewhere: Callable[[list[str]], CheckRows | None] | None = None,
    now: datetime | None = None,
) -> tuple[list[Any], Counter[str]]:
    """Check and record a chunk's persons in one transaction: its answers in input order (error
    lines as they came) and the count of each decision. `apart` (SQLite): read and decide in a
    read transaction, then take the write lock only to record. `old_of`: new key -> old key while
    persons are re-keyed. `plan_elsewhere`: read and decide on a standby (None when none may).
    `now`: when the checks are made (the clock's now; a worker process is given its server's)."""
    todo = [p[2] for p in chunk if isinstance(p, tuple)]
    done: list[Outcome] = []
    if todo and apart:
        # SQLite: the other worker reads and decides the next chunk meanwhile.
        with factory() as session, session.begin():
            if old_of:
                todo = pick(session, [(k, old_of.get(k)) for k in todo])
            planned = plan_checks(session, ctx, caller, todo, scenario=scenario, business_ref=business_ref,
                                  purpose=purpose, as_of=as_of, batch_id=batch_id, now=now)
        with check_transaction(factory, len(todo)) as session:
            done = record_checks(session, caller, planned, scenario=scenario, business_ref=business_ref,
                                 purpose=purpose, action="batch_check")
    elif todo:
        # Re-keying persons reads the keyring on the primary: then the whole chunk stays there.
        planned = plan_elsewhere(todo) if plan_elsewhere is not None and not old_of else None
        with check_transaction(factory, len(todo)) as session:
            if planned is not None:
                done = record_checks(session, caller, planned, scenario=scenario, business_ref=business_ref,
                                     purpose=purpose, action="batch_check")
            else:
                if old_of:
                    todo = pick(session, [(k, old_of.get(k)) for k in todo])
                done = run_checks(session, ctx, caller, todo, scenario=scenario, business_ref=business_ref,
                                  purpose=purpose, as_of=as_of, batch_id=batch_id, action="batch_check", now=now)
    outcomes = iter(done)
    decisions = Counter(o.decision for o in done)
    decisions["errors"] = len(chunk) - len(done)
    return [render(p[0], p[1], p[3], next(outcomes)) if isinstance(p, tuple) else p for p in chunk], decisions


def _is_sqlite(factory: sessionmaker[Session]) -> bool:
    bind = factory.kw.get("bind")
    return bind is not None and bind.dialect.name == "sqlite"


def _workers(factory: sessionmaker[Session]) -> int:
    """Threads checking chunks, each on a connection of its own: two on SQLite (one writes while
    the other reads), four on PostgreSQL (reads waiting on the disk overlap); none when sessions
    share one connection (as in tests)."""
    bind = factory.kw.get("bind")
    if not isinstance(bind, Engine):
        return 0
    return PG_PARALLEL_CHUNKS if bind.dialect.name == "postgresql" else PARALLEL_CHUNKS
