"""Batch checks in worker processes (PostgreSQL).

A batch check's own Python work (reading each chunk's rows, deciding, writing its check rows
and access-log entries, writing its answers) held the interpreter lock for about 85 % of the
batch: one core's worth, however many threads checked chunks. On PostgreSQL every chunk is a
transaction of its own on a connection of its own, so a chunk can as well be checked in
another process. The request's process reads, validates and hashes the identifiers and
streams the answers; a few worker processes (`CHENGXIN_BATCH_PROCESSES`, by default one per
core up to four) check the chunks, each on its own engine, and give back the chunk's answers
already written out and its decision counts. A chunk is answered only once its worker has
committed it, as in a thread.

The worker processes are started once per server process and database (`spawn`: the server
has threads; a worker imports the platform afresh) and kept; `chengxin serve` starts them with
the server so that no batch waits for them. The request's check context (catalog, measure list,
tiers, points model) goes with each chunk as one pickled value, unpickled once per worker
(kept by its digest), so a worker decides by exactly what the request's process holds.

Not here: SQLite (one writer: the threads' split of reading and writing is what pays there),
persons being re-keyed (the keyring is read on the primary, chunk by chunk) and read replicas
(a chunk is read on a standby chosen by the request's process): those batches stay in threads.
"""

from __future__ import annotations

import copyreg
import hashlib
import logging
import multiprocessing
import os
import pickle
import threading
import time
import types
from collections import Counter, OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from chengxin.clock import utcnow

if TYPE_CHECKING:
    from collections.abc import Callable

    from chengxin.callers import Caller
    from chengxin.checks.service import CheckContext, Outcome

log = logging.getLogger(__name__)

MAX_PROCESSES = 4
PARENT_POLL_SECONDS = 1.0
KEPT_POOLS = 2  # databases with worker processes at once in one server (tests make many)


def _proxy(mapping: dict[Any, Any]) -> types.MappingProxyType[Any, Any]:
    return types.MappingProxyType(mapping)


def _reduce_proxy(proxy: types.MappingProxyType[Any, Any]) -> tuple[Any, tuple[dict[Any, Any]]]:
    return _proxy, (dict(proxy),)


# The catalog and measure list hold read-only mappings; pickled as their contents and rebuilt.
copyreg.pickle(types.MappingProxyType, _reduce_proxy)  # type: ignore[arg-type]


def default_processes() -> int:
    """One per core, up to four; none on a single core (a second process would only take turns)."""
    cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(MAX_PROCESSES, cores)


_lock = threading.Lock()
_pools: OrderedDict[tuple[str, bool, int], ProcessPoolExecutor] = OrderedDict()


def pool_for(engine: Engine, processes: int | None) -> ProcessPoolExecutor | None:
    """The worker processes checking batch chunks on `engine`'s database (started on first use),
    or None where chunks stay in threads (SQLite, no processes wanted)."""
    from chengxin.db import _through_pgbouncer

    count = default_processes() if processes is None else processes
    if count <= 0 or engine.dialect.name != "postgresql":
        return None
    key = (engine.url.render_as_string(hide_password=False), engine in _through_pgbouncer, count)
    with _lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = ProcessPoolExecutor(
                count, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
                initargs=(*key[:2], os.getpid()))
            while len(_pools) > KEPT_POOLS:
                _, old = _pools.popitem(last=False)
                old.shutdown(wait=False, cancel_futures=True)
        else:
            _pools.move_to_end(key)
        return pool


def start(engine: Engine, processes: int | None) -> None:
    """Start the worker processes now (`chengxin serve`), each ready with its connection."""
    pool = pool_for(engine, processes)
    if pool is not None:
        count = default_processes() if processes is None else processes
        for future in [pool.submit(_ready) for _ in range(count)]:
            future.result()


def forget(pool: ProcessPoolExecutor) -> None:
    """Drop a pool whose process died (BrokenProcessPool): the next batch starts a new one."""
    with _lock:
        for key, kept in list(_pools.items()):
            if kept is pool:
                del _pools[key]
    pool.shutdown(wait=False, cancel_futures=True)


def shutdown_all() -> None:
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


class Chunks:
    """One batch's submissions to the worker processes: its context pickled once."""

    def __init__(self, pool: ProcessPoolExecutor, ctx: CheckContext, caller: Caller, *, scenario: str,
                 business_ref: str | None, purpose: str, as_of: date, batch_id: str,
                 render: Callable[[int, str | None, str, Outcome], Any]) -> None:
        self.pool = pool
        blob = pickle.dumps(ctx, protocol=pickle.HIGHEST_PROTOCOL)
        self.args = (blob, hashlib.blake2b(blob, digest_size=16).digest(), caller, scenario, business_ref, purpose,
                     as_of, batch_id, render)

    def submit(self, chunk: list[Any]) -> Future[tuple[list[Any], Counter[str]]]:
        try:
            # The server's clock (tests and training deployments move it; a worker's runs on its own).
            future = self.pool.submit(_check, *self.args, utcnow(), chunk)
        except BrokenProcessPool:
            forget(self.pool)
            raise
        future.add_done_callback(self._broken)
        return future

    def _broken(self, future: Future[Any]) -> None:
        """A worker died (killed, out of memory): this batch fails, the next starts new workers."""
        if not future.cancelled() and isinstance(future.exception(), BrokenProcessPool):
            forget(self.pool)


def chunks_for(pool: ProcessPoolExecutor, ctx: CheckContext, caller: Caller, **batch: Any) -> Chunks | None:
    """`Chunks` for this batch, or None (its chunks stay in threads) when its context cannot be
    sent to another process: never expected, logged, and the batch is answered all the same."""
    try:
        return Chunks(pool, ctx, caller, **batch)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        log.warning("batch check context cannot go to a worker process (%s); checked in threads",
                    type(exc).__name__)
        return None


# In a worker process.
_factory: sessionmaker[Session] | None = None
_contexts: OrderedDict[bytes, CheckContext] = OrderedDict()


def _start(url: str, pgbouncer: bool, server: int) -> None:
    global _factory
    import gc

    from chengxin.db import make_engine, make_sessionmaker
    from chengxin.heap import BULK_THRESHOLD

    # A worker outlives nothing: when its server goes (even killed), it goes too, and a chunk it was
    # checking is rolled back with its connection. (The server's pid comes from the server: it may
    # have gone before this process got here.)
    threading.Thread(target=_follow, args=(server,), name="follow-server", daemon=True).start()
    # A chunk at a time, each on one connection; one more for a chunk that waits on a lock.
    engine = make_engine(url, pool_size=1, max_overflow=1, pgbouncer=pgbouncer)
    _factory = make_sessionmaker(engine)
    gc.collect()
    gc.freeze()  # the modules and the context stay; only a chunk's objects are collected
    gc.set_threshold(BULK_THRESHOLD, *gc.get_threshold()[1:])  # a worker does bulk work only


def _follow(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(0)


def _ready() -> int:
    assert _factory is not None
    with _factory() as session:
        session.connection()
    return os.getpid()


def _context(blob: bytes, digest: bytes) -> CheckContext:
    ctx = _contexts.get(digest)
    if ctx is None:
        ctx = _contexts[digest] = pickle.loads(blob)  # from the server's own process
        while len(_contexts) > 4:
            _contexts.popitem(last=False)
    return ctx


def _check(blob: bytes, digest: bytes, caller: Caller, scenario: str, business_ref: str | None, purpose: str,
           as_of: date, batch_id: str, render: Callable[[int, str | None, str, Outcome], Any], now: datetime,
           chunk: list[Any]) -> tuple[list[Any], Counter[str]]:
    from chengxin.checks.batch import check_lines

    assert _factory is not None
    return check_lines(_factory, _context(blob, digest), caller, chunk, scenario=scenario,
                       business_ref=business_ref, purpose=purpose, as_of=as_of, batch_id=batch_id, render=render,
                       now=now)
