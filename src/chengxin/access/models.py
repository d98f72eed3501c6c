"""Access-log tables. Keyed hashes only: deleting a person's data never breaks the log.

`access_log` is appended on every read (a plain insert, no hashing, no lock). The
sealer (`chengxin.access.sealing`) later turns committed entries into leaves of an
RFC 6962 Merkle tree (`access_leaves`), keeps the interior nodes of complete
subtrees of 256 leaves and more (`merkle_nodes`) so that proofs need few reads, and
signs a tree head after each seal (`tree_heads`). `audit_verifications` records the
outcome of each `chengxin audit verify`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base

# SQLite needs INTEGER PRIMARY KEY for an autoincrementing rowid; PostgreSQL gets BIGINT.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class AccessEntry(Base):
    """One read of one subject's data: who, whose, what, why, on what basis, result, when.

    `seq` orders the appends; the tree order is the leaf index the sealer gives
    (on PostgreSQL sequence values commit out of order). In a distributed deployment it is a
    local table of the coordinator, not distributed by person (tests/core/test_distribution.py).
    On PostgreSQL it is partitioned by ranges of seq (migration b8partitions0022; future
    partitions: `chengxin.access.partitions`).
    """

    __tablename__ = "access_log"
    # No secondary index: the append is paid on every read of personal data, so it touches one
    # B-tree only. A person's entries are found through the leaves (`access_leaves.subject_key`,
    # indexed by the sealer off the hot path) and, for the few not sealed yet, by the seq range
    # above the latest head; time ranges by a binary search over seq
    # (`chengxin.alerts.repository.first_seq_since`).

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_role: Mapped[str] = mapped_column(String(24))
    actor_department: Mapped[str | None] = mapped_column(String(64))
    actor_org: Mapped[str | None] = mapped_column(String(18))  # a third party's USCC
    actor_account: Mapped[str | None] = mapped_column(String(64))
    subject_key: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(24))
    purpose: Mapped[str | None] = mapped_column(String(200))
    basis: Mapped[str | None] = mapped_column(String(200))
    business_ref: Mapped[str | None] = mapped_column(String(100))
    ref_id: Mapped[str | None] = mapped_column(String(26))
    result: Mapped[str] = mapped_column(String(24))


class AccessLeaf(Base):
    """A sealed entry: its place in the tree and the hash of its canonical encoding, with the
    entry's subject key as the index a person's history is read through (`audit verify`
    checks that it is the entry's).

    No foreign key to the entry on purpose: a deleted entry must leave its leaf
    behind, so that `audit verify` can name it.
    """

    __tablename__ = "access_leaves"
    __table_args__ = (Index("uq_access_leaves_seq", "seq", unique=True),
                      Index("ix_access_leaves_subject_key_seq", "subject_key", "seq"))

    leaf_index: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    subject_key: Mapped[str] = mapped_column(String(32))


class MerkleNode(Base):
    """The hash of a complete subtree of 2**level leaves starting at leaf node_index * 2**level
    (levels >= `chengxin.access.sealing.CACHE_LEVEL` only)."""

    __tablename__ = "merkle_nodes"

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    node_index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class TreeHead(Base):
    """A signed tree head (RFC 6962 §3.5): the root over the first `tree_size` leaves.

    `frontier` holds the roots of the perfect subtrees the tree splits into (the
    set bits of tree_size, largest first, 32 bytes each), so the next seal extends
    the tree without reading it. `max_seq` is the highest entry seq among its leaves:
    the sealer looks for late-committed entries only below heads old enough.
    """

    __tablename__ = "tree_heads"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    key_id: Mapped[str] = mapped_column(String(40))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    frontier: Mapped[bytes] = mapped_column(LargeBinary)
    max_seq: Mapped[int] = mapped_column(BigInteger)


class AuditVerification(Base):
    """The outcome of one `chengxin audit verify` run (no personal data: positions and codes)."""

    __tablename__ = "audit_verifications"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ok: Mapped[bool] = mapped_column(Boolean)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    entries: Mapped[int] = mapped_column(BigInteger)
    pending: Mapped[int] = mapped_column(BigInteger)
    problems: Mapped[int] = mapped_column(Integer)
    first_problem: Mapped[str | None] = mapped_column(String(400))
