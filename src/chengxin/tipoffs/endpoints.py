"""Tip-off API: anyone files and follows by tracking number (rate-limited); the credit office handles."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from chengxin.accounts.auth import client_ip
from chengxin.callers import Caller, permit
from chengxin.cases import repository as case_repo
from chengxin.cases import service as cases
from chengxin.cases.actors import actor_of
from chengxin.cases.schemas import EventOut, EvidenceOut
from chengxin.cases.uploads import FILE_RESPONSES, download, read_uploads
from chengxin.departments import repository as departments_repo
from chengxin.deps import KeysDep, SessionDep, SettingsDep
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.params import Int64
from chengxin.tipoffs import repository as repo
from chengxin.tipoffs import rules, service
from chengxin.tipoffs.models import Tipoff
from chengxin.tipoffs.schemas import HandleIn, TipoffList, TipoffOut, TipoffReceipt, TipoffStatus

router = APIRouter(prefix="/api/v1", tags=["举报"], responses=PROBLEM_RESPONSES)
Handler = Annotated[Caller, permit("tipoffs.handle")]
NOTICE = "请妥善保存受理编号，凭编号查询办理进度；平台对举报人信息严格保密。"


def _out(session: SessionDep, keys: KeysDep, t: Tipoff, detail: bool = False) -> TipoffOut:
    departments = departments_repo.names(session)
    return TipoffOut(
        id=t.id, category=t.category, category_label=rules.CATEGORIES[t.category], subject_name=t.subject_name,
        content=t.content, contact=service.contact_of(keys, t), status=t.status,
        status_label=rules.STATUS_LABELS[t.status], result=t.result, outcome=t.outcome,
        outcome_label=rules.OUTCOMES.get(t.outcome or ""), transferred_to=t.transferred_to,
        transferred_to_name=departments.get(t.transferred_to or "") if t.transferred_to else None,
        received_at=t.received_at, updated_at=t.updated_at,
        events=[EventOut.of(e) for e in case_repo.events(session, t.id, t.id)] if detail else None,
        evidence=[EvidenceOut.of(f) for f in case_repo.evidence_of(session, t.id, t.id)] if detail else None)


@router.post("/public/tipoffs", response_model=TipoffReceipt, status_code=201, summary="提交举报",
             dependencies=[permit("public")])
async def file_tipoff(
    request: Request, session: SessionDep, keys: KeysDep, settings: SettingsDep,
    category: Annotated[Literal["dishonesty", "wrong_information", "misuse", "other"], Form(
        description="dishonesty 失信行为线索 / wrong_information 信用信息错误 / misuse 违规查询 / other 其他")],
    subject_name: Annotated[str, Form(max_length=200, description="被举报对象（姓名或单位名称）")],
    content: Annotated[str, Form(max_length=5000, description="举报内容")],
    contact: Annotated[str | None, Form(max_length=200, description="联系方式（可不填；加密保存）")] = None,
    evidence: Annotated[list[UploadFile] | None, File(description="证据材料：PDF、PNG 或 JPEG")] = None,
) -> TipoffReceipt:
    """任何人可提交举报并附证据，得到受理编号；同一地址提交过于频繁时暂停受理。"""
    request.app.state.tipoff_limiter.hit(client_ip(request))
    uploads = await read_uploads(evidence, max_files=settings.evidence_max_files, max_bytes=settings.evidence_max_bytes)
    tipoff, number = await run_in_threadpool(  # the database work off the event loop (see deps.get_session)
        service.receive, session, keys, settings, category=category, subject_name=subject_name, content=content,
        contact=contact, uploads=uploads)
    return TipoffReceipt(tracking_no=number, status=tipoff.status, status_label=rules.STATUS_LABELS[tipoff.status],
                         received_at=tipoff.received_at, notice=NOTICE)


@router.get("/public/tipoffs/{tracking_no}", response_model=TipoffStatus, summary="查询举报办理进度",
            dependencies=[permit("public")])
def follow_tipoff(tracking_no: str, request: Request, session: SessionDep) -> TipoffStatus:
    """凭受理编号查询办理进度和处理结果（不显示举报内容）。"""
    request.app.state.tipoff_limiter.hit(client_ip(request))
    t = service.follow(session, tracking_no[:40])
    events = case_repo.events(session, t.id, t.id)
    steps = [{"at": e.at.isoformat(), "label": rules.step_label(e.action)} for e in events]
    return TipoffStatus(category_label=rules.CATEGORIES[t.category], status=t.status,
                        status_label=rules.STATUS_LABELS[t.status], received_at=t.received_at,
                        updated_at=t.updated_at, result=t.result, steps=steps, outcome=t.outcome,
                        outcome_label=rules.OUTCOMES.get(t.outcome or ""),
                        outcome_text=rules.outcome_text(t.outcome, t.result, departments_repo.names(session).get(
                            t.transferred_to or "")))


@router.get("/tipoffs", response_model=TipoffList, summary="举报处理队列")
def tipoff_queue(caller: Handler, session: SessionDep, keys: KeysDep,
                 status: Annotated[Literal["received", "handling", "closed"] | None, Query()] = None,
                 limit: Annotated[Int64, Query(ge=1, le=500)] = 100,
                 offset: Annotated[Int64, Query(ge=0)] = 0) -> TipoffList:
    """信用办的举报队列（先到先办）。"""
    rows = repo.queue(session, status=status, limit=limit, offset=offset)
    return TipoffList(tipoffs=[_out(session, keys, t) for t in rows])


@router.get("/tipoffs/{tipoff_id}", response_model=TipoffOut, summary="一件举报（含证据与过程）")
def tipoff_detail(tipoff_id: str, caller: Handler, session: SessionDep, keys: KeysDep) -> TipoffOut:
    """举报内容、联系方式、证据清单与办理过程。"""
    return _out(session, keys, service.get(session, tipoff_id), detail=True)


@router.get("/tipoffs/{tipoff_id}/evidence/{evidence_id}", summary="下载举报证据", response_class=Response,
            responses=FILE_RESPONSES)
def tipoff_evidence(tipoff_id: str, evidence_id: str, caller: Handler, session: SessionDep,
                    keys: KeysDep) -> Response:
    """下载举报人提交的证据材料。"""
    t = service.get(session, tipoff_id)
    return download(*cases.read_evidence(session, keys, t.id, t.id, evidence_id))


@router.post("/tipoffs/{tipoff_id}/status", response_model=TipoffOut, summary="办理举报")
def handle_tipoff(tipoff_id: str, body: HandleIn, caller: Handler, session: SessionDep, keys: KeysDep) -> TipoffOut:
    """转为处理中，或办结：转办（选择承办部门）、不予受理（说明理由）、办结（写明处理结果），举报人凭编号可见。"""
    t = service.handle(session, tipoff=service.get(session, tipoff_id), actor=actor_of(caller), status=body.status,
                       note=body.note, outcome=body.outcome, department=body.department,
                       departments=departments_repo.names(session))
    return _out(session, keys, t, detail=True)
