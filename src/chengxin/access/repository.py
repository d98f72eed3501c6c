"""All SQL of the access log, its Merkle tree and its signed heads.

The sealer and the verifier read and write millions of rows, so they go through the
driver connection of the session's transaction (tuples, COPY on PostgreSQL) rather than
the ORM; listings and single look-ups use SQLAlchemy.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from chengxin.access.models import AccessEntry, AccessLeaf, AuditVerification, MerkleNode, TreeHead
from chengxin.access.rules import LEAF_FIELDS
from chengxin.departments.models import Department
from chengxin.organisations.models import Organisation

ENTRY_COLUMNS = ", ".join(LEAF_FIELDS)  # access_log columns in leaf order
SEALER_LOCK = 0x63786175_64697431  # pg_advisory_xact_lock key of the sealer ("cxaudit1")
STREAM_ROWS = 20_000
_CURSORS = itertools.count()


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _driver(session: Session) -> Any:
    return session.connection().connection.driver_connection


def _sql(session: Session, text: str) -> str:
    """Our SQL uses `?` placeholders; psycopg wants `%s`."""
    return text.replace("?", "%s") if _is_postgres(session) else text


def _stream(session: Session, text: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
    """Rows of a large query without holding them all: a server-side cursor on PostgreSQL,
    the lazily stepped sqlite3 cursor on SQLite."""
    conn = _driver(session)
    if _is_postgres(session):
        with conn.cursor(name=f"chengxin_audit_{next(_CURSORS)}") as cur:
            cur.itersize = STREAM_ROWS
            cur.execute(text.replace("?", "%s"), params)
            yield from cur
        return
    cur = conn.execute(text, params)
    try:
        while rows := cur.fetchmany(STREAM_ROWS):
            yield from rows
    finally:
        cur.close()


def _rows(session: Session, text: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    conn = _driver(session)
    if _is_postgres(session):
        with conn.cursor() as cur:
            cur.execute(text.replace("?", "%s"), params)
            return cur.fetchall()
    return conn.execute(text, params).fetchall()


# --- sealing ------------------------------------------------------------------------------


def lock_sealer(session: Session) -> None:
    """Serialise sealers for the rest of the transaction. PostgreSQL: an advisory lock.
    SQLite: a write statement (matching no row) takes the database's single write lock now,
    rather than at the first insert after reading what to seal."""
    if _is_postgres(session):
        _driver(session).execute("SELECT pg_advisory_xact_lock(%s)", (SEALER_LOCK,))
    else:
        table = TreeHead.__table__
        session.execute(update(table).where(table.c.tree_size < 0).values(max_seq=0))


def latest_head(session: Session) -> TreeHead | None:
    return session.scalars(select(TreeHead).order_by(TreeHead.tree_size.desc()).limit(1)).first()


def oldest_unsealed_at(session: Session) -> datetime | None:
    """When the first entry above the highest sealed seq was written; None when there is none
    (two index reads)."""
    sealed = select(TreeHead.max_seq).order_by(TreeHead.tree_size.desc()).limit(1).scalar_subquery()
    return session.scalar(select(AccessEntry.at).where(AccessEntry.seq > func.coalesce(sealed, 0))
                          .order_by(AccessEntry.seq).limit(1))


def head_of_size(session: Session, tree_size: int) -> TreeHead | None:
    return session.get(TreeHead, tree_size)


def heads(session: Session) -> list[TreeHead]:
    return list(session.scalars(select(TreeHead).order_by(TreeHead.tree_size)))


def late_floor(session: Session, before: datetime) -> int:
    """Entries at or below this seq were all committed before a head signed at `before` or
    earlier (0 when there is none): the sealer looks for late ones only above it."""
    found = session.scalar(select(TreeHead.max_seq).where(TreeHead.signed_at <= before)
                           .order_by(TreeHead.tree_size.desc()).limit(1))
    return found or 0


def late_entries(session: Session, above: int, upto: int) -> list[tuple[Any, ...]]:
    """Committed entries with `above` < seq <= `upto` that are not leaves yet (committed after a
    seal that sealed higher seqs), in seq order (LEAF_FIELDS)."""
    return _rows(session, f"SELECT {ENTRY_COLUMNS} FROM access_log e WHERE e.seq > ? AND e.seq <= ? AND NOT EXISTS "
                          "(SELECT 1 FROM access_leaves l WHERE l.seq = e.seq) ORDER BY e.seq", (above, upto))


def entries_after(session: Session, above: int, limit: int) -> list[tuple[Any, ...]]:
    """Entries with seq > `above`, in seq order (LEAF_FIELDS): above the highest sealed seq, none
    is a leaf yet."""
    return _rows(session, f"SELECT {ENTRY_COLUMNS} FROM access_log WHERE seq > ? ORDER BY seq LIMIT ?",
                 (above, limit))


def insert_leaves(session: Session, rows: list[tuple[int, int, bytes, str]]) -> None:
    """Append leaves (leaf_index, seq, leaf_hash, subject_key)."""
    _insert(session, "access_leaves", ("leaf_index", "seq", "leaf_hash", "subject_key"), rows)


def insert_nodes(session: Session, rows: list[tuple[int, int, bytes]]) -> None:
    """Store complete-subtree hashes (level, node_index, hash)."""
    _insert(session, "merkle_nodes", ("level", "node_index", "hash"), rows)


def _insert(session: Session, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    conn = _driver(session)
    names = ", ".join(columns)
    if _is_postgres(session):
        with conn.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})", rows)


def add_head(session: Session, head: TreeHead) -> None:
    session.add(head)
    session.flush()


# --- proofs ---------------------------------------------------------------------------------


def entry_row(session: Session, seq: int) -> tuple[Any, ...] | None:
    """An entry in LEAF_FIELDS order, as the sealer read it."""
    rows = _rows(session, f"SELECT {ENTRY_COLUMNS} FROM access_log WHERE seq = ?", (seq,))
    return rows[0] if rows else None


def leaf_of_seq(session: Session, seq: int) -> AccessLeaf | None:
    return session.scalars(select(AccessLeaf).where(AccessLeaf.seq == seq)).first()


def leaf_hashes(session: Session, lo: int, hi: int) -> list[bytes]:
    """Stored leaf hashes of leaves [lo, hi), in order."""
    return [bytes(h) for (h,) in _rows(
        session, "SELECT leaf_hash FROM access_leaves WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
        (lo, hi))]


def node_hashes(session: Session, wanted: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Cached subtree hashes by (level, node_index)."""
    out: dict[tuple[int, int], bytes] = {}
    for level in {lvl for lvl, _ in wanted}:
        indexes = [i for lvl, i in wanted if lvl == level]
        rows = session.execute(select(MerkleNode.node_index, MerkleNode.hash).where(
            MerkleNode.level == level, MerkleNode.node_index.in_(indexes)))
        out.update({(level, i): bytes(h) for i, h in rows})
    return out


# --- verification ---------------------------------------------------------------------------


def leaves_with_entries(session: Session) -> Iterator[tuple[Any, ...]]:
    """Every leaf in tree order with its entry: (leaf_index, leaf seq, leaf_hash, leaf subject_key,
    *entry in LEAF_FIELDS order); the entry's columns are NULL when the entry is gone."""
    cols = ", ".join(f"e.{c}" for c in LEAF_FIELDS)
    return _stream(session, f"SELECT l.leaf_index, l.seq, l.leaf_hash, l.subject_key, {cols} FROM access_leaves l "
                            "LEFT JOIN access_log e ON e.seq = l.seq ORDER BY l.leaf_index")


def all_nodes(session: Session) -> dict[tuple[int, int], bytes]:
    return {(lvl, i): bytes(h) for lvl, i, h in _stream(session, "SELECT level, node_index, hash FROM merkle_nodes")}


def unsealed_entries(session: Session) -> Iterator[tuple[int, Any]]:
    """(seq, at) of every entry that is not a leaf, in seq order."""
    return _stream(session, "SELECT e.seq, e.at FROM access_log e WHERE NOT EXISTS "
                            "(SELECT 1 FROM access_leaves l WHERE l.seq = e.seq) ORDER BY e.seq")


def counts(session: Session) -> tuple[int, int]:
    """(entries, leaves)."""
    entries = session.scalar(select(func.count()).select_from(AccessEntry)) or 0
    leaves = session.scalar(select(func.count()).select_from(AccessLeaf)) or 0
    return entries, leaves


def add_verification(session: Session, run: AuditVerification) -> None:
    session.add(run)
    session.flush()


def latest_verification(session: Session) -> AuditVerification | None:
    return session.scalars(select(AuditVerification).order_by(AuditVerification.finished_at.desc())
                           .limit(1)).first()


# --- listings -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    """An entry with what a reader needs beside it: names and whether it is sealed."""

    entry: AccessEntry
    department_name: str | None
    organisation_name: str | None
    leaf_index: int | None


@dataclass(frozen=True, slots=True)
class Search:
    subject_key: str | None = None
    subject_keys: tuple[str, ...] | None = None  # any of these (a person's key and its earlier ones)
    department: str | None = None
    organisation: str | None = None
    account: str | None = None
    role: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None  # keyset: entries with a smaller seq


def search(session: Session, where: Search, limit: int) -> list[Listed]:
    """Entries matching every given filter, newest first (by seq), at most `limit`.

    With a subject filter the sealed entries are found through the leaves' subject index and
    the ones not sealed yet in the seq range above the latest head (an entry that committed
    after a seal below that head's seqs shows once the next seal has taken it in)."""
    keys = where.subject_keys if where.subject_keys is not None else (
        (where.subject_key,) if where.subject_key is not None else None)
    if keys is None:
        return _search(session, where, None, None, limit)
    above = session.scalar(select(TreeHead.max_seq).order_by(TreeHead.tree_size.desc()).limit(1)) or 0
    pending = _search(session, where, keys, above, limit)
    if len(pending) >= limit:
        return pending
    return pending + _search(session, where, keys, None, limit - len(pending), sealed=True)


def _search(session: Session, where: Search, keys: tuple[str, ...] | None, above: int | None, limit: int,
            sealed: bool = False) -> list[Listed]:
    e, leaf = AccessEntry, AccessLeaf
    query = (select(e, Department.name, Organisation.name, leaf.leaf_index)
             .outerjoin(Department, Department.code == e.actor_department)
             .outerjoin(Organisation, Organisation.uscc == e.actor_org))
    if sealed:
        assert keys is not None
        query = query.join(leaf, leaf.seq == e.seq).where(leaf.subject_key.in_(keys), e.subject_key.in_(keys))
        order = leaf.seq.desc()
        if where.before is not None:
            query = query.where(leaf.seq < where.before)
    else:
        query = query.outerjoin(leaf, leaf.seq == e.seq)
        order = e.seq.desc()
        if keys is not None:
            query = query.where(e.seq > (above or 0), e.subject_key.in_(keys))
        if where.before is not None:
            query = query.where(e.seq < where.before)
    filters = [(where.department, e.actor_department), (where.organisation, e.actor_org),
               (where.account, e.actor_account), (where.role, e.actor_role), (where.action, e.action)]
    for value, column in filters:
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        from chengxin.alerts.repository import first_seq_since  # the log has no index on `at`

        query = query.where(e.seq >= first_seq_since(session, where.since), e.at >= where.since)
    if where.until is not None:
        query = query.where(e.at < where.until)
    rows = session.execute(query.order_by(order).limit(limit))
    return [Listed(entry, dept, org, index) for entry, dept, org, index in rows]


def entry_of(session: Session, seq: int, subject_keys: Sequence[str] | None = None) -> AccessEntry | None:
    query = select(AccessEntry).where(AccessEntry.seq == seq)
    if subject_keys is not None:
        query = query.where(AccessEntry.subject_key.in_(subject_keys))
    return session.scalars(query).first()


def is_sealed(session: Session, seq: int) -> bool:
    return bool(session.scalar(select(exists().where(AccessLeaf.seq == seq))))


# --- partitions of the log (PostgreSQL) -----------------------------------------------------
#
# The log is range-partitioned by seq (migration b8partitions0022): partitions of
# LOG_PARTITION_WIDTH entries named access_log_s<n> for [n·width, (n+1)·width), and a DEFAULT
# partition that catches anything above the last one, so an insert never fails.

LOG_PARTITION_WIDTH = 1 << 26
PARTITIONS_LOCK = 0x63786C6F_67706172  # pg_advisory_xact_lock key of the partition job ("cxlogpar")
_BOUND = re.compile(r"FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)")


@dataclass(frozen=True, slots=True)
class LogPartitions:
    ranges: tuple[tuple[int, int], ...]  # (lower, upper) of each range partition, in order
    default: str | None  # the DEFAULT partition's name


def log_partitions(session: Session) -> LogPartitions | None:
    """The log's partitions; None when the log is a plain table (SQLite)."""
    if not _is_postgres(session):
        return None
    rows = _rows(session, "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                          "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'access_log'::regclass")
    if not rows and not _rows(session, "SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'access_log'::regclass"):
        return None
    ranges, default = [], None
    for name, bound in rows:
        found = _BOUND.search(bound)
        if found:
            ranges.append((int(found.group(1)), int(found.group(2))))
        elif bound.strip().upper() == "DEFAULT":
            default = name
    return LogPartitions(tuple(sorted(ranges)), default)


def lock_partitions(session: Session, lock_timeout_ms: int) -> None:
    """Serialise partition jobs (every server process runs the jobs), and give up on a table lock
    not granted in time rather than queue every insert of the log behind a long transaction."""
    conn = _driver(session)
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (PARTITIONS_LOCK,))
    conn.execute(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")


def sequence_top(session: Session) -> int:
    """The highest seq the log's sequence has given out (read without taking a value)."""
    return int(_rows(session, "SELECT last_value FROM access_log_seq_seq")[0][0])


def default_slots(session: Session, name: str, width: int) -> list[int]:
    """The partition numbers (seq // width) of the rows sitting in the DEFAULT partition."""
    return [int(n) for (n,) in _rows(session, f'SELECT DISTINCT seq / ? FROM "{name}" WHERE seq >= 0', (width,))]


def partition_name(lower: int, width: int) -> str:
    return f"access_log_s{lower // width:06d}"


def create_log_partitions(session: Session, bounds: Sequence[tuple[int, int]], width: int) -> None:
    conn = _driver(session)
    for lo, hi in bounds:
        conn.execute(f'CREATE TABLE "{partition_name(lo, width)}" PARTITION OF access_log '
                     f"FOR VALUES FROM ({int(lo)}) TO ({int(hi)})")


def split_log_default(session: Session, default: str, bounds: Sequence[tuple[int, int]], width: int) -> int:
    """Create partitions over rows that fell into the DEFAULT partition: detach it, create the
    partitions and a new empty DEFAULT, move its rows back through the parent (each to its
    partition, seq and every column unchanged) and drop it. Returns the rows moved."""
    conn = _driver(session)
    held = f"{default}_split"
    conn.execute(f'ALTER TABLE access_log DETACH PARTITION "{default}"')
    conn.execute(f'ALTER TABLE "{default}" RENAME TO "{held}"')
    create_log_partitions(session, bounds, width)
    conn.execute(f'CREATE TABLE "{default}" PARTITION OF access_log DEFAULT')
    moved = conn.execute(f'INSERT INTO access_log SELECT * FROM "{held}"').rowcount
    conn.execute(f'DROP TABLE "{held}"')
    return int(moved or 0)
