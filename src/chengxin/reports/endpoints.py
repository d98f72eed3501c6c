"""Reports API: a person's own reports and certificates, a third party's authorised report, the
register, the public verification and the seal's trust root."""

from __future__ import annotations

import hashlib
import threading
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chengxin.access.grouped import GroupedLog
from chengxin.access.service import entry_rows
from chengxin.authorisations import rules as authz_rules
from chengxin.authorisations import schemas as authz_schemas
from chengxin.authorisations import service as authz
from chengxin.callers import Caller, permit
from chengxin.db import WRITES, reading
from chengxin.deps import CatalogDep, KeysDep, SessionDep, StandbyDep, lag_tolerant
from chengxin.errors import PROBLEM_RESPONSES, DomainError, problem_response
from chengxin.keyring.service import current_key
from chengxin.reports import rules, service
from chengxin.reports import schemas as s
from chengxin.reports.models import Report
from chengxin.reports.seal import Seal, load_seal

router = APIRouter(prefix="/api/v1", tags=["信用报告"], responses=PROBLEM_RESPONSES)
PDF = "application/pdf"
MAX_VERIFY_FILE = 20 * 1024 * 1024
_seal_lock = threading.Lock()
PDF_ANSWER = {"content": {PDF: {"schema": {"type": "string", "format": "binary"}, "example": "%PDF-1.7 …"}},
              "description": "带电子签章的 PDF；响应头 X-Report-Number、X-Report-Check-Code 为报告编号与校验码"}


def get_seal(request: Request) -> Seal:
    """The platform's seal, loaded (or, in a demo, issued) once per process."""
    state = request.app.state
    seal = getattr(state, "report_seal", None)
    if seal is None:
        with _seal_lock:
            seal = getattr(state, "report_seal", None)
            if seal is None:
                seal = state.report_seal = load_seal(state.settings)
    return seal


SealDep = Annotated[Seal, Depends(get_seal)]


def context(request: Request, seal: Seal) -> service.Context:
    state = request.app.state
    return service.Context(catalog=state.catalog, keys=state.keys, tiers=state.tiers, seal=seal,
                           settings=state.settings, site=state.site)


def pdf_response(issued: service.Issued) -> Response:
    row = issued.report
    name = f"{rules.TITLES[row.variant]}-{row.number}.pdf"
    return Response(issued.pdf, media_type=PDF, headers={
        "Content-Disposition": f"attachment; filename=\"report-{row.number}.pdf\"; filename*=UTF-8''{quote(name)}",
        "X-Report-Number": row.number, "X-Report-Check-Code": row.check_code, "X-Report-Id": row.id,
        "X-Report-SHA256": row.sha256, "Cache-Control": "no-store"})


def report_out(row: Report, status: str, *, reveal_check: bool, reveal_requester: bool) -> s.ReportOut:
    return s.ReportOut(
        id=row.id, number=row.number, check_code=row.check_code if reveal_check else None, variant=row.variant,
        variant_label=rules.VARIANTS[row.variant], channel=row.channel, channel_label=rules.CHANNELS[row.channel],
        requester_kind=row.requester_kind, requester_label=rules.REQUESTERS[row.requester_kind],
        requester=row.requester if reveal_requester or row.requester_kind == "organisation" else None,
        purpose=row.purpose, occupation=row.occupation, scenario=row.scenario,
        authorisation_id=row.authorisation_id, as_of=row.as_of, issued_at=row.issued_at, sha256=row.sha256,
        pages=row.pages, matters=row.matters, status=status, status_label=rules.STATUS_LABELS[status],
        revoked_at=row.revoked_at, revoked_reason=row.revoked_reason)


def own_request(caller: Caller, body: s.OwnReportIn, *, channel: str = "online", requester_kind: str = "person",
                person_key: str | None = None, requester: str | None = None) -> service.Request:
    variant = rules.require_variant(body.variant)
    if variant == "authorised":
        raise DomainError("REPORT_VARIANT_NOT_HERE", "授权查询版由经授权的第三方机构凭授权取得", 422)
    key = person_key or caller.person_key
    assert key is not None
    purpose = " ".join((body.purpose or "").split()) or ("本人申请" if requester_kind == "person" else "窗口申请")
    return service.Request(variant=variant, person_key=key, caller=caller, channel=channel,
                           requester_kind=requester_kind, requester=requester or caller.account_id or "",
                           purpose=purpose, occupation=body.occupation, scenario=body.scenario)


# Issuing reads the report's content on a standby within the lag bound when there is one
# (`lag_tolerant`, with `standby`, as file views do); the number, the limits, the register and the
# access-log entry are on the primary, committed before the PDF is sent.
@router.post("/me/reports", summary="本人出具信用报告或证明", response_class=Response,
             responses={200: PDF_ANSWER})
@lag_tolerant
def issue_own(body: s.OwnReportIn, request: Request, caller: Annotated[Caller, permit("person.own")],
              session: SessionDep, standby: StandbyDep, seal: SealDep) -> Response:
    """本人出具信用报告（本人版、职业信用报告）或无严重失信记录证明，返回带平台电子签章的 PDF；
    报告编号和校验码在响应头 X-Report-Number、X-Report-Check-Code 中。不属实的证明不予出具（409）。"""
    return pdf_response(service.issue(session, own_request(caller, body), context(request, seal),
                                      reader=standby))


@router.get("/me/reports", response_model=s.ReportList, summary="关于我的全部报告")
def own_reports(request: Request, caller: Annotated[Caller, permit("person.own")],
                session: SessionDep) -> s.ReportList:
    """平台就本人出具的每一份报告与证明（含第三方凭授权取得的），最新的在前，及其当前核验状态。"""
    assert caller.person_key is not None
    state = request.app.state
    rows = service.of_subject(session, caller.person_key)
    items = [report_out(r, service.status_of(session, r, state.catalog, state.tiers), reveal_check=True,
                        reveal_requester=False) for r in rows]
    return s.ReportList(items=items, total=len(items))


@router.post("/authorisations/{authorisation_id}/report", summary="凭授权取得信用报告", response_class=Response,
             responses={200: PDF_ANSWER, 403: {}})
@lag_tolerant
def issue_authorised(authorisation_id: str, body: authz_schemas.QueryIn, request: Request,
                     caller: Annotated[Caller, permit("authorisations.query")], session: SessionDep,
                     standby: StandbyDep, catalog: CatalogDep, keys: KeysDep, seal: SealDep) -> Response:
    """第三方机构凭本人有效授权，取得授权范围与目的内的信用报告（授权查询版，身份已脱敏，印有目的与范围）；
    与授权查询一样计入授权使用次数并记入查询日志，本人可在“谁查询了我”中看到。"""
    from chengxin.clock import utcnow

    now = utcnow()
    try:
        grant, requested, stated = authz.use(session, caller, authorisation_id[:64], body, catalog=catalog, now=now,
                                             action="report")
    except authz_rules.Refused as refused:
        return problem_response(refused)  # returned, not raised: the refusal's log entry is committed
    person_key = current_key(session, grant.grantor_key)
    scope_labels = [authz.scope_label(c, catalog) for c in requested]
    req = service.Request(
        variant="authorised", person_key=person_key, caller=caller, channel="api", requester_kind="organisation",
        requester=grant.grantee_uscc, purpose=stated, purpose_code=grant.purpose_code, scope=tuple(scope_labels),
        categories=authz_rules.categories_of(requested, catalog), recipient=grant.grantee_uscc,
        authorisation_id=grant.id, business_ref=body.business_ref)
    return pdf_response(service.issue(session, req, context(request, seal), now=now, reader=standby))


def upload_digest(file: UploadFile) -> str:
    """SHA-256 of an uploaded report, read in pieces; refused past MAX_VERIFY_FILE."""
    digest = hashlib.sha256()
    size = 0
    while chunk := file.file.read(1 << 16):
        size += len(chunk)
        if size > MAX_VERIFY_FILE:
            raise DomainError("REPORT_FILE_TOO_LARGE", "报告文件不应超过 20 MB", 413)
        digest.update(chunk)
    return digest.hexdigest()


def verification_out(v: service.Verification, issuer: str, file_matches: bool | None = None) -> s.VerifyOut:
    row = v.report
    if row is None:
        return s.VerifyOut(status=v.status, status_label=v.label, message=v.text)
    return s.VerifyOut(status=v.status, status_label=v.label, message=v.text, number=row.number,
                       variant_label=rules.VARIANTS[row.variant], title=rules.TITLES[row.variant], as_of=row.as_of,
                       issued_at=row.issued_at, issuer=issuer, sha256=row.sha256, pages=row.pages,
                       file_matches=file_matches)


def _check(state: Any, session: Session, number: str, code: str,
           caller: Caller) -> tuple[s.VerifyOut, list[tuple[Any, ...]]]:
    v = service.check(session, number, code, catalog=state.catalog, tiers=state.tiers)
    rows = entry_rows(caller, "report_verify", service.verification_reads(v), purpose=service.VERIFY_PURPOSE)
    return verification_out(v, state.site.operator), rows


def _check_reading(state: Any, number: str, code: str, caller: Caller) -> tuple[s.VerifyOut, list[tuple[Any, ...]]]:
    """The verification in a transaction that only reads (in a worker thread), and the log rows it owes."""
    with reading(state.sessionmaker) as session:
        return _check(state, session, number, code, caller)


def _loop_connection(state: Any) -> Connection | None:
    """On SQLite, with sessions made on the engine (a served app), a connection kept for reading
    verifications on the event loop: an in-process read that never waits (WAL readers take no
    lock, and the connection is not taken from the pool) costs less there than the hop to a worker
    thread and back. None otherwise (PostgreSQL waits on the network; tests bind one connection)."""
    if state.engine.dialect.name != "sqlite" or not isinstance(state.sessionmaker.kw.get("bind"), Engine):
        return None
    conn = getattr(state, "verify_connection", None)
    if conn is None or conn.closed or conn.invalidated:
        conn = state.verify_connection = state.engine.connect().execution_options(**{WRITES: False})
    return conn


def grouped_log(state: Any) -> GroupedLog:
    log = getattr(state, "grouped_log", None)
    if log is None:
        log = state.grouped_log = GroupedLog(state)
    return log


@router.get("/reports/verify", response_model=s.VerifyOut, summary="核验信用报告")
async def verify(request: Request, caller: Annotated[Caller, permit("public")],
                 number: Annotated[str, Query(max_length=40, description="报告编号")],
                 code: Annotated[str, Query(max_length=16, description="校验码")]) -> s.VerifyOut:
    """按报告编号和校验码核验报告：有效、已有更新（所载信息此后被更正、撤销或修复）、已作废或查无此报告。
    只返回持有报告者已知道的内容，不说明更新了什么。每次核验记入查询日志，本人可以看到。"""
    state = request.app.state
    conn = _loop_connection(state)
    if conn is not None:
        with Session(bind=conn) as session:  # its transaction only reads, and ends with the block
            out, rows = _check(state, session, number, code, caller)
    else:
        out, rows = await run_in_threadpool(_check_reading, state, number, code, caller)
    await grouped_log(state).append(rows)  # answered once its log entry is committed, with others'
    return out


@router.post("/reports/verify-file", response_model=s.VerifyOut, summary="核验报告文件")
def verify_file(request: Request, caller: Annotated[Caller, permit("public")], session: SessionDep,
                number: Annotated[str, Form(max_length=40)], code: Annotated[str, Form(max_length=16)],
                file: Annotated[UploadFile, File(description="报告 PDF")]) -> s.VerifyOut:
    """核验报告编号、校验码，并比对上传的 PDF 是否与登记的报告文件逐字节一致（SHA-256）。"""
    state = request.app.state
    digest = upload_digest(file)
    v = service.verify(session, number, code, catalog=state.catalog, tiers=state.tiers, caller=caller)
    matches = None if v.report is None else digest == v.report.sha256
    return verification_out(v, state.site.operator, matches)


@router.get("/reports/trust-root.pem", summary="报告签章的根证书", response_class=Response,
            dependencies=[permit("public")], responses={200: {"content": {"application/x-pem-file": {
                "example": "-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n"}}}})
def trust_root(seal: SealDep) -> Response:
    """报告电子签章所用证书的根证书（PEM），可用于 `pyhanko sign validate --trust` 或导入 PDF 阅读器。"""
    return Response(seal.trust_root_pem, media_type="application/x-pem-file",
                    headers={"Content-Disposition": 'attachment; filename="chengxin-report-root.pem"'})


@router.get("/reports", response_model=s.ReportList, summary="报告登记簿")
def register(request: Request, caller: Annotated[Caller, permit("reports.read")], session: SessionDep,
             limit: Annotated[int, Query(ge=1, le=500)] = 100) -> s.ReportList:
    """信用办查看已出具的报告：谁申请、关于谁（主体键）、类型与目的、时间、文件哈希与当前状态。"""
    state = request.app.state
    rows = service.recent(session, limit)
    items = [report_out(r, service.status_of(session, r, state.catalog, state.tiers), reveal_check=False,
                        reveal_requester=True) for r in rows]
    return s.ReportList(items=items, total=len(items))


@router.post("/reports/{report_id}/revoke", response_model=s.ReportOut, summary="作废报告")
def revoke(report_id: str, body: s.RevokeIn, request: Request, caller: Annotated[Caller, permit("reports.revoke")],
           session: SessionDep) -> Any:
    """作废一份已出具的报告（如出具有误），写明原因；此后核验显示“已作废”。"""
    state = request.app.state
    row = service.revoke(session, report_id, by=caller.account_id or caller.role, reason=body.reason)
    return report_out(row, service.status_of(session, row, state.catalog, state.tiers), reveal_check=False,
                      reveal_requester=True)
