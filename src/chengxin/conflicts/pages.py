"""Conflict pages: the credit office's queue and the resolution of one conflict."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.cases.actors import actor_of
from chengxin.conflicts import repository as repo
from chengxin.conflicts import rules, service
from chengxin.conflicts.models import Conflict
from chengxin.conflicts.schemas import ConflictOut
from chengxin.deps import KeysDep, SessionDep, SettingsDep, writes
from chengxin.errors import DomainError
from chengxin.identity.registry import from_settings
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Resolver = Annotated[Caller, permit("conflicts.resolve")]
QUEUE_STATUSES = {"open": "待核实", "kept": "维持原登记", "accepted": "采用报送内容", "corrected": "更正为核实结果",
                  "all": "全部"}


def _shown(session: SessionDep, keys: KeysDep, caller: Caller, rows: list[Conflict],
           asked: service.RegistryAsked | None = None) -> list[ConflictOut]:
    views, persons = service.describe(session, keys, rows)
    log_reads(session, caller, "conflict", [Read(k, "ok") for k in persons])
    if asked is not None:
        service.log_registry(session, caller, rows[0].id, asked)
        views[0].registry = asked.check
    return views


@router.get("/console/conflicts", response_class=HTMLResponse)
@writes  # it logs the persons it shows
def queue_page(request: Request, caller: Resolver, session: SessionDep, keys: KeysDep,
               status: Annotated[str, Query(max_length=12)] = "open") -> HTMLResponse:
    """信用办的信息冲突队列（先到先办）。"""
    status = status if status in QUEUE_STATUSES else "open"
    rows = repo.queue(session, status=None if status == "all" else status, kind=None, limit=200, offset=0)
    return render(request, "conflicts/queue.html", rows=_shown(session, keys, caller, rows), status=status,
                  statuses=QUEUE_STATUSES.items(), open_total=repo.count_open(session))


@router.get("/console/conflicts/{conflict_id}", response_class=HTMLResponse)
@writes  # it logs the person it shows
def detail_page(conflict_id: str, request: Request, caller: Resolver, session: SessionDep,
                keys: KeysDep, settings: SettingsDep) -> HTMLResponse:
    """一项信息冲突：平台登记与部门报送的内容、来源，户籍核验的答复，以及处理表单。"""
    asked = service.registry_check(session, keys, from_settings(settings), conflict_id)
    (c,) = _shown(session, keys, caller, [service.get(session, conflict_id)], asked)
    return render(request, "conflicts/detail.html", c=c, may_correct=c.kind != rules.ORG_ROLES)


@router.post("/console/conflicts/{conflict_id}/resolution")
def resolve_page(conflict_id: str, caller: Resolver, session: SessionDep, keys: KeysDep, settings: SettingsDep,
                 decision: Annotated[str, Form(max_length=12)], note: Annotated[str, Form(max_length=2000)] = "",
                 value: Annotated[str, Form(max_length=200)] = "") -> Response:
    """维持、采用报送内容或更正，写明核实情况；或按户籍信息处理。"""
    if decision not in rules.DECISIONS:
        raise DomainError("CONFLICT_DECISION_UNKNOWN", "请选择处理方式", 422)
    asked = None
    if decision == "registry":
        asked = service.registry_check(session, keys, from_settings(settings), conflict_id)
    conflict = service.resolve(session, conflict_id, decision=decision, value=value or None, note=note,
                               actor=actor_of(caller), registry=asked.check if asked else None)
    # deciding on a person's data reads it, as the API's answer does
    _shown(session, keys, caller, [conflict], asked)
    return RedirectResponse(f"/console/conflicts/{conflict.id}", status_code=303)
