"""Working days over the Chinese statutory calendar (holidays off, make-up working days on)."""

from chengxin.workdays.rules import (
    Deadline,
    add_working_days,
    covered_years,
    deadline_of,
    is_working_day,
    working_days_between,
)

__all__ = ["Deadline", "add_working_days", "covered_years", "deadline_of", "is_working_day", "working_days_between"]
