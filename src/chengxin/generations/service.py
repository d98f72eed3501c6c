"""Following the counters: each serving process polls them and reacts when one moves.

A process caches what it verified (credentials, for `auth_cache_seconds`) and what is in force
(the catalog and measure list). A change made through another process bumps a counter in the
change's own transaction; this process reads the counters every `sync_seconds` (one primary-key
read) and, when one has moved, drops its credential cache or reloads the editions. So a revoked
token is refused, and a new edition is in force, in every process within that bound.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from chengxin.db import WRITES
from chengxin.generations import repository as repo

log = logging.getLogger("chengxin.generations")


class GenerationWatch:
    """The counters this process last saw, and what to do when each moves."""

    def __init__(self, engine: Engine, handlers: Mapping[str, Callable[[], None]]) -> None:
        self.engine = engine
        self.handlers = dict(handlers)
        self.seen: dict[str, int] | None = None

    def read(self) -> dict[str, int]:
        with self.engine.connect().execution_options(**{WRITES: False}) as conn:
            return repo.read(conn)

    def baseline(self) -> None:
        """Take the counters as they are now (before loading what they guard)."""
        try:
            self.seen = self.read()
        except DBAPIError:  # not upgraded yet: the first poll takes them
            self.seen = None

    def poll(self) -> list[str]:
        """Read the counters; run the handler of each that moved since the last read. Returns their names."""
        values = self.read()
        moved = [] if self.seen is None else sorted(n for n in values if values[n] != self.seen.get(n))
        for name in moved:  # a handler that fails leaves the counters unseen: the next poll runs it again
            handler = self.handlers.get(name)
            if handler is not None:
                handler()
        self.seen = values
        return moved

    def start(self, every: float) -> threading.Event:
        """Poll every `every` seconds in a daemon thread; set the event to stop."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(every):
                try:
                    self.poll()
                except Exception as exc:  # the database away for a moment: the next poll catches up
                    log.warning("generation poll failed: %s", type(exc).__name__)

        threading.Thread(target=loop, name="chengxin-generations", daemon=True).start()
        return stop
