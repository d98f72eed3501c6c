"""List API: direct entries, exits, and the lists of a subject."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, writes
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.lists import service
from chengxin.lists.rules import STATUS_LABELS
from chengxin.lists.schemas import DirectEntryIn, EntriesOut, EntryOut, ExitIn
from chengxin.matters import repository as matters_repo
from chengxin.matters import service as matters
from chengxin.matters.models import Matter
from chengxin.matters.rules import EXIT_LABELS, LIST_LABELS, listing_state
from chengxin.params import Int64

router = APIRouter(prefix="/api/v1/lists", tags=["名单"], responses=PROBLEM_RESPONSES)


def entry_out(m: Matter, as_of: date) -> EntryOut:
    """A listed matter as a list entry (its id is the matter's id)."""
    assert m.list_type is not None
    status = listing_state(matters.facts(m), as_of)
    exited = m.ended_on if status == "exited" else None
    exit_reason = m.end_reason if exited else ("term_ended" if status == "expired" else None)
    return EntryOut(
        id=m.id, subject_key=m.subject_key, subject_kind=m.subject_kind, list_type=m.list_type,
        list_label=LIST_LABELS[m.list_type], source=m.origin, department_code=m.department_code,
        item_code=m.item_code, severity=m.severity, basis=m.basis or "", reference=m.reference,
        start_date=m.start_date, planned_end=m.planned_end, status=status,
        status_label=STATUS_LABELS[status], exited_on=exited, exit_reason=exit_reason,
        exit_label=EXIT_LABELS.get(exit_reason or ""), disputed=m.disputed_at is not None,
        updated_at=m.updated_at)


@router.post("/entries", response_model=EntryOut, status_code=201, summary="直接列入名单")
def add_entry(
    body: DirectEntryIn, caller: Annotated[Caller, permit("lists.write")], session: SessionDep, keys: KeysDep,
    catalog: CatalogDep,
) -> EntryOut:
    """认定部门直接列入红名单、黑名单或重点关注名单，须写明依据；未成年人不得列入黑名单。
    人民法院列入黑名单即失信被执行人名单（目录项 SFCP-01，期限 2 年，限制高消费等措施）。"""
    department = caller.require_department()
    return entry_out(service.add_direct(session, catalog, keys, department, body), today())


@router.post("/entries/{entry_id}/exit", response_model=EntryOut, summary="移出名单")
def exit_entry(
    entry_id: str, body: ExitIn, caller: Annotated[Caller, permit("lists.write")], session: SessionDep,
    catalog: CatalogDep, settings: SettingsDep,
) -> EntryOut:
    """列入部门将条目移出名单（撤销、法院删除、信用修复）：该事项当日起停止公示、不再命中，本人收到通知。"""
    department = caller.require_department()
    entry = service.exit_by_department(session, catalog, department, entry_id[:26], body.reason, body.note,
                                       settings)
    return entry_out(entry, today())


@router.get("/entries", response_model=EntriesOut, summary="名单条目")
@writes
def list_entries(
    caller: Annotated[Caller, permit("lists.read")], session: SessionDep,
    list_type: Annotated[Literal["black", "red", "watch"] | None, Query()] = None,
    limit: Annotated[Int64, Query(ge=1, le=1000)] = 100,
    offset: Annotated[Int64, Query(ge=0)] = 0,
) -> EntriesOut:
    """信用办查看全部名单条目；部门只看本部门列入的条目。"""
    department = None if caller.has("operator") else caller.require_department()
    day = today()
    rows = [m for m, *_ in matters_repo.listed(session, list_type=list_type, department_code=department, status=None,
                                                as_of=day, limit=limit, offset=offset)]
    log_reads(session, caller, "list", [Read(m.subject_key, "ok", m.id) for m in rows if m.subject_kind == "person"])
    return EntriesOut(as_of=day, entries=[entry_out(m, day) for m in rows])
