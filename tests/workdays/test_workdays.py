"""Working days over the statutory calendar: holidays off, make-up days on, estimates beyond it.

The dates are the State Council's 2026 schedule as the installed `chinese-calendar` carries it:
Mid-Autumn 25–27 Sep, National Day 1–7 Oct with make-up working days Sun 20 Sep and Sat 10 Oct;
Spring Festival 15–23 Feb with make-up working days Sat 14 Feb and Sat 28 Feb.
"""

from __future__ import annotations

import logging
from datetime import date

import pytest

from chengxin.workdays import Deadline, add_working_days, covered_years, is_working_day, rules, working_days_between


def test_national_day_2026_holidays_are_off_and_make_up_days_are_on():
    assert not is_working_day(date(2026, 10, 5))  # a Monday inside the holiday week
    assert not is_working_day(date(2026, 10, 1))
    assert not is_working_day(date(2026, 9, 25))  # Mid-Autumn, a Friday
    assert is_working_day(date(2026, 9, 20))  # make-up Sunday
    assert is_working_day(date(2026, 10, 10))  # make-up Saturday
    assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    assert is_working_day(date(2026, 10, 8))


def test_twenty_working_days_across_the_national_day_week():
    # From Fri 18 Sep: Sun 20 Sep (1), 21–24 Sep (5), 28–30 Sep (8), 8–9 Oct (10), Sat 10 Oct (11),
    # 12–16 Oct (16), 19–22 Oct (20). Monday to Friday alone would give 16 Oct.
    assert add_working_days(date(2026, 9, 18), 20) == Deadline(date(2026, 10, 22), estimated=False)
    assert working_days_between(date(2026, 9, 18), date(2026, 10, 22)) == 20
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3  # 8, 9 and the make-up 10 Oct


def test_spring_festival_2026():
    assert not is_working_day(date(2026, 2, 17))
    assert not is_working_day(date(2026, 2, 23))  # a Monday, last day of the holiday
    assert is_working_day(date(2026, 2, 14)) and is_working_day(date(2026, 2, 28))  # make-up Saturdays
    # Thu 12 Feb: Fri 13 (1), Sat 14 (2), holiday to 23 Feb, 24–27 Feb (6), Sat 28 Feb (7).
    assert add_working_days(date(2026, 2, 12), 7) == Deadline(date(2026, 2, 28), estimated=False)
    assert add_working_days(date(2026, 2, 13), 1).day == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1).day == date(2026, 2, 24)


def test_start_day_is_not_counted():
    assert add_working_days(date(2026, 11, 20), 1).day == date(2026, 11, 23)  # Friday -> Monday
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 23)) == 0
    assert working_days_between(date(2026, 11, 24), date(2026, 11, 23)) == 0


def test_a_year_the_calendar_does_not_cover_is_estimated(caplog):
    first, last = covered_years()
    assert first <= 2026 <= last
    beyond = last + 1
    rules._warn_uncovered.cache_clear()
    with caplog.at_level(logging.WARNING, logger="chengxin.workdays"):
        result = add_working_days(date(beyond, 3, 2), 5)
        add_working_days(date(beyond, 4, 1), 5)
    assert [r.levelname for r in caplog.records] == ["WARNING"]  # once, and with no personal data in it
    assert result.estimated
    assert result.day.weekday() < 5 and result.day.year == beyond
    # A period that starts in a covered year and ends beyond it is estimated too.
    crossing = add_working_days(date(last, 12, 30), 3)
    assert crossing.estimated and crossing.day.year == beyond
    assert not add_working_days(date(last, 12, 1), 3).estimated


def test_n_below_one_is_refused():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 10, 1), 0)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 10, 1), -3)


def test_an_estimated_year_still_skips_the_fixed_date_holidays():
    beyond = covered_years()[1] + 1
    for month, day in [(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)]:
        assert not is_working_day(date(beyond, month, day)), (month, day)
    assert is_working_day(date(beyond, 10, 4)) == (date(beyond, 10, 4).weekday() < 5)
    # A deadline counted into the National Day week lands after it, and says it is estimated.
    deadline = add_working_days(date(beyond, 9, 30), 1)
    assert deadline.estimated and deadline.day > date(beyond, 10, 3) and deadline.day.weekday() < 5
    # Across New Year from the last published year: 31 December, then never 1 January.
    last = covered_years()[1]
    crossing = add_working_days(date(last, 12, 24), 6)
    assert crossing.estimated and crossing.day != date(beyond, 1, 1)
    assert working_days_between(date(last, 12, 31), date(beyond, 1, 1)) == 0
