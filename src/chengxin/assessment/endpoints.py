"""Department assessment API (考核), for the credit office."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from chengxin.assessment import schemas as s
from chengxin.assessment import service
from chengxin.callers import permit
from chengxin.clock import today
from chengxin.deps import CatalogDep, SessionDep
from chengxin.errors import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["考核"], responses=PROBLEM_RESPONSES)


@router.get("/assessment", response_model=s.AssessmentOut, summary="部门考核指标",
            dependencies=[permit("assessment.read")])
def assessment(session: SessionDep,
               first: Annotated[date | None, Query(description="起始日（含），缺省为 30 天前")] = None,
               last: Annotated[date | None, Query(description="截止日（含），缺省为今天")] = None,
               exclude_backfill: Annotated[bool, Query(description="不计历史补录（决定早于归集一年以上）")] = False,
               ) -> s.AssessmentOut:
    """各部门报送量、及时率（决定后 7 日内归集）、差错率、反馈率、异议处理时长与超期件数，综合得分与排名，合计。"""
    day = today()
    first, last = service.period(first, last, day)
    return service.assess(session, first, last, day, exclude_backfill=exclude_backfill)


@router.get("/assessment/coverage", response_model=s.CoverageOut, summary="归集覆盖",
            dependencies=[permit("assessment.read")])
def coverage(session: SessionDep, catalog: CatalogDep,
             first: Annotated[date | None, Query(description="起始日（含），缺省为 30 天前")] = None,
             last: Annotated[date | None, Query(description="截止日（含），缺省为今天")] = None) -> s.CoverageOut:
    """种子文件的每项归集要求（重点领域、严重失信行为、重点职业人群）对应的目录项、报送部门和本期归集量；
    目录中没有对应信息项、或本期没有部门报送的要求标为缺口。"""
    day = today()
    first, last = service.period(first, last, day)
    return service.coverage(session, catalog, first, last)
