"""Report pages: the person gets their self report, certificate and occupational report (and sees
every report issued about them); anyone verifies a report from its QR code or number; the credit
office keeps the register and prints a report at the counter for a person who shows their ID."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.creditfile.service import build_file
from chengxin.deps import CatalogDep, KeysDep, SessionDep, StandbyDep, lag_tolerant, writes
from chengxin.errors import DomainError
from chengxin.identity.rules import ID_TYPES
from chengxin.persons import counter
from chengxin.persons import repository as persons
from chengxin.reports import rules, service
from chengxin.reports.document import page_html
from chengxin.reports.endpoints import SealDep, context, own_request, pdf_response, upload_digest
from chengxin.reports.schemas import OwnReportIn
from chengxin.reports.standing import standing
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Own = Annotated[Caller, permit("person.own")]
OWN_VARIANTS = ("self", "occupational", "certificate")


# A refused form's message beside its field, in the person's words (the API's message lists codes).
FIELD_MESSAGES = {"REPORT_SCENARIO_UNKNOWN": ("scenario", "请选择使用场景"),
                  "REPORT_OCCUPATION_UNKNOWN": ("occupation", "请选择职业")}


def _form_errors(err: DomainError) -> dict[str, str]:
    field, message = FIELD_MESSAGES.get(err.code, ("", err.message))
    return {field: message}


def _mine(request: Request, session: Any, caller: Caller, *, status: int = 200, errors: dict[str, str] | None = None,
          typed: dict[str, str] | None = None) -> HTMLResponse:
    assert caller.person_key is not None
    state = request.app.state
    rows = service.of_subject(session, caller.person_key)
    items = [(r, service.status_of(session, r, state.catalog, state.tiers)) for r in rows]
    try:
        file = build_file(session, catalog=state.catalog, keys=state.keys, tiers=state.tiers,
                          person_key=caller.person_key, caller=caller, own_view=True)
        st = standing(file)
    except DomainError as err:
        if err.code != "PERSON_NOT_FOUND":
            raise
        file, st = None, None
    if file is not None:
        log_reads(session, caller, "own_view", [Read(caller.person_key, "ok")], purpose="本人查询")
    return render(request, "reports/mine.html", http_status=status, items=items, file=file, standing=st,
                  occupations=sorted(state.catalog.occupations.items(), key=lambda kv: kv[1]),
                  scenarios=[(k, v[0]) for k, v in rules.SCENARIOS.items()], variants=rules.VARIANTS,
                  channels=rules.CHANNELS, requesters=rules.REQUESTERS, status_labels=rules.STATUS_LABELS,
                  errors=errors or {}, typed=typed or {})


@router.get("/me/reports", response_class=HTMLResponse)
@writes
def my_reports_page(request: Request, caller: Own, session: SessionDep) -> HTMLResponse:
    """信用报告与证明：下载本人版报告、无严重失信记录证明和职业信用报告，查看关于本人的每一份报告。"""
    return _mine(request, session, caller)


@router.post("/me/reports")
@lag_tolerant  # the content may be read on a standby (see reports.endpoints)
def my_report_download(request: Request, caller: Own, session: SessionDep, standby: StandbyDep, seal: SealDep,
                       variant: Annotated[str, Form(max_length=16)],
                       occupation: Annotated[str, Form(max_length=40)] = "",
                       scenario: Annotated[str, Form(max_length=16)] = "",
                       purpose: Annotated[str, Form(max_length=100)] = "") -> Response:
    """出具并下载带电子签章的 PDF；不能出具时（如证明不属实）回到本页并说明原因。"""
    typed = {"variant": variant, "occupation": occupation, "scenario": scenario, "purpose": purpose}
    try:
        body = OwnReportIn(variant=variant if variant in OWN_VARIANTS else "unknown", occupation=occupation or None,
                           scenario=scenario or None, purpose=purpose or None)
        issued = service.issue(session, own_request(caller, body), context(request, seal), reader=standby)
    except DomainError as err:
        if err.status >= 500:
            raise
        session.rollback()
        return _mine(request, session, caller, status=err.status, errors=_form_errors(err), typed=typed)
    return pdf_response(issued)


@router.get("/me/reports/view", response_class=HTMLResponse)
@writes
def my_report_view(request: Request, caller: Own, session: SessionDep, seal: SealDep,
                   variant: Annotated[str, Query(max_length=16)] = "self",
                   occupation: Annotated[str, Query(max_length=40)] = "",
                   scenario: Annotated[str, Query(max_length=16)] = "") -> HTMLResponse:
    """在页面上查看报告的内容（预览，不编号、不登记、不签章）；需要交给他人时请下载 PDF。"""
    assert caller.person_key is not None
    body = OwnReportIn(variant=variant if variant in OWN_VARIANTS else "unknown", occupation=occupation or None,
                       scenario=scenario or None)
    req = own_request(caller, body)
    if req.variant == "occupational":
        rules.require_scenario(req.scenario)
        if req.occupation not in request.app.state.catalog.occupations:
            raise DomainError("REPORT_OCCUPATION_UNKNOWN", "未知的职业，请从目录的重点职业人群中选择", 422)
    if persons.get(session, caller.person_key) is None:
        raise DomainError("PERSON_NOT_FOUND", "平台中没有您的信用档案", 404)
    content = service.preview(session, req, context(request, seal))
    log_reads(session, caller, "own_view", [Read(caller.person_key, "ok")], purpose="本人查询")
    return render(request, "reports/view.html", body=page_html(content, issued=False), c=content, typed=req)


# --- verification (public) --------------------------------------------------------------------

def _verify_page(request: Request, session: Any, caller: Caller, number: str, code: str,
                 file_digest: str | None = None, status: int = 200) -> HTMLResponse:
    state = request.app.state
    result = None
    matches = None
    if number or code:
        if not rules.normalise_number(number) or not rules.normalise_check(code):
            return render(request, "reports/verify.html", http_status=422, result=None, number=number, code=code,
                          matches=None, errors={"n": "请填写报告编号和校验码（见报告首页）"} if not number
                          else {"c": "请填写报告首页印的 6 位校验码"}, qr=None)
        result = service.verify(session, number, code, catalog=state.catalog, tiers=state.tiers, caller=caller)
        if file_digest is not None and result.report is not None:
            matches = file_digest == result.report.sha256
    return render(request, "reports/verify.html", http_status=status, result=result, number=number, code=code,
                  matches=matches, errors={}, issuer=state.site.operator, titles=rules.TITLES)


@router.get("/verify", response_class=HTMLResponse)
@writes
def verify_page(request: Request, caller: Annotated[Caller, permit("public")], session: SessionDep,
                n: Annotated[str, Query(max_length=40)] = "",
                c: Annotated[str, Query(max_length=16)] = "") -> HTMLResponse:
    """核验信用报告或证明：扫描报告上的二维码，或输入报告编号和校验码。"""
    return _verify_page(request, session, caller, n, c)


@router.post("/verify", response_class=HTMLResponse)
def verify_file_page(request: Request, caller: Annotated[Caller, permit("public")], session: SessionDep,
                     n: Annotated[str, Form(max_length=40)], c: Annotated[str, Form(max_length=16)],
                     file: Annotated[UploadFile | None, File()] = None) -> HTMLResponse:
    """核验报告，并可上传收到的 PDF，比对是否与平台出具的文件一致。"""
    digest = upload_digest(file) if file is not None and file.filename else None
    return _verify_page(request, session, caller, n, c, digest)


# --- the credit office ------------------------------------------------------------------------

@router.get("/console/reports", response_class=HTMLResponse)
def register_page(request: Request, caller: Annotated[Caller, permit("reports.read")], session: SessionDep,
                  number: Annotated[str, Query(max_length=40)] = "") -> HTMLResponse:
    """报告登记簿：已出具的报告与证明、申请人、用途、时间和当前状态；信用办可作废出具有误的报告。"""
    state = request.app.state
    rows = [r for r in [service.by_number(session, number)] if r] if number else service.recent(session, 100)
    items = [(r, service.status_of(session, r, state.catalog, state.tiers)) for r in rows]
    return render(request, "reports/register.html", items=items, number=number, variants=rules.VARIANTS,
                  channels=rules.CHANNELS, requesters=rules.REQUESTERS, status_labels=rules.STATUS_LABELS,
                  may_revoke=caller.has("operator"))


@router.post("/console/reports/{report_id}/revoke")
def revoke_page(report_id: str, caller: Annotated[Caller, permit("reports.revoke")], session: SessionDep,
                reason: Annotated[str, Form(max_length=200)] = "") -> Response:
    """作废一份出具有误的报告（须写明原因）。"""
    row = service.revoke(session, report_id, by=caller.account_id or caller.role, reason=reason)
    return RedirectResponse(f"/console/reports?number={row.number}", status_code=303)


def _counter(request: Request, *, status: int = 200, errors: dict[str, str] | None = None,
             typed: dict[str, str] | None = None) -> HTMLResponse:
    catalog = request.app.state.catalog
    return render(request, "reports/counter.html", http_status=status, errors=errors or {}, typed=typed or {},
                  id_types=list(ID_TYPES.items()), variants=[(k, rules.VARIANTS[k]) for k in OWN_VARIANTS],
                  occupations=sorted(catalog.occupations.items(), key=lambda kv: kv[1]),
                  scenarios=[(k, v[0]) for k, v in rules.SCENARIOS.items()])


@router.get("/console/reports/counter", response_class=HTMLResponse)
def counter_page(request: Request, caller: Annotated[Caller, permit("reports.counter")]) -> HTMLResponse:
    """窗口出具：为到窗口办理的本人查验身份证件后出具报告或证明。"""
    return _counter(request)


COUNTER_FIELDS = {"REPORT_SCENARIO_UNKNOWN": "scenario", "REPORT_OCCUPATION_UNKNOWN": "occupation",
                  "PERSON_NOT_FOUND": "id_number", "REPORT_NAME_MISMATCH": "name", "ID_INVALID": "id_number",
                  "REPORT_ID_NOT_CHECKED": "checked"}


@router.post("/console/reports/counter")
@lag_tolerant  # the content may be read on a standby (see reports.endpoints)
def counter_issue(request: Request, caller: Annotated[Caller, permit("reports.counter")], session: SessionDep,
                  standby: StandbyDep, keys: KeysDep, catalog: CatalogDep, seal: SealDep,
                  id_type: Annotated[str, Form(max_length=24)], id_number: Annotated[str, Form(max_length=64)],
                  name: Annotated[str, Form(max_length=64)], variant: Annotated[str, Form(max_length=16)],
                  checked: Annotated[str, Form(max_length=8)] = "",
                  occupation: Annotated[str, Form(max_length=40)] = "",
                  scenario: Annotated[str, Form(max_length=16)] = "",
                  purpose: Annotated[str, Form(max_length=100)] = "") -> Response:
    """查验本人证件原件、核对姓名后出具；查验和出具都记入查询日志，本人可在“谁查询了我”中看到。"""
    typed = {"id_type": id_type, "name": name, "variant": variant, "occupation": occupation, "scenario": scenario,
             "purpose": purpose, "checked": checked}  # the ID number is not echoed back into the page
    key = None
    try:
        key, ident = counter.identify(session, keys, id_type=id_type, id_number=id_number, name=name,
                                      checked=checked == "yes", prefix="REPORT", who="本人")
        body = OwnReportIn(variant=variant if variant in OWN_VARIANTS else "unknown",
                           occupation=occupation or None, scenario=scenario or None, purpose=purpose or None)
        label = ID_TYPES.get(ident.id_type, ident.id_type)
        req = own_request(caller, body, channel="counter", requester_kind="clerk", person_key=key)
        req = service.Request(**{**req.__dict__, "purpose": f"窗口办理，已查验本人{label}原件：{req.purpose}"[:200]})
        issued = service.issue(session, req, context(request, seal), reader=standby)
    except DomainError as err:
        if err.status >= 500:
            raise
        session.rollback()
        if isinstance(err, counter.CounterRefusal):
            key = err.subject_key
        if key is not None:  # an attempt on a known person's data is logged, with why nothing was issued
            log_reads(session, caller, "report", [Read(key, err.code[:24])], purpose="窗口办理，未出具")
        field, message = FIELD_MESSAGES.get(err.code, (COUNTER_FIELDS.get(err.code, ""), err.message))
        return _counter(request, status=err.status, errors={field: message},
                        typed=typed)
    return pdf_response(issued)

