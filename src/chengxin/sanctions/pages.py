"""Measure-list page (public): searchable, folded by scenario; each measure at /measures#measure-<code>."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chengxin.callers import permit
from chengxin.creditfile.service import SEVERITY_LABELS
from chengxin.sanctions.endpoints import measure_out
from chengxin.sanctions.measures import CONDITIONS, EFFECT_LABELS, TARGET_LISTS, Measure, MeasureList
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)


def _words(m: Measure, measures: MeasureList, departments: dict[str, str]) -> str:
    """Everything a visitor may search a measure by, in one lower-case text."""
    t = m.targets
    parts = [m.code, m.name, m.description, m.legal_basis, m.kind_label, m.effect_label, m.nature_label,
             *(b.level_label for b in m.bases),
             *(measures.scenarios.get(s, s) for s in m.scenarios), *(TARGET_LISTS.get(x, x) for x in t.lists),
             *(SEVERITY_LABELS.get(x, x) for x in t.severities), *t.items,
             *(CONDITIONS.get(x, x) for x in t.conditions), *(("诚信积分", *t.grades) if t.grades else ()),
             *(departments.get(d, d) for d in m.implementing_departments)]
    return " ".join(p for p in parts if p).lower()


@router.get("/measures", response_class=HTMLResponse, dependencies=[permit("public")])
def measures_page(request: Request, scenario: Annotated[str | None, Query(max_length=48)] = None,
                  q: Annotated[str, Query(max_length=50)] = "",
                  effect: Annotated[str, Query(max_length=12)] = "") -> HTMLResponse:
    """联合奖惩措施清单：按业务场景折叠，可按关键词、场景和奖惩类别查找；每项措施可用
    /measures#measure-编码 直接打开。"""
    measures: MeasureList = request.app.state.measures
    departments = request.app.state.catalog.departments
    scenario = scenario if scenario in measures.scenarios else None
    effect = effect if effect in EFFECT_LABELS else ""
    words = q.strip().lower().split()
    chosen = [m for m in (measures.for_scenario(scenario) if scenario else measures.measures.values())
              if (not effect or m.effect == effect)
              and all(w in _words(m, measures, departments) for w in words)]
    filtered = bool(scenario or effect or words)
    groups: list[tuple[str, str, list[Any]]] = []
    if not filtered:  # folded by each measure's first scenario: every measure once, under one heading
        for code, name in measures.scenarios.items():
            inside = [measure_out(m) for m in chosen if m.scenarios and m.scenarios[0] == code]
            if inside:
                groups.append((code, name, inside))
    return render(request, "sanctions/measures.html", measures=measures, chosen=[measure_out(m) for m in chosen],
                  groups=groups, filtered=filtered, scenario=scenario or "", q=q.strip(), effect=effect,
                  effects=EFFECT_LABELS.items(), departments=departments,
                  labels={"effect": EFFECT_LABELS, "list": TARGET_LISTS, "condition": CONDITIONS,
                          "severity": SEVERITY_LABELS})
