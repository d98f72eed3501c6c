"""Objection table (异议)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class Objection(Base):
    """A person's objection to a record or list entry about them, handled by its source department."""

    __tablename__ = "objections"
    __table_args__ = (
        Index("ix_objections_department_status", "department_code", "status"),
        Index("ix_objections_status_deadline", "status", "deadline"),
        # Handlers and the person address an objection by its id alone.
        Index("ix_objections_id", "id"),
    )

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    # What the person pointed at (matter | record | list_entry), as filed …
    target_kind: Mapped[str] = mapped_column(String(12))
    target_id: Mapped[str] = mapped_column(String(26))
    # … and the matter that is: the objection marks and decides the whole matter.
    matter_id: Mapped[str] = mapped_column(String(26))
    source_record_id: Mapped[str | None] = mapped_column(String(64))
    item_code: Mapped[str | None] = mapped_column(String(32))
    department_code: Mapped[str] = mapped_column(String(64), ForeignKey("departments.code"))
    reason: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[str | None] = mapped_column(String(26))  # account id
    agent_uscc: Mapped[str | None] = mapped_column(String(18))
    authorisation_id: Mapped[str | None] = mapped_column(String(26))
    status: Mapped[str] = mapped_column(String(12))  # open | corrected | revoked | upheld | withdrawn
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[date] = mapped_column(Date)
    deadline_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    new_record_id: Mapped[str | None] = mapped_column(String(26))
