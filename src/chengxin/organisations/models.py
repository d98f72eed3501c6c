"""Organisation and role tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.clock import utcnow
from chengxin.coltypes import UTCDateTime
from chengxin.db import Base

ROLES = {
    "legal_representative": "法定代表人",
    "main_responsible": "主要负责人",
    "directly_responsible": "直接责任人",
    "actual_controller": "实际控制人",
    "responsible_person": "相关责任人",
}


class Organisation(Base):
    """An organisation; its USCC is public, so it is the key itself."""

    __tablename__ = "organisations"

    uscc: Mapped[str] = mapped_column(String(18), primary_key=True)
    # Subject key of the organisation: the distribution column of its own records.
    subject_key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The department that registered the organisation (PUT /api/v1/organisations): it owns the
    # name and the responsible persons; another department's differing data is a conflict.
    # None while the organisation is known only from records.
    registered_by: Mapped[str | None] = mapped_column(String(64), ForeignKey("departments.code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OrganisationRole(Base):
    """A person's role in an organisation (R10: punishment reaches these persons)."""

    __tablename__ = "organisation_roles"
    __table_args__ = (Index("ix_organisation_roles_uscc", "uscc"),)

    person_key: Mapped[str] = mapped_column(
        String(32), ForeignKey("persons.person_key"), primary_key=True
    )
    uscc: Mapped[str] = mapped_column(
        String(18), ForeignKey("organisations.uscc"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    since: Mapped[date | None] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date)
    department_code: Mapped[str] = mapped_column(String(64), ForeignKey("departments.code"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
