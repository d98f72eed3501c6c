"""Alert table: what an auditor sees and acknowledges. Accounts, departments and counts only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import JSONType, UTCDateTime
from chengxin.db import Base


class Alert(Base):
    """One rule firing for one subject (account, department, address) in one window.

    (rule, subject, window_start) is unique: rescanning a window refreshes the count of the
    alert it already raised instead of raising another.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("rule", "subject", "window_start", name="uq_alerts_rule_subject_window"),
        Index("ix_alerts_status_raised_at", "status", "raised_at"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(120))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    account_id: Mapped[str | None] = mapped_column(String(26))
    department_code: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(12))  # open | acknowledged
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
