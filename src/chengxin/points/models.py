"""Who opted in to integrity points (nothing else about a person's points is stored: a ledger is
worked out from the matters whenever it is read), and the office's grade distributions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class PointsConsent(Base):
    """A person's consent to have integrity points worked out (R18). Opting out deletes the row."""

    __tablename__ = "points_consents"

    person_key: Mapped[str] = mapped_column(String(32), ForeignKey("persons.person_key"), primary_key=True)
    opted_in_at: Mapped[datetime] = mapped_column(UTCDateTime())
    model_version: Mapped[str] = mapped_column(String(32))  # the model in force when they opted in


class PointsRun(Base):
    """A computation of every opted-in person's grade under one model version, for the office:
    counts by grade and by region, sex and age group only (no person's score is kept)."""

    __tablename__ = "points_runs"

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(32))
    model_text: Mapped[str] = mapped_column(Text)  # the model as computed (a draft may not be published)
    compare_text: Mapped[str | None] = mapped_column(Text)  # the model in force it is compared with, if any
    as_of: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12))  # running | done | failed
    total: Mapped[int] = mapped_column(Integer, default=0)  # persons to compute
    done: Mapped[int] = mapped_column(Integer, default=0)
    cells: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"grade|region|sex|age": count}
    moves: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # {"grade in force>grade of the draft": count}
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_by: Mapped[str] = mapped_column(String(80))
    error: Mapped[str | None] = mapped_column(Text)
