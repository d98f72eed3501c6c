"""A person's own explanation of a matter (自主解释): one current text per matter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class Explanation(Base):
    """What the person says about a matter of theirs, shown with the matter wherever it is shown.

    The seeds list it among the ways to reduce losses (R14): it changes no state, it is the person's
    side of the story beside the department's. Editing replaces the text; withdrawing deletes the row
    (its history stays in the case events)."""

    __tablename__ = "matter_explanations"

    subject_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    matter_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(8))  # online | counter
    filed_by: Mapped[str | None] = mapped_column(String(26))  # the person's account, or the counter clerk's
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
