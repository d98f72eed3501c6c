"""The assessment dashboard (考核) for the credit office: a period, a table per department and charts.

The charts are drawn by the vendored ECharts, started by our own static script from the figures the page
carries in `data-chart` attributes (JSON): the Content-Security-Policy allows no inline script."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chengxin.assessment import service
from chengxin.assessment.schemas import DepartmentRow
from chengxin.callers import permit
from chengxin.clock import today
from chengxin.deps import SessionDep
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)


def _active(r: DepartmentRow) -> bool:
    return bool(r.records or r.batches or r.hits or r.objections_open or r.objections_decided)


def _chart(title: str, rows: list[DepartmentRow], value: str, unit: str, percent: bool = False) -> dict[str, Any]:
    """One horizontal bar chart: departments with a figure for `value`, in the table's order."""
    shown = [(r.department_name, getattr(r, value)) for r in rows if getattr(r, value) is not None]
    return {"title": title, "unit": unit, "labels": [name for name, _ in shown],
            "values": [round(v * 100, 1) if percent else v for _, v in shown]}


@router.get("/console/assessment", response_class=HTMLResponse, dependencies=[permit("assessment.read")])
def dashboard(request: Request, session: SessionDep,
              first: Annotated[date | None, Query(description="起始日（含）")] = None,
              last: Annotated[date | None, Query(description="截止日（含）")] = None) -> HTMLResponse:
    """部门考核：统计期间内各部门的报送量、及时率、差错率、反馈率与异议处理时长，附图表。"""
    day = today()
    first, last = service.period(first, last, day)
    result = service.assess(session, first, last, day)
    rows = [r for r in result.departments if _active(r)]
    charts = [_chart("报送记录数", rows, "records", "条"),
              _chart("差错率", rows, "error_rate", "%", percent=True),
              _chart("反馈率", rows, "feedback_rate", "%", percent=True),
              _chart("异议平均处理时长", rows, "objection_mean_working_days", "个工作日")]
    return render(request, "assessment/dashboard.html", result=result, rows=rows, charts=charts,
                  idle=len(result.departments) - len(rows))
