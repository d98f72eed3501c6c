"""Subscription, webhook, event and delivery tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.access.models import SeqType
from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class Subscription(Base):
    """A department follows a person it has an ongoing relation with."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_department", "department_code"),)

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(64), ForeignKey("departments.code"), primary_key=True)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Webhook(Base):
    """Where a department wants events pushed; the signing secret is stored encrypted."""

    __tablename__ = "webhooks"

    department_code: Mapped[str] = mapped_column(String(64), ForeignKey("departments.code"), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WatchEvent(Base):
    """A person entered or left a list (directly or through an organisation they answer for)."""

    __tablename__ = "watch_events"
    __table_args__ = (
        UniqueConstraint("entry_id", "subject_key", "kind", name="uq_watch_events_entry_subject_kind"),
        Index("ix_watch_events_subject_key", "subject_key"),
    )

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    subject_key: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(10))  # listed | delisted
    entry_id: Mapped[str] = mapped_column(String(26))
    list_type: Mapped[str] = mapped_column(String(8))
    via_uscc: Mapped[str | None] = mapped_column(String(18))
    reason: Mapped[str | None] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Delivery(Base):
    """One event owed to one department's webhook, retried until it is acknowledged."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)

    department_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_seq: Mapped[int] = mapped_column(SeqType, primary_key=True)
    status: Mapped[str] = mapped_column(String(10))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
