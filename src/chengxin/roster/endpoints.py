"""Roster API (职业信用档案)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chengxin.callers import Caller, permit
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, writes
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.params import Int64
from chengxin.roster import schemas as s
from chengxin.roster import service

router = APIRouter(prefix="/api/v1", tags=["职业信用档案"], responses=PROBLEM_RESPONSES)


@router.get("/roster", response_model=s.RosterOut, summary="职业信用档案")
@writes
def roster(caller: Annotated[Caller, permit("roster.read")], session: SessionDep, keys: KeysDep,
           catalog: CatalogDep, occupation: Annotated[str, Query(max_length=40, description="职业人群编码")],
           limit: Annotated[Int64, Query(ge=1, le=500)] = 100,
           offset: Annotated[Int64, Query(ge=0)] = 0) -> s.RosterOut:
    """某一职业人群的在册人员（由资格、执业注册、从业登记等信息生成；姓名和证件号码脱敏），及每人在该职业
    失信信息项下尚未结束的失信事项数。信用办可查看全部职业；部门只能查看本部门报送其资格或登记信息的职业。
    查看即记入查询日志。"""
    return service.roster(session, keys, catalog, caller, occupation, today(), limit, offset)
