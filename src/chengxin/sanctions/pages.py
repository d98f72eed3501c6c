"""Measure-list page (public): every measure with its targets, scenarios and legal basis."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chengxin.callers import permit
from chengxin.creditfile.service import SEVERITY_LABELS
from chengxin.sanctions.endpoints import measure_out
from chengxin.sanctions.measures import CONDITIONS, EFFECT_LABELS, TARGET_LISTS, MeasureList
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/measures", response_class=HTMLResponse, dependencies=[permit("public")])
def measures_page(request: Request, scenario: Annotated[str | None, Query(max_length=48)] = None) -> HTMLResponse:
    """联合奖惩措施清单，可按业务场景筛选。"""
    measures: MeasureList = request.app.state.measures
    scenario = scenario if scenario in measures.scenarios else None
    chosen = measures.for_scenario(scenario) if scenario else tuple(measures.measures.values())
    return render(request, "sanctions/measures.html", measures=measures, chosen=[measure_out(m) for m in chosen],
                  scenario=scenario or "", departments=request.app.state.catalog.departments,
                  labels={"effect": EFFECT_LABELS, "list": TARGET_LISTS, "condition": CONDITIONS,
                          "severity": SEVERITY_LABELS})
