"""The access log's future partitions (PostgreSQL): kept ahead of the sequence by the jobs.

The log is range-partitioned by seq (see migration b8partitions0022 for why). Each run makes sure
`AHEAD` empty partitions wait above the highest seq given out. Should the jobs stop for long
enough that the sequence passes the last partition, the inserts land in the DEFAULT partition
(none fails), and the next run moves those rows into partitions of their own. Sealing is
untouched: rows keep their seq, and the tree is built by seq whatever partition holds them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from chengxin.access import repository as repo
from chengxin.db import unit_of_work

AHEAD = 2
LOCK_TIMEOUT_MS = 5_000  # a busy log is left for the next run rather than blocked behind a lock


@dataclass(frozen=True, slots=True)
class PartitionRun:
    created: int  # partitions created
    moved: int  # rows moved out of the DEFAULT partition


def wanted(ranges: Sequence[tuple[int, int]], top: int, width: int, ahead: int = AHEAD,
           stray: Iterable[int] = ()) -> list[tuple[int, int]]:
    """The partitions [n·width, (n+1)·width) still missing (pure): the one holding `top`, the highest
    seq given out, and `ahead` above it; and those holding rows found in the DEFAULT partition
    (`stray`: their n). One overlapping an existing partition (after a change of width) is not made."""
    slots = set(range(top // width, top // width + ahead + 1)) | set(stray)
    spans = [(n * width, (n + 1) * width) for n in sorted(slots) if n >= 0]
    return [(lo, hi) for lo, hi in spans if not any(a < hi and lo < b for a, b in ranges)]


def ensure(session: Session, width: int | None = None, ahead: int = AHEAD) -> PartitionRun:
    """In the session's transaction: add the partitions `wanted` says, moving rows out of the
    DEFAULT partition into them when some sit there. Nothing on a log that is not partitioned."""
    parts = repo.log_partitions(session)
    if parts is None or not _plan(session, parts, width, ahead)[0]:
        return PartitionRun(0, 0)  # the usual run: a few catalog reads, no lock
    repo.lock_partitions(session, LOCK_TIMEOUT_MS)
    parts = repo.log_partitions(session)  # another process may have made them meanwhile
    assert parts is not None
    bounds, stray, size = _plan(session, parts, width, ahead)
    if not bounds:
        return PartitionRun(0, 0)
    if stray and parts.default is not None:
        return PartitionRun(len(bounds), repo.split_log_default(session, parts.default, bounds, size))
    repo.create_log_partitions(session, bounds, size)
    return PartitionRun(len(bounds), 0)


def _plan(session: Session, parts: repo.LogPartitions, width: int | None,
          ahead: int) -> tuple[list[tuple[int, int]], list[int], int]:
    """(partitions to make, slots of the DEFAULT partition's rows, width). The width is the one
    asked for, else the newest partition's (an operator may have widened it)."""
    if not width:
        width = parts.ranges[-1][1] - parts.ranges[-1][0] if parts.ranges else repo.LOG_PARTITION_WIDTH
    stray = repo.default_slots(session, parts.default, width) if parts.default else []
    return wanted(parts.ranges, repo.sequence_top(session), width, ahead, stray), stray, width


def ensure_all(factory: sessionmaker[Session]) -> PartitionRun:
    with unit_of_work(factory) as session:
        return ensure(session)
