"""The listing procedure table: one row per intended serious-dishonesty listing of a person."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import JSONType, UTCDateTime
from chengxin.db import Base


class ListingProcedure(Base):
    """Before a local department puts a person on the black list (R13): the prior notice (告知)
    with facts, basis, intended measures and term; the person's statement (陈述、申辩) within a
    working-day period; the decision with reasons, served with the repair route (两书同达).
    A decision to list makes the listed matter (`matter_id`), as a direct listing does."""

    __tablename__ = "listing_procedures"
    __table_args__ = (
        Index("ix_listing_procedures_id", "id"),  # the department and the person address it by id alone
        Index("ix_listing_procedures_department", "department_code", "state", "statement_due"),
    )

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(64), ForeignKey("departments.code"))
    list_type: Mapped[str] = mapped_column(String(8))  # black
    item_code: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(10))
    facts: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(100))  # the notice's document number
    # The intended measures as the measure list gave them when the notice was served: [{code, name}].
    measures: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    term_months: Mapped[int] = mapped_column(Integer)
    noticed_on: Mapped[date] = mapped_column(Date)
    statement_due: Mapped[date] = mapped_column(Date)  # last working day to state one's case
    # noticed | stated | listed | not_listed | withdrawn
    state: Mapped[str] = mapped_column(String(12))
    statement: Mapped[str | None] = mapped_column(Text)
    stated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stated_via: Mapped[str | None] = mapped_column(String(8))  # online | counter
    stated_clerk: Mapped[str | None] = mapped_column(String(26))  # the counter clerk's account
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by: Mapped[str | None] = mapped_column(String(26))
    reasons: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)  # the department's answer to the statement
    matter_id: Mapped[str | None] = mapped_column(String(26))
    created_by: Mapped[str | None] = mapped_column(String(26))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
