"""The notice outbox, the in-app mailbox and a person's contact details."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import JSONType, UTCDateTime
from chengxin.db import Base


class Notice(Base):
    """One notice owed on one channel (the outbox). Written in the transaction of the change that
    causes it; a worker delivers it at least once, and the idempotency key, carried to the
    channel, makes the person receive it once."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_status_next_attempt_at", "status", "next_attempt_at"),)

    # Distribution column: the person key (for the upstream channel, the subject's key).
    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)  # "{kind}:{key}:{channel}"
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(10))  # inapp | sms | email | file | upstream
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # Chinese text for the person; never a plain ID number
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # the upstream channel's document
    # pending | delivered | failed (gave up) | no_address (the person left no phone or e-mail)
    # | unconfigured (the platform has no SMS gateway or mail server): the last three are final.
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a worker is sending it until then
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(64))  # a code, never a message that may hold data
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboxMessage(Base):
    """The in-app channel: a person's mailbox, newest first by id."""

    __tablename__ = "inbox_messages"

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PersonContact(Base):
    """Where a person wants SMS and e-mail notices; both stored only as AES-GCM ciphertext."""

    __tablename__ = "person_contacts"

    person_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    phone_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    email_cipher: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
