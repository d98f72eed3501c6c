"""Working days over the Chinese statutory calendar (R12): weekends and statutory holidays are
off, the official make-up working days (调休上班) are on.

The State Council publishes each year's schedule in the autumn before; the `chinese-calendar`
package carries the published years. For a day outside them the schedule is not known yet, so
counting estimates it and says so (`Deadline.estimated`), rather than failing a deadline computed
late in the year: Monday to Friday, without the holidays that fall on fixed dates every year
(R12). An estimated deadline is therefore never on New Year's Day or in the first days of May or
October; it may still fall in a Spring Festival week (lunar) or on a make-up day, which the
published schedule settles once the package is upgraded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import chinese_calendar
from chinese_calendar import constants

log = logging.getLogger("chengxin.workdays")

# The statutory holidays on a fixed date every year (全国年节及纪念日放假办法, as amended by 国务院令
# 第795号 from 2025): New Year's Day, Labour Day (1 and 2 May), National Day (1 to 3 October).
FIXED_HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


@dataclass(frozen=True, slots=True)
class Deadline:
    """The last day of a working-day period; `estimated` when it crosses a year whose
    statutory calendar is not published yet (counted Monday–Friday there)."""

    day: date
    estimated: bool

    def label(self) -> str:
        """The day as a person reads it, saying when it is an estimate."""
        return self.day.isoformat() + ("（节假日安排尚未公布，为估算日期）" if self.estimated else "")


def deadline_of(day: date) -> Deadline:
    """A stored deadline with whether it was estimated: counting runs forward from a day the
    calendar covers, so it was estimated exactly when its last day lies beyond the calendar."""
    return Deadline(day, not is_covered(day))


@cache
def covered_years() -> tuple[int, int]:
    """First and last year the installed statutory calendar covers."""
    years = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
    return min(years), max(years)


def is_covered(day: date) -> bool:
    first, last = covered_years()
    return first <= day.year <= last


def is_working_day(day: date) -> bool:
    """Whether `day` is a working day: holidays off, make-up days on; in a year the calendar
    does not cover, Monday–Friday except the fixed-date holidays (estimated)."""
    if is_covered(day):
        return bool(chinese_calendar.is_workday(day))
    _warn_uncovered(day.year)
    return day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS


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
    log.warning("法定节假日安排只到 %d–%d 年；%d 年的工作日按周一至周五（除元旦、5月1–2日、10月1–3日）估算，"
                "请升级 chinese-calendar", first, last, year)
