"""Editions of the catalog and the measure list written by the credit office (the packaged YAML is the first)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class DataEdition(Base):
    __tablename__ = "data_editions"

    kind: Mapped[str] = mapped_column(String(12), primary_key=True)  # catalog | measures
    version: Mapped[str] = mapped_column(String(32), primary_key=True)
    content: Mapped[str] = mapped_column(Text)  # the YAML document as written
    change_note: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
