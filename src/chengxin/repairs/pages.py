"""Credit repair pages: eligibility explained and the application (person); review (credit office).
The reviewers' reads go through the access-log choke point, as in the API."""

from __future__ import annotations

import json
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
from chengxin.cases.progress import of_repair
from chengxin.cases.schemas import EventOut, EvidenceOut
from chengxin.cases.uploads import download, read_uploads
from chengxin.catalog.rules import Catalog
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, SignerDep, writes
from chengxin.errors import DomainError
from chengxin.exchange import receivers
from chengxin.exchange.pages import matter_receivers
from chengxin.explanations import repository as explanations
from chengxin.identity.rules import ID_TYPES
from chengxin.masking import mask_id, mask_name
from chengxin.persons import repository as persons
from chengxin.remedies import repository as remedies
from chengxin.remedies.schemas import ExtensionOut
from chengxin.repairs import repository as repo
from chengxin.repairs import service
from chengxin.repairs.endpoints import commitment_out
from chengxin.repairs.models import Repair
from chengxin.repairs.rules import STATUS_LABELS, default_rules
from chengxin.repairs.schemas import EligibilityOut, RepairOut
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Person = Annotated[Caller, permit("person.own")]
Reviewer = Annotated[Caller, permit("repairs.review")]
QUEUE_STATUSES = {"open": "待办（待受理、审核中）", **STATUS_LABELS}


def _item_names(catalog: Catalog) -> dict[str, str]:
    return {code: item.name for code, item in catalog.items.items()}


def _case(session: SessionDep, catalog: Catalog, r: Repair) -> dict:
    return {"r": RepairOut.of(r, commitment=commitment_out(r)), "item_names": _item_names(catalog),
            "departments": catalog.departments, "today": today(),
            "events": [EventOut.of(e) for e in case_repo.events(session, r.subject_key, r.id)],
            "evidence": [EvidenceOut.of(f) for f in case_repo.evidence_of(session, r.subject_key, r.id)]}


@router.get("/me/repairs", response_class=HTMLResponse)
def my_repairs_page(request: Request, caller: Person, session: SessionDep, catalog: CatalogDep) -> HTMLResponse:
    """我的信用修复申请：状态与期限。"""
    assert caller.person_key is not None
    rows = repo.of_subject(session, caller.person_key)
    return render(request, "repairs/mine.html", items=[(RepairOut.of(r), of_repair(r)) for r in rows],
                  item_names=_item_names(catalog), today=today())


def _eligibility(request: Request, session: SessionDep, catalog: Catalog, settings: SettingsDep, person_key: str,
                 kind: str, target_id: str, values: dict[str, str] | None = None,
                 error: DomainError | None = None) -> HTMLResponse:
    """The eligibility page with its form; refused, the same page with the messages and what was typed."""
    target, elig = service.assess(session, catalog, request.app.state.tiers, person_key, kind, target_id, today())
    e = EligibilityOut.of(target.kind, target.id, target.item_name, elig)
    return render(request, "repairs/eligibility.html", e=e, target=target, today=today(),
                  held=service.held_by_department(session, target),
                  department=catalog.departments.get(target.department_code, target.department_code),
                  commitment=default_rules().commitment, max_files=settings.evidence_max_files,
                  max_mb=settings.evidence_max_bytes // (1024 * 1024),
                  v=values or {"method": e.methods[0].code if e.methods else "", "statement": "", "commitment": ""},
                  errors=form_errors(error) if error else {}, error_code=error.code if error else None)


@router.get("/me/repairs/eligibility", response_class=HTMLResponse)
def eligibility_page(request: Request, caller: Person, session: SessionDep, catalog: CatalogDep,
                     settings: SettingsDep, record: Annotated[str, Query(max_length=26)] = "",
                     entry: Annotated[str, Query(max_length=26)] = "",
                     matter: Annotated[str, Query(max_length=26)] = "") -> HTMLResponse:
    """能否修复这条信息（或名单）：逐项条件、最早可申请日期；满足条件时填写申请。"""
    assert caller.person_key is not None
    return _eligibility(request, session, catalog, settings, caller.person_key, *_pointed(matter, entry, record))


@router.post("/me/repairs")
async def apply_page(request: Request, caller: Person, session: SessionDep, catalog: CatalogDep, keys: KeysDep,
                     settings: SettingsDep, signer: SignerDep, target_id: Annotated[str, Form(max_length=26)],
                     method: Annotated[str, Form(max_length=24)] = "",
                     statement: Annotated[str, Form(max_length=2000)] = "",
                     commitment: Annotated[str, Form(max_length=8)] = "",
                     target_kind: Annotated[str, Form(max_length=12)] = "matter",
                     evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    """提交修复申请：证明材料与签署的信用承诺书（与接口同一路径）。不符合要求时回到同一表单，
    说明原因并保留已填写的内容。"""
    person_key = caller.person_key
    assert person_key is not None
    values = {"method": method, "statement": statement, "commitment": commitment}

    def apply() -> Response:  # the database work off the event loop (see deps.get_session)
        # The service checks everything before it writes, so a refusal leaves nothing to undo.
        try:
            r = service.apply(session, catalog, keys, settings, signer, request.app.state.tiers, caller=caller,
                              person_key=person_key, target_kind=target_kind, target_id=target_id, method=method,
                              statement=statement, commitment=commitment == "yes", uploads=uploads)
        except DomainError as err:
            if err.code in ("CASE_TARGET_NOT_FOUND", "CASE_TARGET_KIND"):
                raise
            return _eligibility(request, session, catalog, settings, person_key, target_kind, target_id, values, err)
        return RedirectResponse(f"/me/repairs/{r.id}", status_code=303)

    try:
        uploads = await read_uploads(evidence, max_files=settings.evidence_max_files,
                                     max_bytes=settings.evidence_max_bytes)
    except DomainError as err:
        return await run_in_threadpool(_eligibility, request, session, catalog, settings, person_key, target_kind,
                                       target_id, values, err)
    return await run_in_threadpool(apply)


@router.get("/me/repairs/{repair_id}", response_class=HTMLResponse)
def my_repair_page(repair_id: str, request: Request, caller: Person, session: SessionDep,
                   catalog: CatalogDep) -> HTMLResponse:
    """一件修复申请：期限、全过程、证明材料与签名的信用承诺。"""
    assert caller.person_key is not None
    r = service.own(session, caller.person_key, repair_id)
    return render(request, "repairs/detail.html", **_case(session, catalog, r), base=f"/me/repairs/{r.id}",
                  reviewer=False, progress=of_repair(r))


@router.get("/me/repairs/{repair_id}/commitment.json")
def commitment_download(repair_id: str, caller: Person, session: SessionDep) -> Response:
    """下载平台签名的信用承诺记录（JSON），可用平台公钥离线验证。"""
    assert caller.person_key is not None
    r = service.own(session, caller.person_key, repair_id)
    body = json.dumps(commitment_out(r).model_dump(mode="json"), ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="commitment-{r.id}.json"'})


@router.get("/me/repairs/{repair_id}/evidence/{evidence_id}")
def my_evidence(repair_id: str, evidence_id: str, caller: Person, session: SessionDep, keys: KeysDep) -> Response:
    """下载本人提交的修复证明材料。"""
    assert caller.person_key is not None
    r = service.own(session, caller.person_key, repair_id)
    return download(*cases.read_evidence(session, keys, r.subject_key, r.id, evidence_id))


@router.get("/console/repairs", response_class=HTMLResponse)
@writes
def queue_page(request: Request, caller: Reviewer, session: SessionDep, catalog: CatalogDep,
               status: Annotated[str, Query(max_length=12)] = "open",
               department: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    """信用修复队列（先到先审），标出受理和决定期限：部门看本部门认定事项的申请，信用办看各部门的队列、
    超期件数并可按部门筛选；查看即记入查询日志。"""
    status = status if status in QUEUE_STATUSES or status == "" else "open"
    own = service.queue_department(caller)
    office = own is None
    scope = own if own is not None else (department or None)

    def rows_of(st: str | None) -> list[Repair]:
        return list(repo.queue(session, status=st, overdue=None, limit=200, offset=0, department_code=scope))

    if status == "open":
        rows = sorted([*rows_of("submitted"), *rows_of("accepted")], key=lambda r: r.filed_at)
    else:
        rows = rows_of(status or None)
    extensions = remedies.extension_queue(session, department_code=scope, status="requested")
    log_reads(session, caller, "repair", [*(Read(r.subject_key, "ok", r.id) for r in rows),
                                          *(Read(e.subject_key, "ok", e.id) for e in extensions)])
    return render(request, "repairs/queue.html", items=[RepairOut.of(r) for r in rows], today=today(),
                  extensions=[ExtensionOut.of(e) for e in extensions],
                  item_names=_item_names(catalog), departments=catalog.departments, status=status,
                  statuses=QUEUE_STATUSES.items(), office=office, department=scope or "",
                  queues=repo.queues(session, today()) if office else [],
                  own_name=catalog.departments.get(own, own) if own else "")


@router.get("/console/repairs/{repair_id}", response_class=HTMLResponse)
@writes
def review_page(repair_id: str, request: Request, caller: Reviewer, session: SessionDep, catalog: CatalogDep,
                keys: KeysDep) -> HTMLResponse:
    """一件修复申请：申请人（脱敏）、申请时的修复条件（与申请人所见相同）、方式、说明、证明材料、承诺书与全过程，
    以及受理或决定的表单。"""
    r = service.for_reviewer(session, caller, repair_id)
    log_reads(session, caller, "repair", [Read(r.subject_key, "ok", r.id)])
    target, elig = service.eligibility_at_filing(session, catalog, request.app.state.tiers, r)
    item = catalog.item(target.item_code or "")
    data = target.record.data if target.record is not None else {}
    fields = [(f.label, data[f.name]) for f in item.fields if data.get(f.name) not in (None, "")] if item else []
    return render(request, "repairs/detail.html", **_case(session, catalog, r), base=f"/console/repairs/{r.id}",
                  reviewer=True, target=target, fields=fields, progress=None, office_acting=caller.has("operator"),
                  explanation=explanations.get(session, r.subject_key, r.matter_id),
                  held=service.held_by_department(session, target),
                  applicant=_applicant(session, keys, r.subject_key),
                  eligibility=EligibilityOut.of(target.kind, target.id, target.item_name, elig),
                  filed_on=targets.day_of(r.filed_at), kind_labels=receivers.KIND_LABELS,
                  receivers=matter_receivers(session, request.app.state.settings, r.subject_key, r.matter_id))


def _applicant(session: SessionDep, keys: KeysDep, person_key: str) -> dict[str, str]:
    """Who applied, masked as every staff page shows a person: name and ID number, never in full."""
    person = persons.get(session, person_key)
    if person is None:
        return {"name": "（未登记）", "id_number": "—", "id_type": ""}
    number = keys.decrypt(person.id_cipher, person_key.encode())
    return {"name": mask_name(person.name) or "（未登记姓名）", "id_number": mask_id(number),
            "id_type": ID_TYPES.get(person.id_type, person.id_type)}


@router.get("/console/repairs/{repair_id}/evidence/{evidence_id}")
@writes
def review_evidence(repair_id: str, evidence_id: str, caller: Reviewer, session: SessionDep,
                    keys: KeysDep) -> Response:
    """下载申请人提交的证明材料（记入查询日志）。"""
    r = service.for_reviewer(session, caller, repair_id)
    row, content = cases.read_evidence(session, keys, r.subject_key, r.id, evidence_id)
    log_reads(session, caller, "repair", [Read(r.subject_key, "ok", row.id)])
    return download(row, content)


@router.post("/console/repairs/{repair_id}/acceptance")
def accept_page(repair_id: str, caller: Reviewer, session: SessionDep, settings: SettingsDep,
                accepted: Annotated[str, Form(max_length=3)], reason: Annotated[str, Form(max_length=2000)] = "",
                ) -> Response:
    """受理，或不予受理并说明理由。"""
    r = service.for_reviewer(session, caller, repair_id)
    service.accept(session, settings, caller=caller, repair=r, accepted=accepted == "yes", reason=reason)
    log_reads(session, caller, "repair", [Read(r.subject_key, "ok", r.id)])
    return RedirectResponse(f"/console/repairs/{r.id}", status_code=303)


@router.post("/console/repairs/{repair_id}/decision")
def decide_page(repair_id: str, caller: Reviewer, session: SessionDep, catalog: CatalogDep, settings: SettingsDep,
                approved: Annotated[str, Form(max_length=3)], reason: Annotated[str, Form(max_length=2000)] = "",
                ) -> Response:
    """准予修复（停止公示、共享和惩戒，移出名单）或不予修复，均须说明理由。"""
    r = service.for_reviewer(session, caller, repair_id)
    service.decide(session, catalog, caller=caller, repair=r, approved=approved == "yes", reason=reason,
                   settings=settings)
    log_reads(session, caller, "repair", [Read(r.subject_key, "ok", r.id)])
    return RedirectResponse(f"/console/repairs/{r.id}", status_code=303)


def _pointed(matter: str, entry: str, record: str) -> tuple[str, str]:
    """(kind, id) of what the page was asked about: a matter, a list entry or a record."""
    if matter:
        return "matter", matter
    return ("list_entry", entry) if entry else ("record", record)
