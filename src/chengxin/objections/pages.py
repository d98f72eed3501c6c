"""Objection pages: the person files, follows and withdraws; the source department decides, the
credit office oversees what is overdue. Handlers' reads go through the access-log choke point."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.cases import repository as case_repo
from chengxin.cases import service as cases
from chengxin.cases import targets
from chengxin.cases.forms import form_errors
from chengxin.cases.progress import of_objection
from chengxin.cases.schemas import EventOut, EvidenceOut
from chengxin.cases.uploads import download, read_uploads
from chengxin.catalog.rules import Catalog
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, writes
from chengxin.errors import DomainError
from chengxin.objections import repository as repo
from chengxin.objections import rules, service
from chengxin.objections.models import Objection
from chengxin.objections.schemas import ObjectionOut
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Person = Annotated[Caller, permit("person.own")]
Handler = Annotated[Caller, permit("objections.handle")]
FIELD_PREFIX = "f_"
QUEUE_STATUSES = {"open": "处理中", "corrected": "已更正", "revoked": "已撤销原记录", "upheld": "维持原记录",
                  "withdrawn": "已撤回"}


def _item_names(catalog: Catalog) -> dict[str, str]:
    return {code: item.name for code, item in catalog.items.items()}


def _case(session: SessionDep, o: Objection) -> dict:
    return {"o": ObjectionOut.of(o, today()), "events": [EventOut.of(e) for e in case_repo.events(
        session, o.subject_key, o.id)], "evidence": [EvidenceOut.of(f) for f in case_repo.evidence_of(
            session, o.subject_key, o.id)]}


@router.get("/me/objections", response_class=HTMLResponse)
def my_objections_page(request: Request, caller: Person, session: SessionDep, catalog: CatalogDep) -> HTMLResponse:
    """我的异议：每件的状态与处理期限。"""
    assert caller.person_key is not None
    day = today()
    items = [(ObjectionOut.of(o, day), of_objection(o)) for o in repo.of_subject(session, caller.person_key)]
    return render(request, "objections/mine.html", items=items, item_names=_item_names(catalog))


def _new_form(request: Request, session: SessionDep, catalog: Catalog, settings: SettingsDep, person_key: str,
              kind: str, target_id: str, reason: str = "", error: DomainError | None = None) -> HTMLResponse:
    """The objection form; refused, the same form with the messages and the reason as typed."""
    target = targets.find(session, catalog, person_key, kind, target_id)
    return render(request, "objections/new.html", target=target, days=settings.objection_working_days,
                  department=catalog.departments.get(target.department_code, target.department_code),
                  max_files=settings.evidence_max_files, max_mb=settings.evidence_max_bytes // (1024 * 1024),
                  reason=reason, errors=form_errors(error) if error else {}, error_code=error.code if error else None)


@router.get("/me/objections/new", response_class=HTMLResponse)
def new_objection_page(request: Request, caller: Person, session: SessionDep, catalog: CatalogDep,
                       settings: SettingsDep, record: Annotated[str, Query(max_length=26)] = "",
                       entry: Annotated[str, Query(max_length=26)] = "",
                       matter: Annotated[str, Query(max_length=26)] = "") -> HTMLResponse:
    """对本人信用档案中的一条记录或一条名单提出异议：写明理由，附证明材料。"""
    assert caller.person_key is not None
    return _new_form(request, session, catalog, settings, caller.person_key, *_pointed(matter, entry, record))


@router.post("/me/objections")
async def file_objection_page(request: Request, caller: Person, session: SessionDep, catalog: CatalogDep,
                              keys: KeysDep, settings: SettingsDep, target_id: Annotated[str, Form(max_length=26)],
                              reason: Annotated[str, Form(max_length=2000)] = "",
                              target_kind: Annotated[str, Form(max_length=12)] = "matter",
                              evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    """提交异议（与接口同一路径）；该信息随即标注“异议处理中”。不符合要求时回到同一表单，
    说明原因并保留已填写的理由。"""
    person_key = caller.person_key
    assert person_key is not None

    def file() -> Response:  # the database work off the event loop (see deps.get_session)
        # The service checks everything before it writes, so a refusal leaves nothing to undo.
        try:
            o = service.file(session, catalog, keys, settings, caller=caller, person_key=person_key,
                             target_kind=target_kind, target_id=target_id, reason=reason, uploads=uploads)
        except DomainError as err:
            if err.code in ("CASE_TARGET_NOT_FOUND", "CASE_TARGET_KIND"):
                raise
            return _new_form(request, session, catalog, settings, person_key, target_kind, target_id, reason, err)
        return RedirectResponse(f"/me/objections/{o.id}", status_code=303)

    try:
        uploads = await read_uploads(evidence, max_files=settings.evidence_max_files,
                                     max_bytes=settings.evidence_max_bytes)
    except DomainError as err:
        return await run_in_threadpool(_new_form, request, session, catalog, settings, person_key, target_kind,
                                       target_id, reason, err)
    return await run_in_threadpool(file)


@router.get("/me/objections/{objection_id}", response_class=HTMLResponse)
def my_objection_page(objection_id: str, request: Request, caller: Person, session: SessionDep,
                      catalog: CatalogDep) -> HTMLResponse:
    """一件异议的处理期限、全过程与证明材料。"""
    assert caller.person_key is not None
    o = service.own(session, caller.person_key, objection_id)
    return render(request, "objections/detail.html", **_case(session, o), item_names=_item_names(catalog),
                  departments=catalog.departments, base=f"/me/objections/{o.id}", handler=False,
                  progress=of_objection(o))


@router.get("/me/objections/{objection_id}/evidence/{evidence_id}")
def my_evidence(objection_id: str, evidence_id: str, caller: Person, session: SessionDep, keys: KeysDep) -> Response:
    """下载本人提交的证明材料。"""
    assert caller.person_key is not None
    o = service.own(session, caller.person_key, objection_id)
    return download(*cases.read_evidence(session, keys, o.subject_key, o.id, evidence_id))


@router.post("/me/objections/{objection_id}/withdraw")
def withdraw_page(objection_id: str, caller: Person, session: SessionDep, catalog: CatalogDep) -> Response:
    """撤回尚在处理中的异议。"""
    assert caller.person_key is not None
    o = service.withdraw(session, catalog, caller=caller, objection=service.own(session, caller.person_key,
                                                                                 objection_id))
    return RedirectResponse(f"/me/objections/{o.id}", status_code=303)


@router.get("/console/objections", response_class=HTMLResponse)
@writes
def queue_page(request: Request, caller: Handler, session: SessionDep, catalog: CatalogDep,
               status: Annotated[str, Query(max_length=12)] = "open",
               escalated: Annotated[str, Query(max_length=3)] = "") -> HTMLResponse:
    """异议处理队列：部门看本部门的，信用办看超期督办的（也可看全部）；期限最近的在前。查看即记入查询日志。"""
    office = caller.has("operator")
    department = None if office else caller.require_department()
    only_escalated = escalated == "1" or (office and escalated == "")
    rows = repo.queue(session, department_code=department, status=status if status in QUEUE_STATUSES else None,
                      escalated=True if only_escalated else None, limit=200, offset=0)
    log_reads(session, caller, "objection", [Read(o.subject_key, "ok", o.id) for o in rows])
    day = today()
    return render(request, "objections/queue.html", items=[ObjectionOut.of(o, day) for o in rows],
                  item_names=_item_names(catalog), departments=catalog.departments, office=office,
                  status=status, statuses=QUEUE_STATUSES.items(), escalated=only_escalated)


@router.get("/console/objections/{objection_id}", response_class=HTMLResponse)
@writes
def handle_page(objection_id: str, request: Request, caller: Handler, session: SessionDep,
                catalog: CatalogDep) -> HTMLResponse:
    """一件异议：理由、证明材料、原记录与全过程，以及处理表单（部门）。"""
    o = service.for_handler(session, caller, objection_id)
    log_reads(session, caller, "objection", [Read(o.subject_key, "ok", o.id)])
    record = service.current_record(session, catalog, o)
    item = catalog.item(record.item_code) if record is not None else None
    fields = [(f.name, f.label, record.data.get(f.name, "")) for f in item.fields] if item and record else []
    return render(request, "objections/detail.html", **_case(session, o), item_names=_item_names(catalog),
                  departments=catalog.departments, base=f"/console/objections/{o.id}", handler=True, progress=None,
                  may_decide=o.status == "open",
                  record=record, fields=fields, prefix=FIELD_PREFIX, outcomes=rules.OUTCOMES,
                  outcome_labels=rules.STATUS_LABELS)


@router.get("/console/objections/{objection_id}/evidence/{evidence_id}")
@writes
def handler_evidence(objection_id: str, evidence_id: str, caller: Handler, session: SessionDep,
                     keys: KeysDep) -> Response:
    """下载异议证明材料（记入查询日志）。"""
    o = service.for_handler(session, caller, objection_id)
    row, content = cases.read_evidence(session, keys, o.subject_key, o.id, evidence_id)
    log_reads(session, caller, "objection", [Read(o.subject_key, "ok", row.id)])
    return download(row, content)


@router.post("/console/objections/{objection_id}/decision")
async def decide_page(objection_id: str, request: Request, caller: Handler, session: SessionDep,
                      catalog: CatalogDep, keys: KeysDep, settings: SettingsDep,
                      outcome: Annotated[str, Form(max_length=12)],
                      reason: Annotated[str, Form(max_length=2000)]) -> Response:
    """更正、撤销或维持原记录并说明理由；更正时可在此改正字段，或已另行报送新版本。"""
    form = await request.form()
    values = {k[len(FIELD_PREFIX):]: v for k, v in form.items() if k.startswith(FIELD_PREFIX) and isinstance(v, str)}

    def decide() -> str:
        o = service.for_handler(session, caller, objection_id)
        row = None
        if outcome == "corrected":
            record = service.current_record(session, catalog, o)
            if record is None:
                raise DomainError("OBJECTION_CORRECTION_KIND", "名单条目不能更正，请选择撤销或维持", 422)
            row = service.corrected_row(session, keys, record, values)
        service.decide(session, catalog, keys, caller=caller, objection=o, outcome=outcome, reason=reason, record=row,
                       settings=settings)
        log_reads(session, caller, "objection", [Read(o.subject_key, "ok", o.id)])
        return o.id

    decided = await run_in_threadpool(decide)  # the database work off the event loop (see deps.get_session)
    return RedirectResponse(f"/console/objections/{decided}", status_code=303)


def _pointed(matter: str, entry: str, record: str) -> tuple[str, str]:
    """(kind, id) of what the page was asked about: a matter, a list entry or a record."""
    if matter:
        return "matter", matter
    return ("list_entry", entry) if entry else ("record", record)
