"""Listing procedure pages: the department serves the notice, sees the statement period run and
decides; a counter clerk enters a statement for the person; the person reads the notice and
states their case. The staff pages show who is in a procedure: each logs its reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, writes
from chengxin.errors import DomainError
from chengxin.listing import repository as repo
from chengxin.listing import service
from chengxin.listing.models import ListingProcedure
from chengxin.listing.rules import OPEN, STATE_LABELS, STATED_VIA
from chengxin.listing.schemas import DecisionIn, ProcedureIn
from chengxin.persons.repository import names_by_key
from chengxin.web.render import render
from chengxin.workdays import deadline_of

router = APIRouter(include_in_schema=False)
Person = Annotated[Caller, permit("person.own")]
Reader = Annotated[Caller, permit("lists.read")]
Writer = Annotated[Caller, permit("lists.write")]
Counter = Annotated[Caller, permit("listing.counter")]
Text = Annotated[str, Form(max_length=4000)]
Short = Annotated[str, Form(max_length=100)]
VIEW = {"states": STATE_LABELS, "via": STATED_VIA, "open_states": OPEN, "due": lambda p: deadline_of(p.statement_due)}


def _invalid(err: ValidationError) -> DomainError:
    return DomainError("LISTING_FORM_INVALID", "请填写所有必填项（事实、依据、姓名、证件号码、理由）", 422)


@router.get("/console/listing", response_class=HTMLResponse)
@writes
def queue_page(request: Request, caller: Reader, session: SessionDep, catalog: CatalogDep) -> HTMLResponse:
    """列入程序：本部门（信用办看全部）发起的列入严重失信主体名单程序，陈述申辩期限最近的在前。查看即记入查询日志。"""
    department = None if caller.has("operator") else caller.require_department()
    rows = repo.queue(session, department, open_only=False, limit=200, offset=0)
    log_reads(session, caller, "list", [Read(p.subject_key, "ok", p.id) for p in rows])
    names = names_by_key(session, [p.subject_key for p in rows])
    return render(request, "listing/queue.html", rows=rows, names={k: v[0] for k, v in names.items()},
                  departments=catalog.departments, today=today(), may_write=caller.is_department, **VIEW)


@router.get("/console/listing/new", response_class=HTMLResponse)
def new_page(request: Request, caller: Writer) -> HTMLResponse:
    """发起列入程序：填写事实和依据，向当事人送达告知书。"""
    caller.require_department()
    return render(request, "listing/new.html", v={}, error=None)


@router.post("/console/listing")
def open_page(request: Request, caller: Writer, session: SessionDep, keys: KeysDep, catalog: CatalogDep,
              settings: SettingsDep, id_number: Short = "", name: Short = "", facts: Text = "",
              basis: Annotated[str, Form(max_length=2000)] = "", item_code: Annotated[str, Form(max_length=32)] = "",
              reference: Short = "") -> Response:
    """送达告知书；填写有误时回到表单（证件号码不回显）。"""
    values = {"name": name, "facts": facts, "basis": basis, "item_code": item_code, "reference": reference}
    try:
        try:
            body = ProcedureIn(id_number=id_number.strip(), name=name.strip(), facts=facts, basis=basis,
                               item_code=item_code.strip() or None, reference=reference.strip() or None)
        except ValidationError as err:
            raise _invalid(err) from None
        p = service.open_procedure(session, catalog, keys, settings, caller, body)
    except DomainError as err:
        if err.status >= 500:
            raise
        session.rollback()
        return render(request, "listing/new.html", http_status=err.status, v=values, error=err)
    log_reads(session, caller, "list", [Read(p.subject_key, "ok", p.id)])
    return RedirectResponse(f"/console/listing/{p.id}", status_code=303)


def _detail(request: Request, session: SessionDep, caller: Caller, catalog: CatalogDep, p: ListingProcedure,
            error: DomainError | None = None, typed: dict[str, str] | None = None) -> HTMLResponse:
    log_reads(session, caller, "list", [Read(p.subject_key, "ok", p.id)])
    name = names_by_key(session, [p.subject_key]).get(p.subject_key, (None, None))[0]
    day = today()
    return render(request, "listing/detail.html", http_status=error.status if error else 200, p=p, name=name or "",
                  department=catalog.departments.get(p.department_code, p.department_code), error=error,
                  typed=typed or {}, may_decide=caller.is_department and caller.department_code == p.department_code,
                  decidable=p.state == "stated" or (p.state == "noticed" and day > p.statement_due),
                  may_take=p.state == "noticed" and day <= p.statement_due, **VIEW)


@router.get("/console/listing/{procedure_id}", response_class=HTMLResponse)
@writes
def detail_page(procedure_id: str, request: Request, caller: Reader, session: SessionDep,
                catalog: CatalogDep) -> HTMLResponse:
    """一件列入程序：告知内容、陈述申辩期限、当事人的陈述申辩、决定；部门在此作出决定，窗口在此代为录入陈述申辩。"""
    return _detail(request, session, caller, catalog, service.handled(session, caller, procedure_id, office=True))


@router.post("/console/listing/{procedure_id}/decision")
def decide_page(procedure_id: str, request: Request, caller: Writer, session: SessionDep, catalog: CatalogDep,
                settings: SettingsDep, outcome: Annotated[str, Form(max_length=12)] = "", reasons: Text = "",
                answer: Text = "", reference: Short = "") -> Response:
    """作出列入或不予列入的决定并说明理由、答复陈述申辩；有误时回到本页并保留所填内容。"""
    p = service.handled(session, caller, procedure_id)
    typed = {"outcome": outcome, "reasons": reasons, "answer": answer, "reference": reference}
    try:
        try:
            body = DecisionIn(outcome=outcome, reasons=reasons, answer=answer or None,  # type: ignore[arg-type]
                              reference=reference.strip() or None)
        except ValidationError as err:
            raise DomainError("LISTING_FORM_INVALID", "请选择决定并写明理由", 422) from err
        service.decide(session, catalog, settings, caller, p, body)
    except DomainError as err:
        if err.status >= 500:
            raise
        session.rollback()
        return _detail(request, session, caller, catalog, service.handled(session, caller, procedure_id), err, typed)
    log_reads(session, caller, "list", [Read(p.subject_key, "ok", p.id)])
    return RedirectResponse(f"/console/listing/{p.id}", status_code=303)


@router.post("/console/listing/{procedure_id}/counter-statement")
def counter_page(procedure_id: str, request: Request, caller: Counter, session: SessionDep, catalog: CatalogDep,
                 statement: Text = "", checked: Annotated[str, Form(max_length=8)] = "") -> Response:
    """当事人到窗口陈述、申辩：查验本人证件原件后代为录入，记为窗口录入。"""
    p = service.handled(session, caller, procedure_id, office=True)
    try:
        service.require_id_checked(checked == "yes")
        if not statement.strip():
            raise DomainError("LISTING_FORM_INVALID", "请填写陈述、申辩的内容", 422)
        service.state_case(session, p, statement, via="counter", clerk=caller.account_id)
    except DomainError as err:
        if err.status >= 500:
            raise
        session.rollback()
        p = service.handled(session, caller, procedure_id, office=True)
        return _detail(request, session, caller, catalog, p, err, {"statement": statement})
    log_reads(session, caller, "list", [Read(p.subject_key, "ok", p.id)])
    return RedirectResponse(f"/console/listing/{p.id}", status_code=303)


@router.get("/me/listing", response_class=HTMLResponse)
def own_page(request: Request, caller: Person, session: SessionDep, catalog: CatalogDep) -> HTMLResponse:
    """本人收到的列入告知：事实、依据、拟采取的措施、期限，以及在期限内陈述、申辩的表单。"""
    assert caller.person_key is not None
    return render(request, "listing/own.html", rows=repo.of_person(session, caller.person_key), today=today(),
                  departments=catalog.departments, error=None, error_for=None, typed={}, **VIEW)


@router.post("/me/listing/{procedure_id}/statement")
def own_statement_page(procedure_id: str, request: Request, caller: Person, session: SessionDep,
                       catalog: CatalogDep, statement: Text = "") -> Response:
    """本人提交陈述、申辩；有误时回到本页并保留所填内容。"""
    assert caller.person_key is not None
    p = service.own(session, caller.person_key, procedure_id)
    try:
        if not statement.strip():
            raise DomainError("LISTING_FORM_INVALID", "请填写陈述、申辩的内容", 422)
        service.state_case(session, p, statement, via="online")
    except DomainError as err:
        session.rollback()
        return render(request, "listing/own.html", http_status=err.status,
                      rows=repo.of_person(session, caller.person_key), today=today(),
                      departments=catalog.departments, error=err, error_for=p.id, typed={"statement": statement},
                      **VIEW)
    return RedirectResponse("/me/listing", status_code=303)
