"""Repair at the counter (窗口代为申请, R14): a clerk of the credit office checks the applicant's ID
card, finds their matters and files the application on their behalf. The application is the person's
(notices go to them, the commitment is theirs, signed on paper in front of the clerk); the clerk is
recorded as who filed it and the channel as `counter`. Every look at the person is logged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.cases.forms import form_errors
from chengxin.cases.uploads import read_uploads
from chengxin.catalog.rules import Catalog
from chengxin.clock import today
from chengxin.crypto import Keys
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, SignerDep, writes
from chengxin.errors import DomainError
from chengxin.identity.rules import ID_TYPES
from chengxin.masking import mask_id, mask_name
from chengxin.matters import repository as matters
from chengxin.persons import repository as persons
from chengxin.repairs import service
from chengxin.repairs.rules import default_rules
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Clerk = Annotated[Caller, permit("repairs.counter")]
IDENTITY_FIELDS = {"COUNTER_ID_NOT_CHECKED": "checked", "ID_INVALID": "id_number", "PERSON_NOT_FOUND": "id_number",
                   "COUNTER_NAME_MISMATCH": "name"}


def _identity_form(request: Request, *, status: int = 200, errors: dict[str, str] | None = None,
                   typed: dict[str, str] | None = None) -> HTMLResponse:
    return render(request, "repairs/counter.html", http_status=status, errors=errors or {}, typed=typed or {},
                  id_types=list(ID_TYPES.items()))


def _matters_page(request: Request, session: Session, catalog: Catalog, keys: Keys, settings: SettingsDep,
                  caller: Caller, person_key: str, *, status: int = 200, errors: dict[str, str] | None = None,
                  typed: dict[str, str] | None = None) -> HTMLResponse:
    """The applicant's negative matters still in effect, each with whether it can be repaired now."""
    person = persons.get(session, person_key)
    assert person is not None
    tiers = request.app.state.tiers
    rows = []
    for m in matters.of_subjects(session, [person_key]):
        if m.nature != "negative" or m.ended_on is not None:
            continue
        target, elig = service.assess(session, catalog, tiers, person_key, "matter", m.id, today())
        rows.append((target, elig, catalog.departments.get(m.department_code, m.department_code)))
    log_reads(session, caller, "repair", [Read(person_key, "ok")], purpose=service.COUNTER_PURPOSE)
    number = keys.decrypt(person.id_cipher, person_key.encode())
    methods = [(m.code, m.name) for m in default_rules().methods.values()]
    return render(request, "repairs/counter_matters.html", http_status=status, errors=errors or {},
                  typed=typed or {}, rows=rows, person_key=person_key, methods=methods,
                  applicant={"name": mask_name(person.name), "id_number": mask_id(number)},
                  commitment=default_rules().commitment, max_files=settings.evidence_max_files,
                  max_mb=settings.evidence_max_bytes // (1024 * 1024))


@router.get("/console/repairs/counter", response_class=HTMLResponse)
def counter_page(request: Request, caller: Clerk) -> HTMLResponse:
    """窗口代为申请信用修复：先查验申请人的身份证件原件、核对姓名。"""
    return _identity_form(request)


@router.post("/console/repairs/counter/person", response_class=HTMLResponse)
@writes
def counter_person(request: Request, caller: Clerk, session: SessionDep, keys: KeysDep, catalog: CatalogDep,
                   settings: SettingsDep, id_type: Annotated[str, Form(max_length=24)],
                   id_number: Annotated[str, Form(max_length=64)], name: Annotated[str, Form(max_length=64)],
                   checked: Annotated[str, Form(max_length=8)] = "") -> HTMLResponse:
    """核验身份后列出申请人尚在有效期内的失信事项及能否修复，选择事项代为填写申请（记入查询日志）。"""
    typed = {"id_type": id_type, "name": name, "checked": checked}  # the ID number is not echoed back
    try:
        key = service.identify(session, keys, id_type=id_type, id_number=id_number, name=name, checked=checked == "yes")
    except DomainError as err:
        if err.status >= 500:
            raise
        return _identity_form(request, status=err.status, errors={IDENTITY_FIELDS.get(err.code, ""): err.message},
                              typed=typed)
    return _matters_page(request, session, catalog, keys, settings, caller, key)


@router.post("/console/repairs/counter")
async def counter_apply(request: Request, caller: Clerk, session: SessionDep, catalog: CatalogDep, keys: KeysDep,
                        settings: SettingsDep, signer: SignerDep, person: Annotated[str, Form(max_length=32)],
                        target_id: Annotated[str, Form(max_length=26)] = "",
                        method: Annotated[str, Form(max_length=24)] = "",
                        statement: Annotated[str, Form(max_length=2000)] = "",
                        commitment: Annotated[str, Form(max_length=8)] = "",
                        evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    """代为提交：申请人已当面在信用承诺书上签字，证明材料扫描上传；受理、决定的通知发给申请人本人。"""
    typed = {"target_id": target_id, "method": method, "statement": statement, "commitment": commitment}

    def again(err: DomainError) -> HTMLResponse:
        session.rollback()
        errors = form_errors(err) if err.code not in ("CASE_TARGET_NOT_FOUND", "CASE_TARGET_KIND") \
            else {"target_id": "请选择要修复的事项"}
        return _matters_page(request, session, catalog, keys, settings, caller, person, status=err.status,
                             errors=errors, typed=typed)

    def apply() -> Response:
        if persons.get(session, person) is None:
            raise DomainError("PERSON_NOT_FOUND", "平台中没有此人的信用档案", 404)
        try:
            r = service.apply(session, catalog, keys, settings, signer, request.app.state.tiers, caller=caller,
                              person_key=person, target_kind="matter", target_id=target_id, method=method,
                              statement=statement, commitment=commitment == "yes", uploads=uploads,
                              channel="counter")
        except DomainError as err:
            return again(err)
        log_reads(session, caller, "repair", [Read(person, "ok", r.id)], purpose=service.COUNTER_PURPOSE)
        return RedirectResponse(f"/console/repairs/{r.id}", status_code=303)

    try:
        uploads = await read_uploads(evidence, max_files=settings.evidence_max_files,
                                     max_bytes=settings.evidence_max_bytes)
    except DomainError as err:
        return await run_in_threadpool(again, err)
    return await run_in_threadpool(apply)

