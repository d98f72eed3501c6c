"""Access-log entries of many requests written in one transaction (group commit).

For public routes that read a little and must log it, such as the verification of a report: a
request reads in a transaction that only reads (concurrently with others, no write lock on
SQLite), then hands its entries here and is answered once they are committed. Entries that arrive
while a group is being written form the next group, so under load one transaction carries many
requests' entries and the write lock is taken once for all of them; under light load a group is
one entry. Nothing is answered before its entry is durable, as with any other read.
"""

from __future__ import annotations

import asyncio
from typing import Any

from anyio import to_thread

from chengxin.access.service import _insert_mixed
from chengxin.db import unit_of_work

MAX_GROUP = 256

Waiting = tuple[list[tuple[Any, ...]], "asyncio.Future[None]"]


class GroupedLog:
    """`app.state.grouped_log`: `await append(rows)` returns once the rows are committed."""

    def __init__(self, state: Any) -> None:
        self.state = state  # read at each group: tests swap `state.sessionmaker`
        self.queue: list[Waiting] = []
        self.task: asyncio.Task[None] | None = None

    async def append(self, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.queue.append((rows, future))
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._drain())
        await future

    async def _drain(self) -> None:
        while self.queue:
            group, self.queue = self.queue[:MAX_GROUP], self.queue[MAX_GROUP:]
            rows = [row for entries, _ in group for row in entries]
            try:
                await to_thread.run_sync(self._write, rows)
            except BaseException as exc:  # each waiting request answers with the error
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for _, future in group:
                if not future.done():
                    future.set_result(None)

    def _write(self, rows: list[tuple[Any, ...]]) -> None:
        with unit_of_work(self.state.sessionmaker) as session:
            _insert_mixed(session, rows)
