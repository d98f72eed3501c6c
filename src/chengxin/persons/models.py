"""Person table."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.clock import utcnow
from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class Person(Base):
    """A natural person. `person_key` is the keyed hash and the distribution column."""

    __tablename__ = "persons"
    # The public search finds a person by full name; the public counts read birth dates from an index.
    __table_args__ = (Index("ix_persons_name", "name"), Index("ix_persons_birth", "person_key", "birth_date"))

    person_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id_type: Mapped[str] = mapped_column(String(32))
    # AES-GCM ciphertext of the normalised number; never indexed, never logged.
    id_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    name: Mapped[str | None] = mapped_column(String(100))
    # Where `name` came from (chengxin.conflicts.rules): a department's submission until an
    # authority (the population registry, the identity provider, the credit office) speaks.
    name_source: Mapped[str | None] = mapped_column(String(20))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(6))
    region_code: Mapped[str | None] = mapped_column(String(6))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
