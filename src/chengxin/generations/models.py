"""One counter per kind of change that processes cache (credentials, editions in force)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from chengxin.db import Base


class Generation(Base):
    """Bumped in the transaction of the change; each serving process polls the table (one indexed
    read a second) and drops or reloads what it holds when a counter moves."""

    __tablename__ = "generations"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
