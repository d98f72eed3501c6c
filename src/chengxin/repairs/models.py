"""Credit repair application table (信用修复)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class Repair(Base):
    """An application to repair a negative matter, decided by the department that decided the matter (R14);
    the credit office coordinates and sees every queue."""

    __tablename__ = "repairs"
    __table_args__ = (
        Index("ix_repairs_status_filed", "status", "filed_at"),
        Index("ix_repairs_id", "id"),  # the office and the person address an application by its id alone
        # The deciding department's own queue (R14), oldest first.
        Index("ix_repairs_department", "department_code", "status", "filed_at"),
    )

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    # What the person pointed at (matter | record | list_entry), as filed and signed in the
    # commitment …
    target_kind: Mapped[str] = mapped_column(String(12))
    target_id: Mapped[str] = mapped_column(String(26))
    # … and the matter that is: an approved repair ends the whole matter.
    matter_id: Mapped[str] = mapped_column(String(26))
    source_record_id: Mapped[str | None] = mapped_column(String(64))
    item_code: Mapped[str | None] = mapped_column(String(32))
    department_code: Mapped[str] = mapped_column(String(64), ForeignKey("departments.code"))
    severity: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(24))
    statement: Mapped[str] = mapped_column(Text)
    # The signed credit commitment (信用承诺书): the text the person accepted, its hash, and the
    # platform's Ed25519 signature over both with the time, checkable offline.
    commitment_text: Mapped[str] = mapped_column(Text)
    commitment_sha256: Mapped[str] = mapped_column(String(64))
    commitment_signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    commitment_key_id: Mapped[str] = mapped_column(String(40))
    commitment_signature: Mapped[str] = mapped_column(String(100))
    filed_by: Mapped[str | None] = mapped_column(String(26))  # the account: the person, an agent, a counter clerk
    # How it came in (R14, one window): online (the person's pages) | agent | counter (a clerk on the
    # person's behalf, `filed_by` is the clerk) | upper (forwarded by an upper-level platform).
    channel: Mapped[str] = mapped_column(String(8), default="online", server_default="online")
    agent_uscc: Mapped[str | None] = mapped_column(String(18))
    authorisation_id: Mapped[str | None] = mapped_column(String(26))
    protected_minor: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12))  # submitted | accepted | rejected | approved | denied
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accept_deadline: Mapped[date] = mapped_column(Date)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decide_deadline: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewer: Mapped[str | None] = mapped_column(String(80))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
