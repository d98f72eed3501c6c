"""The platform's notion of now; tests and `as_of` readers pass their own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def utcnow() -> datetime:
    """Aware UTC now, for recorded time."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in China (Beijing time), which legal periods count in."""
    return datetime.now(CHINA).date()
