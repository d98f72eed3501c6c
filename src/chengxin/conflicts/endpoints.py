"""Conflict API: the credit office's queue of differing identity and organisation data."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.cases.actors import actor_of
from chengxin.conflicts import repository as repo
from chengxin.conflicts import service
from chengxin.conflicts.schemas import ConflictOut, ConflictsOut, ResolutionIn
from chengxin.deps import KeysDep, SessionDep, SettingsDep, writes
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.identity.registry import from_settings
from chengxin.params import Int64

router = APIRouter(prefix="/api/v1/conflicts", tags=["信息冲突"], responses=PROBLEM_RESPONSES)
Resolver = Annotated[Caller, permit("conflicts.resolve")]


def _shown(session: SessionDep, keys: KeysDep, caller: Caller, rows: list,
           asked: service.RegistryAsked | None = None) -> list[ConflictOut]:
    views, persons = service.describe(session, keys, rows)
    log_reads(session, caller, "conflict", [Read(k, "ok") for k in persons])
    if asked is not None:
        service.log_registry(session, caller, rows[0].id, asked)
        views[0].registry = asked.check
    return views


@router.get("", response_model=ConflictsOut, summary="信息冲突队列")
@writes  # it logs the persons it shows
def queue(
    caller: Resolver, session: SessionDep, keys: KeysDep,
    status: Annotated[Literal["open", "kept", "accepted", "corrected", "all"], Query()] = "open",
    kind: Annotated[Literal["person_name", "org_name", "org_roles"] | None, Query()] = None,
    limit: Annotated[Int64, Query(ge=1, le=500)] = 100,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> ConflictsOut:
    """部门报送的姓名、组织名称或组织责任人与平台登记的不一致时，平台不作改变，提交信用办核实；先到先办。"""
    rows = repo.queue(session, status=None if status == "all" else status, kind=kind, limit=limit, offset=offset)
    return ConflictsOut(open_total=repo.count_open(session), conflicts=_shown(session, keys, caller, rows))


@router.get("/{conflict_id}", response_model=ConflictOut, summary="一项信息冲突")
@writes  # it logs the person it shows
def detail(conflict_id: str, caller: Resolver, session: SessionDep, keys: KeysDep,
           settings: SettingsDep) -> ConflictOut:
    """冲突的双方内容、报送部门与来源记录、报送次数与处理结果；待核实的自然人姓名冲突当即向户籍库核验，
    答复在 registry 中（哪个姓名与户籍一致，或未能核验及原因）。"""
    asked = service.registry_check(session, keys, from_settings(settings), conflict_id)
    return _shown(session, keys, caller, [service.get(session, conflict_id)], asked)[0]


@router.post("/{conflict_id}/resolution", response_model=ConflictOut, summary="处理信息冲突")
def resolve(conflict_id: str, body: ResolutionIn, caller: Resolver, session: SessionDep,
            keys: KeysDep, settings: SettingsDep) -> ConflictOut:
    """维持平台登记、采用报送内容，或更正为信用办核实的名称，须写明核实情况；自然人姓名冲突还可按户籍信息处理
    （registry：当即向户籍库核验，姓名设为户籍登记的姓名，来源为户籍登记信息，核验答复写入核实情况）。
    自然人姓名冲突的处理结果告知本人。"""
    asked = None
    if body.decision == "registry":
        asked = service.registry_check(session, keys, from_settings(settings), conflict_id)
    conflict = service.resolve(session, conflict_id, decision=body.decision, value=body.value, note=body.note,
                               actor=actor_of(caller), registry=asked.check if asked else None)
    return _shown(session, keys, caller, [conflict], asked)[0]
