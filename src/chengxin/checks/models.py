"""Check, hit and feedback tables (all carry the person key).

On PostgreSQL `checks` and `check_hits` are partitioned by hash of subject_key, 16 ways each
(migration b8partitions0022), so a person's checks and their hits join partition by partition:
every unique key includes subject_key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import JSONType, UTCDateTime
from chengxin.db import Base


class Check(Base):
    """One check of one person for one business matter, with its decision."""

    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_id", "id"),)

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    # No foreign key (b9lean0025): the caller's department, checked row by row it cost more than the row.
    department_code: Mapped[str] = mapped_column(String(64))
    scenario: Mapped[str] = mapped_column(String(48))
    business_ref: Mapped[str | None] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(8))
    hits: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    batch_id: Mapped[str | None] = mapped_column(String(26))


class CheckHit(Base):
    """A measure that applied in a check: the unit that feedback answers."""

    __tablename__ = "check_hits"
    __table_args__ = (Index("ix_check_hits_department_measure", "department_code", "measure_code"),)

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    check_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    measure_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(64))
    blocking: Mapped[bool] = mapped_column(Boolean)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Feedback(Base):
    """What the department did about a hit: applied, not applied (why), overturned (why)."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_check", "check_id"),)

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    check_id: Mapped[str] = mapped_column(String(26))
    measure_code: Mapped[str] = mapped_column(String(32))
    department_code: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class CheckBatch(Base):
    """A batch check run from the department pages: who, for what, the counts by outcome, and the
    result file (the caller's own columns beside each answer) as AES-GCM ciphertext, kept until
    `expires_at` (CHENGXIN_CHECK_RESULTS_DAYS); the counts stay as the department's history."""

    __tablename__ = "check_batches"
    __table_args__ = (Index("ix_check_batches_department", "department_code", "created_at"),
                      Index("ix_check_batches_expires", "expires_at"))

    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # the checks' batch_id
    department_code: Mapped[str] = mapped_column(String(64), ForeignKey("departments.code"))
    account_id: Mapped[str | None] = mapped_column(String(26))
    filename: Mapped[str | None] = mapped_column(String(255))
    scenario: Mapped[str] = mapped_column(String(48))
    purpose: Mapped[str] = mapped_column(String(200))
    business_ref: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    total: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, int]] = mapped_column(JSONType)
    # JSON {"columns": [...], "rows": [[...], ...]}; None once expired.
    result_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
