"""Pure rules of the assessment report: totals, the composite score and ranking, the previous period,
sorting. Plain values in, plain values out (no database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from chengxin.assessment.schemas import DepartmentRow, Totals

# A record collected more than this many days after its decision is historical data loaded late
# (补录: a department bringing its archive onto the platform). Counted, it would sink the department's
# timeliness for work that was never late; the report leaves it out by default and says how much.
BACKFILL_DAYS = 365
# The columns a reader may sort the table by (key -> label), and which way is "better" for each.
SORTABLE: dict[str, str] = {
    "rank": "排名", "department_name": "部门", "records": "记录", "timely_rate": "及时率", "error_rate": "差错率",
    "feedback_rate": "反馈率", "objections_overdue": "超期", "objection_mean_working_days": "平均工作日",
    "score": "综合得分",
}
LOWER_IS_BETTER = frozenset({"error_rate", "objections_overdue", "objection_mean_working_days", "rank"})


def previous_period(first: date, last: date) -> tuple[date, date]:
    """The period of the same length that ends the day before `first`."""
    prev_last = first - timedelta(days=1)
    return prev_last - (last - first), prev_last


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def score(r: DepartmentRow) -> float | None:
    """综合得分 (0–100): the mean of the rates the department has this period — 及时率, 1 − 差错率, 反馈率
    and 异议按期办结率 — each weighing the same; None when it has none of them."""
    parts = [r.timely_rate, None if r.error_rate is None else 1 - r.error_rate, r.feedback_rate,
             r.objection_on_time_rate]
    known = [p for p in parts if p is not None]
    return round(100 * sum(known) / len(known), 1) if known else None


def rank(rows: Sequence[DepartmentRow]) -> None:
    """Set each row's score and rank (1 = best; equal scores share a rank; no score, no rank)."""
    for r in rows:
        r.score = score(r)
    scored = sorted((r for r in rows if r.score is not None), key=lambda r: -(r.score or 0))
    previous, place = None, 0
    for i, r in enumerate(scored, start=1):
        if r.score != previous:
            place, previous = i, r.score
        r.rank = place


def totals(rows: Sequence[DepartmentRow]) -> Totals:
    """The totals row: counts added up, rates recomputed from the sums (never an average of rates)."""
    records = sum(r.records for r in rows)
    timely = sum(r.timely for r in rows)
    lag_days = sum((r.mean_lag_days or 0) * r.records for r in rows)
    total_rows = sum(r.rows for r in rows)
    rejected = sum(r.rejected for r in rows)
    hits, answered = sum(r.hits for r in rows), sum(r.answered for r in rows)
    decided = sum(r.objections_decided for r in rows)
    on_time = sum(r.objections_on_time for r in rows)
    handling = sum((r.objection_mean_working_days or 0) * r.objections_decided for r in rows)
    return Totals(records=records, timely=timely, backfilled=sum(r.backfilled for r in rows),
                  mean_lag_days=round(lag_days / records, 1) if records else None,
                  timely_rate=_rate(timely, records), batches=sum(r.batches for r in rows), rows=total_rows,
                  rejected=rejected, error_rate=_rate(rejected, total_rows), hits=hits, answered=answered,
                  feedback_rate=_rate(answered, hits), objections_open=sum(r.objections_open for r in rows),
                  objections_overdue=sum(r.objections_overdue for r in rows), objections_decided=decided,
                  objections_on_time=on_time, objection_on_time_rate=_rate(on_time, decided),
                  objection_mean_working_days=round(handling / decided, 1) if decided else None)


def sort_rows(rows: Sequence[DepartmentRow], key: str, descending: bool) -> list[DepartmentRow]:
    """The rows by one column; rows without a value for it always come last, whichever the direction."""
    key = key if key in SORTABLE else "rank"
    known = [r for r in rows if getattr(r, key) is not None]
    missing = [r for r in rows if getattr(r, key) is None]
    known.sort(key=lambda r: (getattr(r, key), r.department_code), reverse=descending)
    return known + sorted(missing, key=lambda r: r.department_code)


def default_descending(key: str) -> bool:
    """The first click on a column shows the best first."""
    return key not in LOWER_IS_BETTER and key != "department_name"


def change(now: float | None, before: float | None, percent: bool) -> float | None:
    """Now minus before (percentage points for a rate), or None when either is unknown."""
    if now is None or before is None:
        return None
    return round((now - before) * (100 if percent else 1), 1)
