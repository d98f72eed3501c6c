"""List management pages: the credit office browses every list entry, a department its own, lists a
subject directly and takes an entry off with a reason. Showing who is on a list reads personal data:
each page logs its reads through the access-log choke point."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.access.service import Read, log_reads
from chengxin.accounts.rules import allowed
from chengxin.callers import Caller, permit
from chengxin.clock import today
from chengxin.creditfile.service import SEVERITY_LABELS, build_file
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, StandbyDep, lag_tolerant, writes
from chengxin.errors import DomainError, NotFound
from chengxin.identity.rules import ID_TYPES
from chengxin.lists import service
from chengxin.lists.endpoints import entry_out
from chengxin.lists.schemas import DirectEntryIn, EntryOut
from chengxin.masking import mask_id
from chengxin.matters import repository as repo
from chengxin.matters.rules import EXIT_LABELS, LIST_LABELS
from chengxin.params import Int64
from chengxin.web.forms import model_from_form
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Caller, permit("lists.read")]
Writer = Annotated[Caller, permit("lists.write")]
STATUSES = {"active": "在列", "expired": "期限届满未移出", "exited": "已移出", "all": "全部"}
SOURCES = {"record": "随信用记录列入", "direct": "部门直接列入"}
MANUAL_EXITS = {code: EXIT_LABELS[code] for code in service.MANUAL_EXITS}
LABELS = {"list_type": "名单", "id_type": "证件类型", "id_number": "证件号码", "name": "姓名",
          "uscc": "统一社会信用代码", "basis": "列入依据", "reference": "认定文书编号", "start_date": "列入日期",
          "planned_end": "计划移出日", "severity": "失信程度"}
Short = Annotated[str, Form(max_length=200)]


@dataclass(slots=True)
class Row:
    e: EntryOut
    subject: str
    id_number: str


def _rows(keys: KeysDep, found: list[Any], day: date) -> list[Row]:
    rows = []
    for entry, person_name, cipher, org_name in found:
        if cipher is not None:
            rows.append(Row(entry_out(entry, day), person_name or "",
                            mask_id(keys.decrypt(cipher, entry.subject_key.encode()))))
        else:
            rows.append(Row(entry_out(entry, day), org_name or "（组织）", ""))
    return rows


def _scope(caller: Caller) -> str | None:
    """The office sees every department's entries; a department only its own."""
    return None if caller.has("operator") else caller.require_department()


@router.get("/console/lists", response_class=HTMLResponse)
@writes
def entries_page(request: Request, caller: Reader, session: SessionDep, keys: KeysDep, catalog: CatalogDep,
                 list_type: Annotated[str, Query(max_length=8)] = "",
                 status: Annotated[str, Query(max_length=8)] = "active",
                 department: Annotated[str, Query(max_length=64)] = "",
                 page: Annotated[Int64, Query(ge=1, le=500)] = 1) -> HTMLResponse:
    """名单管理：按名单、状态（和部门）筛选名单条目，最新列入的在前；查看即记入查询日志。"""
    scope = _scope(caller)
    kind = list_type if list_type in LIST_LABELS else ""
    status = status if status in STATUSES else "active"
    dept = scope or (department if department in catalog.departments else "")
    day = today()
    found = repo.listed(session, list_type=kind or None, department_code=dept or None,
                        status=None if status == "all" else status, as_of=day, limit=51, offset=(page - 1) * 50)
    rows = _rows(keys, found[:50], day)
    log_reads(session, caller, "list", [Read(r.e.subject_key, "ok", r.e.id) for r in rows])
    return render(request, "lists/entries.html", rows=rows, has_more=len(found) > 50, page=page, list_type=kind,
                  status=status, department=dept, office=scope is None, list_types=LIST_LABELS.items(),
                  statuses=STATUSES.items(), departments=catalog.departments, sources=SOURCES,
                  may_write=caller.is_department)


@router.get("/console/lists/new", response_class=HTMLResponse)
def new_page(request: Request, caller: Writer) -> HTMLResponse:
    """直接列入名单：认定部门写明依据和文书编号（信用记录所列的名单随记录自动生成，无须在此填写）。"""
    caller.require_department()
    return _form(request, {"list_type": "black", "id_type": "citizen_id", "start_date": today().isoformat()})


def _form(request: Request, values: dict[str, str], error: DomainError | None = None) -> HTMLResponse:
    return render(request, "lists/new.html", http_status=error.status if error else 200, v=values,
                  list_types=LIST_LABELS.items(), id_types=ID_TYPES.items(), severities=SEVERITY_LABELS.items(),
                  error=error, errors=error.extra.get("errors", []) if error else [])


@router.post("/console/lists", response_class=HTMLResponse)
def add_page(request: Request, caller: Writer, session: SessionDep, keys: KeysDep, catalog: CatalogDep,
             list_type: Annotated[str, Form(max_length=8)], basis: Annotated[str, Form(max_length=2000)],
             start_date: Annotated[str, Form(max_length=10)], subject: Annotated[str, Form(max_length=12)] = "person",
             id_type: Annotated[str, Form(max_length=32)] = "citizen_id",
             id_number: Annotated[str, Form(max_length=64)] = "", name: Short = "",
             uscc: Annotated[str, Form(max_length=18)] = "", reference: Short = "",
             planned_end: Annotated[str, Form(max_length=10)] = "",
             severity: Annotated[str, Form(max_length=8)] = "") -> Response:
    """列入名单；填写有误时回到表单说明原因（证件号码不回显，须重新填写）。"""
    department = caller.require_department()
    person = subject != "organisation"
    values = {"list_type": list_type, "subject": "person" if person else "organisation", "id_type": id_type,
              "name": name, "uscc": uscc, "basis": basis, "reference": reference, "start_date": start_date,
              "planned_end": planned_end, "severity": severity}
    try:
        body = model_from_form(DirectEntryIn, LABELS, list_type=list_type, id_type=id_type,
                               id_number=(id_number.strip() or None) if person else None,
                               name=(name.strip() or None) if person else None,
                               uscc=None if person else (uscc.strip() or None), basis=basis.strip(),
                               reference=reference.strip() or None, start_date=start_date,
                               planned_end=planned_end or None, severity=severity or None)
        entry = service.add_direct(session, catalog, keys, department, body)
    except DomainError as err:
        return _form(request, values, err)
    return RedirectResponse(f"/console/lists/{entry.id}", status_code=303)


@router.get("/console/lists/{entry_id}", response_class=HTMLResponse)
@writes
def entry_page(entry_id: str, request: Request, caller: Reader, session: SessionDep, keys: KeysDep,
               catalog: CatalogDep) -> HTMLResponse:
    """一条名单条目：主体、依据、期限与状态，所涉个人的信用档案入口；列入部门可在此移出并说明理由。查看即记入查询日志。"""
    return _entry(request, caller, session, keys, catalog, entry_id)


def _entry(request: Request, caller: Caller, session: SessionDep, keys: KeysDep, catalog: CatalogDep, entry_id: str,
           *, errors: dict[str, str] | None = None, typed: dict[str, str] | None = None) -> HTMLResponse:
    scope = _scope(caller)
    day = today()
    found = repo.listed(session, list_type=None, department_code=scope, status=None, as_of=day, limit=1, offset=0,
                        matter_id=entry_id[:26])
    if not found:
        raise NotFound("LIST_ENTRY_NOT_FOUND", "没有该名单条目，或它不是本部门列入的")
    (row,) = _rows(keys, found, day)
    log_reads(session, caller, "list", [Read(row.e.subject_key, "ok", row.e.id)])
    item = catalog.item(row.e.item_code) if row.e.item_code else None
    may_exit = caller.is_department and row.e.department_code == caller.department_code and row.e.exited_on is None
    reasons = {k: v for k, v in MANUAL_EXITS.items() if k != "court_deleted" or caller.department_code == "court"}
    return render(request, "lists/entry.html", r=row, item_name=item.name if item else None,
                  department_name=catalog.departments.get(row.e.department_code, row.e.department_code),
                  sources=SOURCES, severities=SEVERITY_LABELS, may_exit=may_exit, reasons=reasons.items(),
                  may_file=bool(row.id_number) and allowed("files.read", caller.roles), errors=errors or {},
                  typed=typed or {"reason": "", "note": ""})


@router.get("/console/lists/{entry_id}/file", response_class=HTMLResponse)
@writes
@lag_tolerant
def entry_file_page(entry_id: str, request: Request, caller: Annotated[Caller, permit("files.read")],
                    session: SessionDep, standby: StandbyDep, keys: KeysDep, catalog: CatalogDep) -> HTMLResponse:
    """名单条目所涉个人的信用档案（与按证件号码查询同一档案，部门只能从本部门列入的条目进入）；查看即记入查询日志。"""
    scope = _scope(caller)
    reader = standby or session  # the read on a standby within the lag bound; the log on the primary
    found = repo.listed(reader, list_type=None, department_code=scope, status=None, as_of=today(), limit=1,
                        offset=0, matter_id=entry_id[:26])
    if not found or found[0][2] is None:
        raise NotFound("LIST_ENTRY_NOT_FOUND", "没有该名单条目，或它不是本部门列入的个人条目")
    entry = found[0][0]
    file = build_file(reader, catalog=catalog, keys=keys, tiers=request.app.state.tiers,
                      person_key=entry.subject_key, caller=caller)
    log_reads(session, caller, "file", [Read(entry.subject_key, "ok", entry.id)], purpose="名单管理：查看所涉信用档案")
    return render(request, "lists/file.html", file=file, entry_id=entry.id)


# Which field of the exit form an error is about.
EXIT_FIELDS = {"LIST_EXIT_NOTE_REQUIRED": "note", "LIST_EXIT_REASON_UNKNOWN": "reason",
               "LIST_EXIT_NOT_ALLOWED": "reason"}


@router.post("/console/lists/{entry_id}/exit")
def exit_page(entry_id: str, request: Request, caller: Writer, session: SessionDep, keys: KeysDep,
              catalog: CatalogDep, settings: SettingsDep, reason: Annotated[str, Form(max_length=16)] = "",
              note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """列入部门将条目移出名单（撤销、法院删除、信用修复），须说明理由；该事项当日起停止公示、不再命中。
    填写有误时回到条目页，说明原因并保留所填内容。"""
    department = caller.require_department()
    try:
        if not reason:
            raise DomainError("LIST_EXIT_REASON_UNKNOWN", "请选择移出理由", 422)
        entry = service.exit_by_department(session, catalog, department, entry_id[:26], reason, note, settings)
    except DomainError as err:
        if err.code not in EXIT_FIELDS:
            raise
        return _entry(request, caller, session, keys, catalog, entry_id, errors={EXIT_FIELDS[err.code]: err.message},
                      typed={"reason": reason, "note": note})
    return RedirectResponse(f"/console/lists/{entry.id}", status_code=303)
