"""Retention tables: the report of each purge run, and the archive of repaired matters purged
under the purge-after-repair rule (兴山)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import JSONType, UTCDateTime
from chengxin.db import Base


class RetentionRun(Base):
    """One purge run and what it deleted so far: each batch commits its deletions and these counts
    together, so a run stopped half way says exactly what it did (status stays `running`)."""

    __tablename__ = "retention_runs"
    __table_args__ = (Index("ix_retention_runs_as_of", "as_of", "status"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    trigger: Mapped[str] = mapped_column(String(8))  # cli | job
    years: Mapped[int] = mapped_column(Integer)
    purge_repaired: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10))  # running | done | failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    batches: Mapped[int] = mapped_column(Integer, default=0)
    scanned: Mapped[int] = mapped_column(Integer, default=0)
    purged: Mapped[int] = mapped_column(Integer, default=0)  # matters deleted
    records: Mapped[int] = mapped_column(Integer, default=0)  # record versions deleted with them
    archived: Mapped[int] = mapped_column(Integer, default=0)  # repair archive rows written
    held: Mapped[int] = mapped_column(Integer, default=0)  # due but kept for now (see `holds`)
    # {item code (or "LIST"): {"retention": n, "repaired": n}}; {hold reason: n}
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType)
    holds: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # The earliest and latest behaviour end among the purged matters.
    first_end: Mapped[date | None] = mapped_column(Date)
    last_end: Mapped[date | None] = mapped_column(Date)


class RepairArchive(Base):
    """What was repaired, when and by whom, kept after the original dishonesty information was
    deleted (兴山: 修复后删除原失信信息、修复情况存档). No facts, fields or statements of the original."""

    __tablename__ = "repair_archive"
    # Collection looks here before it makes a new matter: a department's next full upload must not
    # bring back what was deleted after repair (`records.service`).
    __table_args__ = (Index("ix_repair_archive_source", "department_code", "source_record_id"),)

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    matter_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    item_code: Mapped[str | None] = mapped_column(String(32))
    department_code: Mapped[str] = mapped_column(String(64))
    source_record_id: Mapped[str | None] = mapped_column(String(64))  # the department's number (no content)
    severity: Mapped[str | None] = mapped_column(String(10))
    list_type: Mapped[str | None] = mapped_column(String(8))
    repaired_on: Mapped[date] = mapped_column(Date)
    repair_id: Mapped[str | None] = mapped_column(String(26))
    method: Mapped[str | None] = mapped_column(String(24))
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    run_id: Mapped[str] = mapped_column(String(26))
