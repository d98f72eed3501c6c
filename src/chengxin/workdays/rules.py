"""Working days over the Chinese statutory calendar (R12): weekends and statutory holidays are
off, the official make-up working days (调休上班) are on.

The State Council publishes each year's schedule in the autumn before; the `chinese-calendar`
package carries the published years. For a day outside them the calendar is not known yet, so
counting falls back to Monday–Friday and says so (`Deadline.estimated`), rather than failing a
deadline computed late in the year.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import chinese_calendar
from chinese_calendar import constants

log = logging.getLogger("chengxin.workdays")


@dataclass(frozen=True, slots=True)
class Deadline:
    """The last day of a working-day period; `estimated` when it crosses a year whose
    statutory calendar is not published yet (counted Monday–Friday there)."""

    day: date
    estimated: bool


@cache
def covered_years() -> tuple[int, int]:
    """First and last year the installed statutory calendar covers."""
    years = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
    return min(years), max(years)


def is_covered(day: date) -> bool:
    first, last = covered_years()
    return first <= day.year <= last


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day: holidays off, make-up days on; Monday–Friday in a year
    the calendar does not cover."""
    if is_covered(day):
        return bool(chinese_calendar.is_workday(day))
    _warn_uncovered(day.year)
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> Deadline:
    """The n-th working day after `start` (`start` itself not counted; R12)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day, estimated = start, False
    while n:
        day += timedelta(days=1)
        estimated = estimated or not is_covered(day)
        if is_working_day(day):
            n -= 1
    return Deadline(day, estimated)


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]; 0 when `end` is not after `start`."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


@cache
def _warn_uncovered(year: int) -> None:
    first, last = covered_years()
    log.warning("statutory calendar covers %d-%d only; working days in %d counted Monday-Friday (estimated)",
                first, last, year)
