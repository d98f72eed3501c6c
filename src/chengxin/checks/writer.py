"""Group commit of single checks.

A check is committed before it is answered. Committed one by one, each check paid for a
transaction of its own (a session, the write lock, a commit) and for a trip to a worker thread
and back, with the interpreter lock handed between the threads at every database call on the
way: together several times the cost of the check itself. So single checks queue here. The
checks that arrive while a group is being written form the next group, which is read in one
go and written and committed in one transaction (`service.run_check_group`: each check keeps
its own check row and its own access-log entry in that transaction), and each request is
answered once its group has committed. Under light load a group is one check; under heavy load
groups grow and the cost per check falls, which is what keeps the queue short.

On SQLite a group runs on the event loop itself: the database is in-process, a group takes a
fraction of a millisecond and a worker thread would only add the hops. If another transaction
holds the write lock the group goes to a worker thread that waits for it instead, so the loop
never blocks on a lock.

On PostgreSQL, whose round trips wait on the network, a group runs on the event loop too, on
an autocommit asyncio psycopg connection the writer keeps (`service.run_check_group_async`:
two statements, the read, then one write statement that commits the check rows, hits and
access-log entries together), so the loop serves other requests while the database works. An
explicit transaction in pipeline mode took the same two round trips, but the driver's work
for BEGIN, COMMIT and the pipeline cost about a third of a millisecond of CPU per group. In a
worker thread instead, each group waited for the interpreter lock at every return from the
network (the loop holds it while it serves requests), which doubled a group's time and halved
the checks per second. Groups that must look under two keys while the hash secret is being
rotated, and sessions bound to a single connection rather than an engine (tests), still go to
a worker thread (`_transaction`).

The thread path runs on a connection the writer keeps (`repository.writer_connection`, given
back after any error): taking one from the pool for each group would cost a ping on PostgreSQL,
and on SQLite setting and resetting the busy timeout around every group.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from functools import partial
from typing import Any

import psycopg
from anyio import to_thread
from sqlalchemy.engine import Connection, Engine

from chengxin.checks import repository as repo
from chengxin.checks import service
from chengxin.checks.service import CheckRequest, Outcome
from chengxin.db import driver_args

MAX_GROUP = 128  # checks per transaction; beyond that a group gains little and delays its first answer

Waiting = tuple[CheckRequest, "asyncio.Future[Outcome]"]


class CheckWriter:
    """`app.state.check_writer`: checks single checks in groups, one event loop's worth at a time."""

    def __init__(self, state: Any) -> None:
        self.state = state  # read at each group: tests swap `state.sessionmaker`
        self.queue: list[Waiting] = []
        self.drainer: asyncio.Task[None] | None = None
        self.on_loop = state.engine.dialect.name == "sqlite"
        self.held: Connection | None = None  # the connection kept between groups
        # PostgreSQL: the asyncio connection of the groups run on the loop, and the loop and
        # engine it was made for (a connection serves one event loop).
        self.live: psycopg.AsyncConnection[Any] | None = None
        self.live_for: tuple[asyncio.AbstractEventLoop, Engine] | None = None
        self.groups = self.checked = 0  # groups written and checks in them (for tests and profiling)

    async def check(self, request: CheckRequest) -> Outcome:
        """Check and record one person; returns once the check is committed."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.queue.append((request, future))
        if self.drainer is None:
            self.drainer = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            # Let the requests that are under way in this turn of the loop join the first group.
            size = -1
            while size != len(self.queue) and len(self.queue) < MAX_GROUP:
                size = len(self.queue)
                await asyncio.sleep(0)
            while self.queue:
                group, self.queue = self.queue[:MAX_GROUP], self.queue[MAX_GROUP:]
                await self._write(group)
        finally:
            self.drainer = None
            for _, future in self.queue:  # only left when this task was cancelled
                future.cancel()
            self.queue = []

    async def _write(self, group: list[Waiting]) -> None:
        try:
            outcomes = await self._run([request for request, _ in group])
        except Exception as exc:
            if len(group) == 1:
                _settle(group[0][1], exc=exc)
                return
            for one in group:  # one bad check must not fail the others: each alone
                await self._write([one])
            return
        for (_, future), outcome in zip(group, outcomes, strict=True):
            _settle(future, outcome)

    async def _run(self, requests: list[CheckRequest]) -> list[Outcome]:
        self.groups += 1
        self.checked += len(requests)
        if self.on_loop:
            try:
                return self._transaction(requests, wait=False)
            except repo.WriterBusy:
                pass
        else:
            engine = self._engine()
            if engine is not None and engine.dialect.name == "postgresql" and all(
                    r.old_key is None for r in requests):
                return await self._on_loop_pg(engine, requests)
        return await to_thread.run_sync(self._transaction, requests, True)

    async def _on_loop_pg(self, engine: Engine, requests: list[CheckRequest]) -> list[Outcome]:
        state = self.state
        ctx = service.CheckContext(state.catalog, state.measures, state.tiers, state.points)
        conn = await self._live_connection(engine)
        try:
            return await service.run_check_group_async(conn, ctx, requests)
        except Exception:
            # A failed statement of an autocommit connection leaves no transaction behind; a
            # connection that is broken or somehow inside one is replaced for the next group.
            if conn.broken or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self.close_live()
            raise
        except BaseException:  # cancelled mid-way: the connection's state is unknown
            self.close_live()
            raise

    async def _live_connection(self, engine: Engine) -> psycopg.AsyncConnection[Any]:
        loop = asyncio.get_running_loop()
        conn = self.live
        if conn is not None and (conn.closed or conn.broken or self.live_for != (loop, engine)):
            self.close_live()
            conn = None
        if conn is None:
            # The engine's own connection arguments (and SQLAlchemy's type adapters), so rows
            # read here are the values the thread path reads.
            cargs, cparams = engine.dialect.create_connect_args(engine.url)
            conn = await psycopg.AsyncConnection.connect(*cargs, autocommit=True, **cparams, **driver_args(engine))
            self.live, self.live_for = conn, (loop, engine)
        return conn

    def close_live(self) -> None:
        """Close the PostgreSQL connection of the groups run on the loop, from any thread or loop."""
        conn, self.live, self.live_for = self.live, None, None
        if conn is not None:
            with suppress(Exception):
                conn.pgconn.finish()

    async def aclose(self) -> None:
        """Give back the connections the writer keeps (the app's shutdown)."""
        conn, self.live, self.live_for = self.live, None, None
        if conn is not None:
            with suppress(Exception):
                await conn.close()
        self._let_go()

    def _transaction(self, requests: list[CheckRequest], wait: bool) -> list[Outcome]:
        state = self.state
        ctx = service.CheckContext(state.catalog, state.measures, state.tiers, state.points)
        try:
            with repo.check_transaction(self._factory(), len(requests), wait=wait) as session:
                return service.run_check_group(session, ctx, requests)
        except BaseException:
            self._let_go()  # whatever went wrong, the next group starts on a fresh connection
            raise

    def _engine(self) -> Engine | None:
        """The engine `state.sessionmaker` makes sessions of (None when bound to one connection)."""
        bind = getattr(self.state.sessionmaker, "kw", {}).get("bind")
        return bind if isinstance(bind, Engine) else None

    def _factory(self) -> Any:
        """`state.sessionmaker`, bound to the connection the writer keeps when it makes sessions
        of an engine (taken from that engine's pool once)."""
        factory = self.state.sessionmaker
        bind = self._engine()
        if bind is None:
            return factory
        held = self.held
        if held is None or held.engine is not bind or held.closed or held.invalidated:
            self._let_go()
            held = self.held = repo.writer_connection(bind)
        return partial(factory, bind=held)

    def _let_go(self) -> None:
        held, self.held = self.held, None
        if held is not None:
            with suppress(Exception):  # a broken connection may fail to close: the pool drops it
                repo.give_back(held)  # back to the pool, which resets it


def _settle(future: asyncio.Future[Outcome], outcome: Outcome | None = None, exc: BaseException | None = None) -> None:
    if future.done():  # the request was cancelled (its client went away); the check stands
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(outcome)  # type: ignore[arg-type]
