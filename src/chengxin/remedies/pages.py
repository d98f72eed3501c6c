"""Extension and appeal pages: the person asks for an extension from the matter's card; the deciding
department (or the office) sees the matter with the person's explanation, decides extensions and records
a reconsideration or lawsuit and its outcome. Staff reads go through the access-log choke point."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.cases import targets
from chengxin.catalog.rules import Catalog
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, writes
from chengxin.errors import DomainError
from chengxin.explanations import repository as explanations
from chengxin.matters.models import Matter
from chengxin.remedies import repository as repo
from chengxin.remedies import rules, service
from chengxin.remedies.schemas import AppealOut, ExtensionOut
from chengxin.repairs.pages import _applicant
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Person = Annotated[Caller, permit("person.own")]
Handler = Annotated[Caller, permit("repairs.review")]
EXTENSION_FIELDS = {"EXTENSION_OBLIGATION_REQUIRED": "obligation", "EXTENSION_REASON_REQUIRED": "reason",
                    "EXTENSION_ALREADY_DUE": "due_date", "EXTENSION_NOT_LATER": "requested_until",
                    "EXTENSION_TOO_LONG": "requested_until", "EXTENSION_DATE_INVALID": "due_date"}


def _date(text: str, code_field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as err:
        raise DomainError("EXTENSION_DATE_INVALID" if code_field == "due_date" else "EXTENSION_NOT_LATER",
                          "请填写日期（年-月-日）", 422) from err


def _extension_form(request: Request, session: Session, catalog: Catalog, person_key: str, matter_id: str, *,
                    typed: dict[str, str] | None = None, error: DomainError | None = None) -> HTMLResponse:
    target = targets.find(session, catalog, person_key, "matter", matter_id)
    mine = [ExtensionOut.of(e) for e in repo.extensions_of(session, [person_key]) if e.matter_id == target.id]
    return render(request, "remedies/extension.html", http_status=error.status if error else 200, target=target,
                  extensions=mine, typed=typed or {}, max_months=rules.MAX_EXTENSION_MONTHS,
                  errors={EXTENSION_FIELDS.get(error.code, ""): error.message} if error else {},
                  department=catalog.departments.get(target.department_code, target.department_code))


@router.get("/me/matters/{matter_id}/extension", response_class=HTMLResponse)
def extension_page(matter_id: str, request: Request, caller: Person, session: SessionDep,
                   catalog: CatalogDep) -> HTMLResponse:
    """申请延期履行：对尚未到期的义务向作出决定的部门申请延期，并查看以往申请的结果。"""
    assert caller.person_key is not None
    return _extension_form(request, session, catalog, caller.person_key, matter_id)


@router.post("/me/matters/{matter_id}/extension")
def extension_submit(matter_id: str, request: Request, caller: Person, session: SessionDep, catalog: CatalogDep,
                     obligation: Annotated[str, Form(max_length=100)] = "",
                     due_date: Annotated[str, Form(max_length=10)] = "",
                     requested_until: Annotated[str, Form(max_length=10)] = "",
                     reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """提交延期申请；不符合要求时回到同一表单，保留已填写的内容。"""
    assert caller.person_key is not None
    typed = {"obligation": obligation, "due_date": due_date, "requested_until": requested_until, "reason": reason}
    try:
        service.request_extension(session, caller=caller, person_key=caller.person_key, matter_id=matter_id,
                                  obligation=obligation, due_date=_date(due_date, "due_date"),
                                  requested_until=_date(requested_until, "requested_until"), reason=reason)
    except DomainError as err:
        if err.status == 404:
            raise
        session.rollback()
        return _extension_form(request, session, catalog, caller.person_key, matter_id, typed=typed, error=err)
    return RedirectResponse(f"/me/matters/{matter_id[:26]}/extension", status_code=303)


def _matter_page(request: Request, session: Session, catalog: Catalog, keys: KeysDep, caller: Caller, m: Matter, *,
                 status: int = 200, errors: dict[str, str] | None = None) -> HTMLResponse:
    target = targets.of_matter(session, catalog, m)
    log_reads(session, caller, "repair", [Read(m.subject_key, "ok", m.id)])
    return render(request, "remedies/matter.html", http_status=status, target=target, m=m,
                  department=catalog.departments.get(m.department_code, m.department_code),
                  applicant=_applicant(session, keys, m.subject_key),
                  explanation=explanations.get(session, m.subject_key, m.id),
                  extensions=[ExtensionOut.of(e) for e in repo.extensions_of(session, [m.subject_key])
                              if e.matter_id == m.id],
                  appeals=[AppealOut.of(a) for a in repo.appeals_of(session, [m.subject_key]) if a.matter_id == m.id],
                  appeal_kinds=list(rules.APPEAL_KINDS.items()), outcomes=list(rules.APPEAL_OUTCOMES.items()),
                  errors=errors or {}, office_acting=caller.has("operator"))


@router.get("/console/matters/{matter_id}", response_class=HTMLResponse)
@writes
def matter_page(matter_id: str, request: Request, caller: Handler, session: SessionDep, catalog: CatalogDep,
                keys: KeysDep) -> HTMLResponse:
    """一个事项（部门看本部门认定的，信用办看全部）：本人解释、延期申请及决定、行政复议或行政诉讼及其结果。"""
    return _matter_page(request, session, catalog, keys, caller, service.matter_for_handler(session, caller, matter_id))


def _or_again(request: Request, session: Session, catalog: Catalog, keys: KeysDep, caller: Caller, m: Matter,
              act) -> Response:  # type: ignore[no-untyped-def]
    """Do `act`; refused, the matter page again with the reason at the top."""
    try:
        act()
    except DomainError as err:
        if err.status in (403, 404):
            raise
        session.rollback()
        return _matter_page(request, session, catalog, keys, caller, m, status=err.status, errors={"": err.message})
    return RedirectResponse(f"/console/matters/{m.id}", status_code=303)


@router.post("/console/extensions/{extension_id}/decision")
def extension_decision(extension_id: str, request: Request, caller: Handler, session: SessionDep,
                       catalog: CatalogDep, keys: KeysDep, granted: Annotated[str, Form(max_length=3)] = "",
                       until: Annotated[str, Form(max_length=10)] = "",
                       reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """准予或不予延期，须说明理由。"""
    e = service.extension_for_handler(session, caller, extension_id)
    m = service.matter_for_handler(session, caller, e.matter_id)

    def act() -> None:
        day = _date(until, "until") if until.strip() else None
        service.decide_extension(session, caller=caller, extension=e, granted=granted == "yes", until=day,
                                 reason=reason)
        log_reads(session, caller, "repair", [Read(e.subject_key, "ok", e.id)])

    return _or_again(request, session, catalog, keys, caller, m, act)


@router.post("/console/matters/{matter_id}/appeals")
def appeal_record(matter_id: str, request: Request, caller: Handler, session: SessionDep, catalog: CatalogDep,
                  keys: KeysDep, kind: Annotated[str, Form(max_length=16)] = "",
                  case_number: Annotated[str, Form(max_length=100)] = "",
                  body: Annotated[str, Form(max_length=100)] = "",
                  filed_on: Annotated[str, Form(max_length=10)] = "") -> Response:
    """记录行政复议或行政诉讼（案号、复议机关或法院、申请或起诉日期）。"""
    m = service.matter_for_handler(session, caller, matter_id)

    def act() -> None:
        a = service.record_appeal(session, caller=caller, matter=m, kind=kind, case_number=case_number, body=body,
                                  filed_on=_date(filed_on, "filed_on"))
        log_reads(session, caller, "repair", [Read(m.subject_key, "ok", a.id)])

    return _or_again(request, session, catalog, keys, caller, m, act)


@router.post("/console/appeals/{appeal_id}/outcome")
def appeal_outcome(appeal_id: str, request: Request, caller: Handler, session: SessionDep, catalog: CatalogDep,
                   keys: KeysDep, settings: SettingsDep, outcome: Annotated[str, Form(max_length=10)] = "",
                   note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """记录结果：原决定被撤销的，该事项随即撤销。"""
    a, m = service.appeal_for_handler(session, caller, appeal_id)

    def act() -> None:
        service.close_appeal(session, caller=caller, appeal=a, matter=m, outcome=outcome, note=note,
                             settings=settings)
        log_reads(session, caller, "repair", [Read(m.subject_key, "ok", a.id)])

    return _or_again(request, session, catalog, keys, caller, m, act)
