"""List-entry table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base

LIST_LABELS = {"black": "严重失信主体名单", "red": "守信激励对象名单", "watch": "重点关注名单"}
EXIT_LABELS = {
    "term_ended": "期限届满",
    "repaired": "信用修复",
    "revoked": "撤销",
    "court_deleted": "法院删除",
}


class ListEntry(Base):
    """A subject on a list, from a record whose item declares the list, or entered directly."""

    __tablename__ = "list_entries"
    __table_args__ = (Index("ix_list_entries_source", "department_code", "source_record_id"),)

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(12))
    list_type: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(8))  # record | direct
    department_code: Mapped[str] = mapped_column(String(64), ForeignKey("departments.code"))
    source_record_id: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(26))
    item_code: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(10))
    basis: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(100))
    start_date: Mapped[date] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    exited_on: Mapped[date | None] = mapped_column(Date)
    exit_reason: Mapped[str | None] = mapped_column(String(16))
    exit_note: Mapped[str | None] = mapped_column(Text)
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
