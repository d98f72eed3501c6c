"""The register of issued credentials: whose, which claim, when, until when, revoked when.

The person key (a keyed hash), never the ID number. `document` is the signed credential as
issued, so the person can show its QR code again while it lasts; it holds the masked name and
ID number only (what the credential itself shows).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import JSONType, UTCDateTime
from chengxin.db import Base


class Credential(Base):
    """One issued credential (信用凭证): one claim, short-lived."""

    __tablename__ = "credentials"
    __table_args__ = (Index("ix_credentials_subject_issued", "subject_key", "issued_at"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    subject_key: Mapped[str] = mapped_column(String(32))
    claim: Mapped[str] = mapped_column(String(24))  # not_blacklisted | red_list | no_serious_dishonesty
    claim_detail: Mapped[str | None] = mapped_column(String(26))  # the red listing's matter id
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    document: Mapped[dict[str, Any]] = mapped_column(JSONType)
