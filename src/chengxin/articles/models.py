"""Credit knowledge and typical cases (诚信典型、失信案例), managed by the credit office."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_kind_published", "kind", "published_at"),)

    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # knowledge | honest_case | dishonest_case
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))  # draft | published
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    author: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
