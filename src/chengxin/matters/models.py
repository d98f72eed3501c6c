"""The matter table: one row per dishonesty or trustworthiness matter, holding its one state."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class Matter(Base):
    """A matter (失信事项 / 守信事项): a penalty decision, a court listing, an honour …

    It comes from a department's record (every version of one source record id is the same
    matter) or from a direct listing. Whatever happens to it (objection, correction, revocation,
    repair, court deletion, the end of its term) happens here, once, and every surface reads its
    state from here: the file, checks, public pages and API, lists, watch events and notices.
    A matter on a list is that list's entry; its id is the entry id.
    """

    __tablename__ = "matters"
    __table_args__ = (
        # Collection finds the matter of each submitted source record id.
        Index("ix_matters_source", "department_code", "source_record_id"),
        # Public pages, lists and jobs address a matter by its id alone.
        Index("ix_matters_id", "id"),
        # Lists by type, newest first; their public counts read every column they filter on from here.
        # Only matters on a list (b9lean0025): every query of it names a list type.
        Index("ix_matters_list", "list_type", "start_date", "ended_on", "planned_end", "subject_kind", "subject_key",
              postgresql_where=text("list_type IS NOT NULL"), sqlite_where=text("list_type IS NOT NULL")),
        # Public records walk matters newest first and stop at a page; their count, as above.
        # The occupation rosters read their members from here.
        Index("ix_matters_occupation", "occupation", "subject_key",
              postgresql_where=text("occupation IS NOT NULL"), sqlite_where=text("occupation IS NOT NULL")),
        Index("ix_matters_start", "start_date", "id", "item_code", "nature", "severity", "list_type", "planned_end",
              "ended_on", "subject_kind", "subject_key"),
    )

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    # For a matter from a record: the id of the record's first version.
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(12))
    origin: Mapped[str] = mapped_column(String(8))  # record | direct
    # No foreign key (b9lean0025): its record's department (whose key records keeps) or its caller's.
    department_code: Mapped[str] = mapped_column(String(64))
    source_record_id: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(26))  # the live version of its record
    item_code: Mapped[str | None] = mapped_column(String(32))
    nature: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str | None] = mapped_column(String(10))
    start_date: Mapped[date] = mapped_column(Date)  # decision date, or the listing's start
    list_type: Mapped[str | None] = mapped_column(String(8))  # black | red | watch
    # The last day the matter holds by its own terms: the listing's term, or an end the source
    # gives (a ban's end, a lifted restriction). Null: its publicity tier decides.
    planned_end: Mapped[date | None] = mapped_column(Date)
    basis: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(100))
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(16))  # revoked | repaired | court_deleted
    end_note: Mapped[str | None] = mapped_column(Text)
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # an objection is open
    domain: Mapped[str | None] = mapped_column(String(32))  # its live record's domain (checks read it here)
    # The occupation roster (职业信用档案) a qualification record puts its person on (catalog.domain).
    occupation: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
