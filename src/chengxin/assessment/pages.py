"""The assessment (考核) for the credit office, as a leadership report: headline figures against the
previous period, a ranked and sortable table with its totals row, the comparison per department, sorted
charts, an Excel file and an A4 printout.

The charts are drawn by the vendored ECharts, started by our own static script from the figures the page
carries in `data-chart` attributes (JSON): the Content-Security-Policy allows no inline script."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from chengxin.assessment import export, report, rules, service
from chengxin.callers import permit
from chengxin.clock import today
from chengxin.deps import CatalogDep, SessionDep
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
First = Annotated[date | None, Query(description="起始日（含）")]
Last = Annotated[date | None, Query(description="截止日（含）")]
Backfill = Annotated[str, Query(max_length=8, description="exclude：不计历史补录；include：计入")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(session: SessionDep, first: date | None, last: date | None, backfill: str, sort: str = "rank",
            order: str = "") -> report.Report:
    day = today()
    first, last = service.period(first, last, day)
    exclude = backfill != "include"
    prev_first, prev_last = rules.previous_period(first, last)
    now = service.assess(session, first, last, day, exclude_backfill=exclude)
    before = service.assess(session, prev_first, prev_last, day, exclude_backfill=exclude)
    return report.build(now, before, sort=sort, descending={"asc": False, "desc": True}.get(order))


def _query(r: report.Report, **extra: str) -> str:
    params = {"first": r.now.first.isoformat(), "last": r.now.last.isoformat(),
              "backfill": "exclude" if r.now.backfill_excluded else "include", **extra}
    return urlencode(params)


@router.get("/console/assessment", response_class=HTMLResponse, dependencies=[permit("assessment.read")])
def dashboard(request: Request, session: SessionDep, first: First = None, last: Last = None,
              backfill: Backfill = "exclude", sort: Annotated[str, Query(max_length=40)] = "rank",
              order: Annotated[str, Query(max_length=4)] = "") -> HTMLResponse:
    """部门考核报告：主要指标与上期比较、综合排名、可排序的指标表（含合计）、图表，可导出 Excel、打印。"""
    r = _report(session, first, last, backfill, sort, order)
    sort = sort if sort in rules.SORTABLE else "rank"
    descending = {"asc": False, "desc": True}.get(order, rules.default_descending(sort))
    sorts = {}
    for key in rules.SORTABLE:
        first_way = rules.default_descending(key)
        way = (not descending) if key == sort else first_way
        sorts[key] = "?" + _query(r, sort=key, order="desc" if way else "asc")
    return render(request, "assessment/dashboard.html", report=r, result=r.now, rows=r.rows, charts=r.charts,
                  idle=r.idle, sort=sort, descending=descending, sorts=sorts, query=_query(r),
                  definitions=export.definitions(r), backfill_days=rules.BACKFILL_DAYS, pct=report.pct,
                  num=report.num)


@router.get("/console/assessment/report.xlsx", dependencies=[permit("assessment.read")])
def workbook(request: Request, session: SessionDep, first: First = None, last: Last = None,
             backfill: Backfill = "exclude") -> Response:
    """部门考核报告（Excel）：主要指标、排名与合计、与上期比较、指标说明；A4 横向打印为一页宽。"""
    r = _report(session, first, last, backfill)
    name = f"部门考核_{r.now.first.isoformat()}_{r.now.last.isoformat()}.xlsx"
    return Response(export.workbook(r, request.app.state.site.name), media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"assessment-{r.now.first.isoformat()}.xlsx\"; "
                               f"filename*=UTF-8''{quote(name)}"})


@router.get("/console/assessment/coverage", response_class=HTMLResponse, dependencies=[permit("assessment.read")])
def coverage(request: Request, session: SessionDep, catalog: CatalogDep, first: First = None,
             last: Last = None) -> HTMLResponse:
    """归集覆盖：实施方案的每项归集要求对应的目录项、报送部门和本期归集量，缺口标出。"""
    first, last = service.period(first, last, today())
    return render(request, "assessment/coverage.html", result=service.coverage(session, catalog, first, last))
