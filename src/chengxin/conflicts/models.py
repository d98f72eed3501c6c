"""Conflict table (信息冲突): data a department sent that differs from what the platform holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class Conflict(Base):
    """A claim that differs from the platform's data and changed nothing; the credit office resolves it.

    `subject_key` is the person's key (a name) or the organisation's (its name or responsible
    persons). `open_key` names the claim while it is open, so the same claim sent again counts
    as another occurrence of one conflict; it is cleared on resolution (NULLs never collide)."""

    __tablename__ = "conflicts"
    __table_args__ = (
        UniqueConstraint("subject_key", "open_key", name="uq_conflicts_open_claim"),
        Index("ix_conflicts_id", "id"),
        Index("ix_conflicts_status_raised", "status", "raised_at"),
    )

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # person_name | org_name | org_roles
    uscc: Mapped[str | None] = mapped_column(String(18))  # an organisation's conflicts
    current_value: Mapped[str | None] = mapped_column(Text)  # what the platform held when it came
    claimed_value: Mapped[str] = mapped_column(Text)
    department_code: Mapped[str] = mapped_column(String(64), ForeignKey("departments.code"))
    origin: Mapped[str] = mapped_column(String(16))  # record | organisation | list_entry
    item_code: Mapped[str | None] = mapped_column(String(32))
    source_record_id: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[str | None] = mapped_column(String(26))
    open_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))  # open | kept | accepted | corrected
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolved_value: Mapped[str | None] = mapped_column(Text)
    resolution_note: Mapped[str | None] = mapped_column(Text)
