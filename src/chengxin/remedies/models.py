"""What a person or a department records on a matter besides repair (R14, the seeds): an extension of
an obligation not yet due (申请延期), and a pending administrative reconsideration or lawsuit against
the decision (行政复议 / 行政诉讼). Both belong to the department that decided the matter."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class Extension(Base):
    """A request to extend the due date of an obligation the matter imposes (e.g. paying the fine)."""

    __tablename__ = "matter_extensions"
    __table_args__ = (
        Index("ix_matter_extensions_id", "id"),
        Index("ix_matter_extensions_department", "department_code", "status", "filed_at"),
    )

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    matter_id: Mapped[str] = mapped_column(String(26))
    department_code: Mapped[str] = mapped_column(String(64))  # the deciding department, as the matter's
    obligation: Mapped[str] = mapped_column(String(100))  # e.g. 缴纳罚款
    due_date: Mapped[date] = mapped_column(Date)  # as the decision set it
    requested_until: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(8))  # online | counter
    filed_by: Mapped[str | None] = mapped_column(String(26))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10))  # requested | granted | refused
    granted_until: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decision_reason: Mapped[str | None] = mapped_column(Text)


class Appeal(Base):
    """A pending administrative reconsideration or lawsuit against the matter's decision, and its outcome."""

    __tablename__ = "matter_appeals"
    __table_args__ = (
        Index("ix_matter_appeals_id", "id"),
        Index("ix_matter_appeals_matter", "subject_key", "matter_id"),
    )

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    matter_id: Mapped[str] = mapped_column(String(26))
    kind: Mapped[str] = mapped_column(String(16))  # reconsideration | lawsuit
    case_number: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(String(100))  # 复议机关 or 人民法院
    filed_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10))  # pending | revoked | upheld | withdrawn
    outcome_on: Mapped[date | None] = mapped_column(Date)
    outcome_note: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[str | None] = mapped_column(String(80))
