"""Person-key aliases: where a person's data lived under an earlier hash secret."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.coltypes import UTCDateTime
from chengxin.db import Base


class SubjectKeyAlias(Base):
    """An earlier subject key and the key the subject has now.

    The access log is never rewritten, so a person's history under an old key is found
    through this table ("who looked at my file" asks for the current key and every old
    key that points to it). Chains are kept flat: a second re-key points the first old
    key at the newest key too.
    """

    __tablename__ = "subject_key_aliases"
    __table_args__ = (Index("ix_subject_key_aliases_new_key", "new_key"),)

    old_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    new_key: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(12))  # person | organisation
    hash_version: Mapped[int] = mapped_column(Integer)  # the version new_key was computed with
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
