"""The assessment as a leadership report: headline figures against the previous period, the ranked table
with its totals row, the comparison per department and the charts, each sorted best first. Built from two
`AssessmentOut` (this period and the one before); the page, the Excel file and the printout all read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chengxin.assessment import rules
from chengxin.assessment.schemas import AssessmentOut, DepartmentRow, Figures

# Chart colours: one per figure so that the charts do not read as one repeated picture.
COLOURS = {"score": "#1d4ed8", "timely_rate": "#166534", "error_rate": "#b91c1c", "feedback_rate": "#7c3aed",
           "records": "#a4161a", "objection_mean_working_days": "#92400e"}


@dataclass(frozen=True, slots=True)
class Headline:
    """One headline figure: its value now, the change since the previous period, and whether that is good."""

    key: str
    label: str
    value: str
    change: str
    better: bool | None  # None: no change or nothing to compare


@dataclass(frozen=True, slots=True)
class Compared:
    """One department against the previous period."""

    row: DepartmentRow
    before: DepartmentRow | None
    score_change: float | None
    rank_change: int | None  # positive: moved up
    timely_change: float | None
    error_change: float | None
    feedback_change: float | None


@dataclass(slots=True)
class Report:
    now: AssessmentOut
    before: AssessmentOut
    rows: list[DepartmentRow]
    idle: int
    headlines: list[Headline] = field(default_factory=list)
    compared: list[Compared] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)


def active(r: Figures) -> bool:
    """A department with anything to assess this period (the others stay out of the table)."""
    return bool(r.records or r.backfilled or r.batches or r.hits or r.objections_open or r.objections_decided)


def pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def num(v: float | int | None) -> str:
    return "—" if v is None else f"{v}"


def _headline(key: str, label: str, now: Figures, before: Figures, *, percent: bool, unit: str = "") -> Headline:
    value, prev = getattr(now, key), getattr(before, key)
    text = pct(value) if percent else (f"{num(value)}{unit}" if value is not None else "—")
    diff = rules.change(value, prev, percent)
    if diff is None:
        return Headline(key, label, text, "上期无可比数据", None)
    if diff == 0:
        return Headline(key, label, text, "与上期持平", None)
    step = "个百分点" if percent else unit
    shown = f"{abs(diff):g}" if not percent else f"{abs(diff):.1f}"
    better = (diff < 0) if key in rules.LOWER_IS_BETTER or key in ("rejected",) else (diff > 0)
    if key == "records":
        better = None  # more records is neither good nor bad in itself
    return Headline(key, label, text, f"较上期{'上升' if diff > 0 else '下降'} {shown} {step}".rstrip(), better)


def _chart(title: str, rows: list[DepartmentRow], key: str, unit: str, percent: bool = False) -> dict[str, Any]:
    """One horizontal bar chart of the departments with a value, best first."""
    shown = rules.sort_rows([r for r in rows if getattr(r, key) is not None], key, rules.default_descending(key))
    return {"title": title, "unit": unit, "color": COLOURS[key], "labels": [r.department_name for r in shown],
            "values": [round(getattr(r, key) * 100, 1) if percent else getattr(r, key) for r in shown]}


def build(now: AssessmentOut, before: AssessmentOut, *, sort: str = "rank", descending: bool | None = None) -> Report:
    rows = [r for r in now.departments if active(r)]
    sort = sort if sort in rules.SORTABLE else "rank"
    ordered = rules.sort_rows(rows, sort, rules.default_descending(sort) if descending is None else descending)
    report = Report(now, before, ordered, len(now.departments) - len(rows))
    t, b = now.totals or Figures(), before.totals or Figures()
    report.headlines = [
        _headline("records", "归集记录", t, b, percent=False, unit=" 条"),
        _headline("timely_rate", "及时率", t, b, percent=True),
        _headline("error_rate", "差错率", t, b, percent=True),
        _headline("feedback_rate", "反馈率", t, b, percent=True),
        _headline("objections_overdue", "超期未办结异议", t, b, percent=False, unit=" 件"),
        _headline("objection_mean_working_days", "异议平均处理", t, b, percent=False, unit=" 个工作日"),
    ]
    previous = {r.department_code: r for r in before.departments}
    for r in rules.sort_rows(rows, "rank", False):
        p = previous.get(r.department_code)
        report.compared.append(Compared(
            r, p, rules.change(r.score, p.score if p else None, False),
            (p.rank - r.rank) if p and p.rank and r.rank else None,
            rules.change(r.timely_rate, p.timely_rate if p else None, True),
            rules.change(r.error_rate, p.error_rate if p else None, True),
            rules.change(r.feedback_rate, p.feedback_rate if p else None, True)))
    report.charts = [_chart("综合得分", rows, "score", "分"), _chart("及时率", rows, "timely_rate", "%", True),
                     _chart("差错率", rows, "error_rate", "%", True),
                     _chart("反馈率", rows, "feedback_rate", "%", True), _chart("报送记录数", rows, "records", "条"),
                     _chart("异议平均处理时长", rows, "objection_mean_working_days", "个工作日")]
    return report
