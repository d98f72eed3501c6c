"""List API: direct entries, exits, and the lists of a subject."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.clock import today
from chengxin.deps import KeysDep, SessionDep, writes
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.lists import repository as repo
from chengxin.lists import service
from chengxin.lists.models import EXIT_LABELS, LIST_LABELS, ListEntry
from chengxin.lists.rules import STATUS_LABELS, entry_status
from chengxin.lists.schemas import DirectEntryIn, EntriesOut, EntryOut, ExitIn

router = APIRouter(prefix="/api/v1/lists", tags=["名单"], responses=PROBLEM_RESPONSES)


def entry_out(e: ListEntry, as_of: date) -> EntryOut:
    status = entry_status(e.start_date, e.planned_end, e.exited_on, as_of)
    return EntryOut(
        id=e.id, subject_key=e.subject_key, subject_kind=e.subject_kind, list_type=e.list_type,
        list_label=LIST_LABELS[e.list_type], source=e.source, department_code=e.department_code,
        item_code=e.item_code, severity=e.severity, basis=e.basis, reference=e.reference,
        start_date=e.start_date, planned_end=e.planned_end, status=status,
        status_label=STATUS_LABELS[status], exited_on=e.exited_on, exit_reason=e.exit_reason,
        exit_label=EXIT_LABELS.get(e.exit_reason or ""), disputed=e.disputed_at is not None,
        updated_at=e.updated_at)


@router.post("/entries", response_model=EntryOut, status_code=201, summary="直接列入名单")
def add_entry(
    body: DirectEntryIn, caller: Annotated[Caller, permit("lists.write")], session: SessionDep, keys: KeysDep,
) -> EntryOut:
    """认定部门直接列入红名单、黑名单或重点关注名单，须写明依据；未成年人不得列入黑名单。"""
    department = caller.require_department()
    return entry_out(service.add_direct(session, keys, department, body), today())


@router.post("/entries/{entry_id}/exit", response_model=EntryOut, summary="移出名单")
def exit_entry(
    entry_id: str, body: ExitIn, caller: Annotated[Caller, permit("lists.write")], session: SessionDep,
) -> EntryOut:
    """列入部门将条目移出名单（撤销、法院删除、信用修复），当日起不再命中。"""
    department = caller.require_department()
    entry = service.exit_by_department(session, department, entry_id[:26], body.reason, body.note)
    return entry_out(entry, today())


@router.get("/entries", response_model=EntriesOut, summary="名单条目")
@writes
def list_entries(
    caller: Annotated[Caller, permit("lists.read")], session: SessionDep,
    list_type: Annotated[Literal["black", "red", "watch"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> EntriesOut:
    """信用办查看全部名单条目；部门只看本部门列入的条目。"""
    department = None if caller.has("operator") else caller.require_department()
    day = today()
    rows = repo.search(session, list_type=list_type, department_code=department, limit=limit, offset=offset)
    log_reads(session, caller, "list", [Read(e.subject_key, "ok", e.id) for e in rows if e.subject_kind == "person"])
    return EntriesOut(as_of=day, entries=[entry_out(e, day) for e in rows])
