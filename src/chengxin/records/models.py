"""Record, batch and batch-issue tables.

A record is versioned and bitemporal: `decision_date` is valid time (when the
fact holds in the world); `recorded_at`/`superseded_at` is recorded time (when
the platform knew this version). `as_of` readers select on both.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.clock import utcnow
from chengxin.coltypes import JSONType, UTCDateTime
from chengxin.db import Base


class Record(Base):
    """One version of a credit record about a subject (person or organisation). On PostgreSQL
    partitioned by hash of subject_key, 16 ways (migration b8partitions0022): every unique key
    includes subject_key."""

    __tablename__ = "records"
    __table_args__ = (
        # Idempotency key (department, source record id) per version; leads with the
        # department so it also serves the look-up of current versions by source id.
        UniqueConstraint("department_code", "source_record_id", "version", "subject_key",
                         name="uq_records_source_version"),
        # The collection notices (两书同达) read what each new batch brought.
        Index("ix_records_batch", "batch_id"),
        # Public disclosure pages address a record by its id alone.
        Index("ix_records_id", "id"),
        # The assessment reads what was collected in a period from here, not from the records' rows.
        Index("ix_records_recorded", "recorded_at", "version", "department_code", "decision_date"),
    )

    # Distribution column: the person key for a person, the organisation's key otherwise.
    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(12))
    department_code: Mapped[str] = mapped_column(String(64), ForeignKey("departments.code"))
    source_record_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(32))
    catalog_version: Mapped[str] = mapped_column(String(16))
    nature: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str | None] = mapped_column(String(10))
    severity_reason: Mapped[str | None] = mapped_column(Text)
    decision_date: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[str] = mapped_column(String(26))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The matter every version of this source record belongs to (the id of its first version):
    # its state (disputed, revoked, repaired, listed …) lives there, once (`chengxin.matters`).
    matter_id: Mapped[str] = mapped_column(String(26))
    # The domain (领域) the record falls in, derived at collection (chengxin.catalog.domain):
    # domain-limited measures reach it through this.
    domain: Mapped[str | None] = mapped_column(String(32))


class Batch(Base):
    """One submission: a JSON batch, an uploaded file or a CLI import.

    A file is stored chunk by chunk, each chunk committed with the batch's counts, so the row
    always says what has landed: `rows_through` is the last row of the file whose chunk is
    committed. A batch still `running` belongs to a live process (`owner`, `heartbeat_at`
    refreshed at every chunk); one whose process is gone is marked `interrupted`."""

    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(64), ForeignKey("departments.code"))
    channel: Mapped[str] = mapped_column(String(8))  # api | csv | xlsx
    filename: Mapped[str | None] = mapped_column(String(255))
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="running")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    total: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    new_versions: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    # running | done | rejected (refused, nothing stored) | failed (stopped by an error after
    # some chunks were stored) | interrupted (its process ended: killed, or the server stopped)
    rows_through: Mapped[int | None] = mapped_column(Integer)
    error_code: Mapped[str | None] = mapped_column(String(48))
    error_message: Mapped[str | None] = mapped_column(Text)
    # Every issue found, by code; the issue rows keep only the first few of each code.
    issue_counts: Mapped[dict[str, int] | None] = mapped_column(JSONType)
    owner: Mapped[str | None] = mapped_column(String(128))  # "host:pid:start" of the importing process
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BatchIssue(Base):
    """A per-row finding; never holds the submitted values, only where and why (the values of a
    refused row are kept apart, encrypted and for a while only: RejectedRow)."""

    __tablename__ = "batch_issues"

    batch_id: Mapped[str] = mapped_column(
        String(26), ForeignKey("batches.id"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    row: Mapped[int] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(8))  # error | warning
    code: Mapped[str] = mapped_column(String(48))
    message: Mapped[str] = mapped_column(Text)
    # The label of `field` in the row's own item (set when the issue is recorded: two items may
    # share a field name under different labels), and the row's source record number.
    label: Mapped[str | None] = mapped_column(String(64))
    source_record_id: Mapped[str | None] = mapped_column(String(64))


class RejectedRow(Base):
    """A refused row as it was sent, with its reasons, so the department can download, fix and
    send it again. It holds personal data (ID numbers, names): the values are AES-GCM ciphertext
    (JSON), never in an indexed column, and the row is deleted at `expires_at`
    (CHENGXIN_REJECTED_ROWS_DAYS after the upload)."""

    __tablename__ = "rejected_rows"
    __table_args__ = (Index("ix_rejected_rows_batch", "batch_id", "row"),
                      Index("ix_rejected_rows_expires", "expires_at"))

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(26), ForeignKey("batches.id"))
    row: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str | None] = mapped_column(String(32))
    # {"values": {field name: text}, "reasons": [[field, label, message], ...]}, bound to the id.
    content_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
