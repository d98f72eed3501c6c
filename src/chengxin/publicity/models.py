"""Watermarks of the publicity jobs (collection notices, publicity-end notices)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class Watermark(Base):
    """How far a time-driven job has got, so each run only looks at what is new."""

    __tablename__ = "job_watermarks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
