"""Measure-list API (public: the measures and their legal bases are policy, not personal data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from chengxin.callers import permit
from chengxin.errors import PROBLEM_RESPONSES, DomainError
from chengxin.sanctions.measures import Measure, MeasureList
from chengxin.sanctions.schemas import BasisOut, MeasureListOut, MeasureOut, ScenarioOut, TargetsOut

router = APIRouter(prefix="/api/v1/measures", tags=["措施清单"], responses=PROBLEM_RESPONSES)


def measure_out(m: Measure) -> MeasureOut:
    t = m.targets
    return MeasureOut(
        code=m.code,
        name=m.name,
        effect=m.effect,
        kind=m.kind,
        kind_label=m.kind_label,
        mandatory=m.mandatory,
        targets=TargetsOut(
            lists=list(t.lists), severities=list(t.severities), items=list(t.items), conditions=list(t.conditions),
            grades=list(t.grades),
        ),
        domains=list(m.domains),
        scenarios=list(m.scenarios),
        implementing_departments=list(m.implementing_departments),
        legal_basis=m.legal_basis,
        nature=m.nature,
        nature_label=m.nature_label,
        bases=[BasisOut(level=b.level, level_label=b.level_label, citation=b.citation,
                        scope=[*(b.items or ()), *(b.lists or ())]) for b in m.bases],
        blocks_when_disputed=m.blocks_when_disputed,
        applies_to_responsible_persons=m.applies_to_responsible_persons,
        description=m.description,
    )


@router.get("", response_model=MeasureListOut, summary="联合奖惩措施清单", dependencies=[permit("public")])
def read_measures(
    request: Request,
    scenario: Annotated[str | None, Query(max_length=48, description="只看某业务场景的措施")] = None,
) -> MeasureListOut:
    """现行措施清单：每项措施的奖惩类别、性质（减损权益、管理或市场措施）、对象、适用场景、实施部门与法律依据；
    每项依据标明层级（法律、行政法规、党中央国务院政策文件、部门规章、规范性文件等）。"""
    measures: MeasureList = request.app.state.measures
    if scenario is not None and scenario not in measures.scenarios:
        raise DomainError("CHECK_SCENARIO_UNKNOWN", f"未知的业务场景“{scenario}”", 422)
    chosen = measures.for_scenario(scenario) if scenario else tuple(measures.measures.values())
    return MeasureListOut(
        version=measures.version,
        effective_date=measures.effective_date,
        scenarios=[ScenarioOut(code=c, name=n) for c, n in measures.scenarios.items()],
        measures=[measure_out(m) for m in chosen],
    )
