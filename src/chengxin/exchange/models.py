"""Exchange tables: the outgoing feed per neighbour, each neighbour's state, what was applied from
whom, refused batches, reconciliations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.access.models import SeqType
from chengxin.coltypes import JSONType, UTCDateTime
from chengxin.db import Base


class OutgoingChange(Base):
    """One change owed to one neighbour. Written in the transaction that made the change (a new
    record version, a listing, an end), with no sequence number; the sender gives numbers in the
    order it finds them and builds each change's body when it sends it (no copy of the body, which
    names the person, stays here). `acked_at` is the neighbour's signed receipt."""

    __tablename__ = "exchange_outgoing"
    __table_args__ = (
        Index("ix_exchange_outgoing_feed", "neighbour", "seq"),
        Index("ix_exchange_outgoing_unnumbered", "neighbour", "numbered", "id"),
        # Who received a matter, and whether its end reached them (the matter's page, the workbench).
        Index("ix_exchange_outgoing_matter", "subject_key", "matter_id"),
        Index("ix_exchange_outgoing_overdue", "kind", "acked_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    neighbour: Mapped[str] = mapped_column(String(6))
    numbered: Mapped[int] = mapped_column(Integer, default=0)  # 0 until it has a sequence number
    seq: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # rules.KINDS
    subject_key: Mapped[str] = mapped_column(String(32))
    matter_id: Mapped[str] = mapped_column(String(26))
    ref: Mapped[str] = mapped_column(String(26))  # the record version, or the matter
    # What the change says beyond its reference (an end's reason, note and day; an upstream origin).
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The day it was numbered, and (set when first sent) its fingerprint and catalog category:
    # what reconciliation counts it under.
    day: Mapped[date | None] = mapped_column(Date)
    digest: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Peer(Base):
    """This platform's state with one neighbour, both ways."""

    __tablename__ = "exchange_peers"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    # Outgoing: the last number given, the last the neighbour confirmed.
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    acked_through: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_ack_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error_code: Mapped[str | None] = mapped_column(String(48))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Incoming: its feed is applied through this number.
    applied_through: Mapped[int] = mapped_column(BigInteger, default=0)
    last_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AppliedChange(Base):
    """A change received from a neighbour and applied (or taken and refused, with why): once
    per sender and number. Reconciliation counts these."""

    __tablename__ = "exchange_applied"
    __table_args__ = (Index("ix_exchange_applied_day", "sender", "day", "category"),
                      # Who sent a matter here: its end goes back to them too.
                      Index("ix_exchange_applied_matter", "subject_key", "matter_id"))

    sender: Mapped[str] = mapped_column(String(6), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    digest: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(10))  # applied | rejected
    code: Mapped[str | None] = mapped_column(String(48))
    subject_key: Mapped[str | None] = mapped_column(String(32))
    matter_id: Mapped[str | None] = mapped_column(String(26))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Refusal(Base):
    """A batch refused whole (in: one we received; out: one a neighbour refused), with the reason."""

    __tablename__ = "exchange_refusals"
    __table_args__ = (Index("ix_exchange_refusals_at", "at"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    direction: Mapped[str] = mapped_column(String(4))  # in | out
    neighbour: Mapped[str | None] = mapped_column(String(6))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    code: Mapped[str] = mapped_column(String(48))
    message: Mapped[str] = mapped_column(Text)
    first_seq: Mapped[int | None] = mapped_column(BigInteger)
    last_seq: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str | None] = mapped_column(String(255))  # the file name, or "service"
    sha256: Mapped[str | None] = mapped_column(String(64))


class Reconciliation(Base):
    """A comparison of what was sent to a neighbour with what it applied, per category and day."""

    __tablename__ = "exchange_reconciliations"
    __table_args__ = (Index("ix_exchange_reconciliations_neighbour", "neighbour", "at"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    neighbour: Mapped[str] = mapped_column(String(6))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    day_from: Mapped[date] = mapped_column(Date)
    day_to: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8))  # ok | drift | failed
    # [{category, day, ours: [count, hash], theirs: [count, hash]}] where they differ; or the error.
    details: Mapped[list[Any] | dict[str, Any]] = mapped_column(JSONType)


class ReferenceRecord(Base):
    """A record from a source that is only a reference (R15: the financial credit database, a credit
    agency): shown to the person and to the bodies that apply measures as such, never the basis
    of a platform measure (no matter, no check, no list, no public page)."""

    __tablename__ = "exchange_references"
    __table_args__ = (Index("ix_exchange_references_source", "source", "source_ref"),)

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    source: Mapped[str] = mapped_column(String(6))
    source_name: Mapped[str] = mapped_column(String(200))
    source_ref: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str | None] = mapped_column(String(32))
    item_name: Mapped[str] = mapped_column(String(200))
    decision_date: Mapped[date] = mapped_column(Date)
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(16))


class Disclosure(Base):
    """A matter a third party received (in an authorised query or a report): if the matter later
    ends (revoked, repaired, deleted by a court), the third party is owed word of it (R14). It learns
    through its updates feed (`notified_at`: the first time the feed showed it) and confirms
    (`confirmed_at`)."""

    __tablename__ = "exchange_disclosures"
    __table_args__ = (Index("ix_exchange_disclosures_matter", "subject_key", "matter_id"),
                      Index("ix_exchange_disclosures_receiver", "receiver", "confirmed_at"))

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    matter_id: Mapped[str] = mapped_column(String(26))
    receiver: Mapped[str] = mapped_column(String(18))  # the third party's USCC
    via: Mapped[str] = mapped_column(String(16))  # authorised_query | report
    via_ref: Mapped[str] = mapped_column(String(26))  # the authorisation or the report
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
