"""The platform's notion of now; tests and `as_of` readers pass their own.

Every "now" and "today" in the platform comes from here, never from `datetime.now()` or
`date.today()` directly (`tests/core/test_clock.py` checks the source). The clock can be made
to run from another moment (`run_from`): the test suite runs every test from a fixed moment,
and a training or demonstration deployment can run as of another day with
`CHENGXIN_CLOCK_START` (an ISO date-time; never in production: `/healthz` reports it).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")

_shift = timedelta(0)
_started: datetime | None = None
# Bumped whenever the clock is moved, so that callers caching a day derived from it know.
epoch = 0


def utcnow() -> datetime:
    """Aware UTC now, for recorded time."""
    return datetime.now(UTC) + _shift


def today() -> date:
    """Today's date in China (Beijing time), which legal periods count in."""
    return utcnow().astimezone(CHINA).date()


def run_from(moment: datetime) -> None:
    """Make the clock read `moment` now and run on from there at the normal pace."""
    global _shift, _started, epoch
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    _shift = moment - datetime.now(UTC)
    _started = moment
    epoch += 1


def reset() -> None:
    """Back to the wall clock."""
    global _shift, _started, epoch
    _shift, _started = timedelta(0), None
    epoch += 1


def shifted_start() -> datetime | None:
    """The moment the clock was made to run from, when it does not follow the wall clock."""
    return _started


def parse_start(text: str) -> datetime:
    """An ISO date or date-time (Beijing time unless it names its zone)."""
    value = datetime.fromisoformat(text.strip())
    return value if value.tzinfo else value.replace(tzinfo=CHINA)


if os.environ.get("CHENGXIN_CLOCK_START"):
    run_from(parse_start(os.environ["CHENGXIN_CLOCK_START"]))
