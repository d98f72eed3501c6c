"""The register of issued reports (R16): who asked, for whom, which variant and purpose, when, the
document's hash, and what the report stated about each matter (so that a later correction,
revocation or repair shows as "superseded" at verification). The PDF itself is not kept: it holds
the person's identity and is theirs; the register keeps only its SHA-256.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import JSONType, UTCDateTime
from chengxin.db import Base


class Report(Base):
    """One issued report or certificate (报告登记)."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_number", "number", unique=True),
        Index("ix_reports_subject_issued", "subject_key", "issued_at"),
        Index("ix_reports_requester_issued", "requester", "issued_at"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    number: Mapped[str] = mapped_column(String(20))  # printed on the cover, with the check code
    check_code: Mapped[str] = mapped_column(String(8))
    variant: Mapped[str] = mapped_column(String(16))  # self | authorised | occupational | certificate
    subject_key: Mapped[str] = mapped_column(String(32))  # the person key (a keyed hash), never the number
    channel: Mapped[str] = mapped_column(String(12))  # online | api | counter
    requester_kind: Mapped[str] = mapped_column(String(12))  # person | organisation | clerk
    requester: Mapped[str] = mapped_column(String(64))  # the account, or the third party's USCC
    purpose_code: Mapped[str | None] = mapped_column(String(24))
    purpose: Mapped[str] = mapped_column(String(200))
    scope: Mapped[list[str]] = mapped_column(JSONType)  # catalog categories covered; [] for the full file
    occupation: Mapped[str | None] = mapped_column(String(40))
    scenario: Mapped[str | None] = mapped_column(String(16))
    authorisation_id: Mapped[str | None] = mapped_column(String(26))
    as_of: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)
    matters: Mapped[int] = mapped_column(Integer)
    stamps: Mapped[list[list[str]]] = mapped_column(JSONType)  # [matter_id, token] per matter of subject_key
    certificate: Mapped[str] = mapped_column(String(64))  # SHA-256 of the signing certificate
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_reason: Mapped[str | None] = mapped_column(String(200))
