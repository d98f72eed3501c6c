"""Access-log table. Keyed hashes only: deleting a person's data never breaks the log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base

# SQLite needs INTEGER PRIMARY KEY for an autoincrementing rowid; PostgreSQL gets BIGINT.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class AccessEntry(Base):
    """One read of one subject's data: who, whose, what, why, on what basis, result, when.

    The sequence gives the log a total order (the security issue builds a Merkle
    tree over it). It is a reference table, not distributed by person.
    """

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_subject_key", "subject_key"),)

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_role: Mapped[str] = mapped_column(String(24))
    actor_department: Mapped[str | None] = mapped_column(String(64))
    actor_account: Mapped[str | None] = mapped_column(String(64))
    subject_key: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(24))
    purpose: Mapped[str | None] = mapped_column(String(200))
    basis: Mapped[str | None] = mapped_column(String(200))
    business_ref: Mapped[str | None] = mapped_column(String(100))
    ref_id: Mapped[str | None] = mapped_column(String(26))
    result: Mapped[str] = mapped_column(String(24))
