"""Public tip-off table (举报)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class Tipoff(Base):
    """A tip-off from the public. The tracking number is shown once; only its hash is kept."""

    __tablename__ = "tipoffs"
    __table_args__ = (Index("ix_tipoffs_status_received", "status", "received_at"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    tracking_hash: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(24))
    subject_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    # The tipster's contact, if given, encrypted: tip-offs may come from people who fear retaliation.
    contact_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12))  # received | handling | closed
    result: Mapped[str | None] = mapped_column(Text)
    # How a closed tip-off ended: transferred (转办, to `transferred_to`, a department code), rejected
    # (不予受理, `result` the reason) or resolved (办结, `result` what was done); None while open.
    outcome: Mapped[str | None] = mapped_column(String(12))
    transferred_to: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
