"""Authorisation table: what a person granted a third party, and how it has been used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import JSONType, UTCDateTime
from chengxin.db import Base


class Authorisation(Base):
    """One grant (授权). The grantor is the person key (keyed hash), never the ID number.

    Times are kept to the second, so the receipt rebuilt from the row is byte for byte the
    one that was signed; `key_id` and `signature` are that receipt's signature.
    """

    __tablename__ = "authorisations"
    __table_args__ = (Index("ix_authorisations_grantor_issued", "grantor_key", "issued_at"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    grantor_key: Mapped[str] = mapped_column(String(32))
    grantee_uscc: Mapped[str] = mapped_column(String(18))
    purpose_code: Mapped[str] = mapped_column(String(24))
    purpose: Mapped[str] = mapped_column(String(200))
    scope: Mapped[list[str]] = mapped_column(JSONType)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    use_mode: Mapped[str] = mapped_column(String(10))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    key_id: Mapped[str] = mapped_column(String(40))
    signature: Mapped[str] = mapped_column(String(100))
