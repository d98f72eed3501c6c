"""Pure retention rules: when a matter's behaviour ended, until when it is kept, whether it is due.

"Behaviour ended" (R6, 征信业管理条例 art. 16: 自不良行为或者事件终止之日起): the platform does not
see the conduct itself, so the matter's own end stands for it: the day the matter was ended
(revoked, repaired, deleted by a court) or the last day of its own term (a listing's term, a ban's
end), whichever is earlier; with neither, the decision date (a penalty decided is an event that
ended that day). Publicity periods play no part: they govern showing the information, retention
governs keeping it at all. Years are counted as R12 counts them (`period_last_day`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from chengxin.publicity.rules import add_months, period_last_day

RETENTION = "retention"
REPAIRED = "repaired"
REASON_LABELS = {RETENTION: "保存期满", REPAIRED: "修复后删除"}
# Why a due matter is kept for now; each clears by itself and the next run takes the matter.
HOLD_LABELS = {
    "disputed": "异议处理中",
    "repair_pending": "修复申请处理中",
    "exchange": "变更尚未获上级或相邻平台确认",
    "disclosure": "已获取该信息的机构尚未确认收到修复结果",
}


@dataclass(frozen=True, slots=True)
class Facts:
    """The columns of a matter retention depends on."""

    nature: str
    start: date
    planned_end: date | None
    ended_on: date | None
    end_reason: str | None


def behaviour_end(f: Facts) -> date:
    """The day the behaviour counts as ended (see the module's note)."""
    ends = [d for d in (f.planned_end, f.ended_on) if d is not None]
    return max(f.start, min(ends)) if ends else f.start


def kept_through(f: Facts, years: int) -> date:
    """The last day the matter's information is kept."""
    return period_last_day(behaviour_end(f), years * 12)


def due(f: Facts, as_of: date, years: int, purge_repaired: bool) -> str | None:
    """Why the matter is to be deleted on `as_of` (RETENTION or REPAIRED), or None. Only negative
    information is deleted; positive information (honours) is not negative information."""
    if f.nature != "negative":
        return None
    if as_of > kept_through(f, years):
        return RETENTION
    if purge_repaired and f.end_reason == REPAIRED and f.ended_on is not None and f.ended_on <= as_of:
        return REPAIRED
    return None


def start_cutoff(as_of: date, years: int) -> date:
    """A start date after which no matter can be past retention on `as_of` (a coarse filter for
    the database; `due` decides exactly). Two days of slack cover month-end clamping."""
    return add_months(as_of, -12 * years) + timedelta(days=2)
