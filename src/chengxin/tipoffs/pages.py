"""Tip-off pages: the public form and receipt, following by number; the credit office's queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from chengxin.accounts.auth import client_ip
from chengxin.callers import Caller, permit
from chengxin.cases import repository as case_repo
from chengxin.cases import service as cases
from chengxin.cases.actors import actor_of
from chengxin.cases.schemas import EventOut, EvidenceOut
from chengxin.cases.uploads import download, read_uploads
from chengxin.departments import repository as departments_repo
from chengxin.deps import KeysDep, SessionDep, SettingsDep, reads_only
from chengxin.errors import DomainError
from chengxin.tipoffs import repository as repo
from chengxin.tipoffs import rules, service
from chengxin.tipoffs.endpoints import NOTICE
from chengxin.tipoffs.models import Tipoff
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Handler = Annotated[Caller, permit("tipoffs.handle")]
QUEUE_STATUSES = {"open": "未办结", **rules.STATUS_LABELS, "all": "全部"}


@router.get("/public/tipoffs", response_class=HTMLResponse, dependencies=[permit("public")])
def tipoff_form(request: Request, settings: SettingsDep) -> HTMLResponse:
    """我要举报：填写被举报对象与内容，可附证据；提交后得到受理编号。"""
    return render(request, "tipoffs/new.html", categories=rules.CATEGORIES.items(),
                  max_files=settings.evidence_max_files, max_mb=settings.evidence_max_bytes // (1024 * 1024))


@router.post("/public/tipoffs", response_class=HTMLResponse, dependencies=[permit("public")])
async def tipoff_file(request: Request, session: SessionDep, keys: KeysDep, settings: SettingsDep,
                      category: Annotated[str, Form(max_length=24)],
                      subject_name: Annotated[str, Form(max_length=200)],
                      content: Annotated[str, Form(max_length=5000)],
                      contact: Annotated[str, Form(max_length=200)] = "",
                      evidence: Annotated[list[UploadFile] | None, File()] = None) -> HTMLResponse:
    """受理举报并显示受理编号（只显示这一次，平台只保存其摘要）。"""
    request.app.state.tipoff_limiter.hit(client_ip(request))
    uploads = await read_uploads(evidence, max_files=settings.evidence_max_files, max_bytes=settings.evidence_max_bytes)
    tipoff, number = await run_in_threadpool(  # the database work off the event loop (see deps.get_session)
        service.receive, session, keys, settings, category=category, subject_name=subject_name, content=content,
        contact=contact or None, uploads=uploads)
    response = render(request, "tipoffs/receipt.html", number=number, t=tipoff, notice=NOTICE,
                      category_label=rules.CATEGORIES[tipoff.category], files=len(uploads))
    response.headers["Cache-Control"] = "no-store"  # the number is shown once; no copy stays in a cache
    return response


@router.get("/public/tipoffs/follow", response_class=HTMLResponse, dependencies=[permit("public")])
def follow_form(request: Request) -> HTMLResponse:
    """凭受理编号查询举报的办理进度。"""
    return render(request, "tipoffs/follow.html", number="", t=None, steps=[])


@router.post("/public/tipoffs/follow", response_class=HTMLResponse, dependencies=[permit("public")])
@reads_only
def follow_page(request: Request, session: SessionDep,
                tracking_no: Annotated[str, Form(max_length=40)]) -> HTMLResponse:
    """办理进度与处理结果（不显示举报内容）；编号放在表单里提交，不进入地址栏和日志。"""
    request.app.state.tipoff_limiter.hit(client_ip(request))
    t = service.follow(session, tracking_no)
    steps = [(e.at, rules.step_label(e.action), e.action) for e in case_repo.events(session, t.id, t.id)]
    outcome = rules.outcome_text(t.outcome, t.result, departments_repo.names(session).get(t.transferred_to or ""))
    response = render(request, "tipoffs/follow.html", number=rules.normalise_tracking(tracking_no), t=t,
                      steps=steps, status_labels=rules.STATUS_LABELS, category_label=rules.CATEGORIES[t.category],
                      outcome=outcome)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/console/tipoffs", response_class=HTMLResponse)
def queue_page(request: Request, caller: Handler, session: SessionDep,
               status: Annotated[str, Query(max_length=12)] = "open") -> HTMLResponse:
    """信用办的举报队列（先到先办）。"""
    status = status if status in QUEUE_STATUSES else "open"
    if status == "open":
        rows = [*repo.queue(session, status="received", limit=200, offset=0),
                *repo.queue(session, status="handling", limit=200, offset=0)]
        rows.sort(key=lambda t: t.received_at)
    else:
        rows = list(repo.queue(session, status=None if status == "all" else status, limit=200, offset=0))
    return render(request, "tipoffs/queue.html", rows=rows, status=status, statuses=QUEUE_STATUSES.items(),
                  categories=rules.CATEGORIES, status_labels=rules.STATUS_LABELS, outcomes=rules.CLOSED_TAGS)


@router.get("/console/tipoffs/{tipoff_id}", response_class=HTMLResponse)
def detail_page(tipoff_id: str, request: Request, caller: Handler, session: SessionDep,
                keys: KeysDep) -> HTMLResponse:
    """一件举报：内容、联系方式、证据与办理过程，以及办理表单（转为处理中、转办、不予受理、办结）。"""
    return _detail(request, session, keys, service.get(session, tipoff_id))


# The ways to move a tip-off on, as the handling form offers them: (status, outcome).
ACTIONS = {"handling": ("handling", None), "transferred": ("closed", "transferred"),
           "rejected": ("closed", "rejected"), "resolved": ("closed", "resolved")}
ACTION_LABELS = {"handling": "转为处理中", "transferred": "转办：交由有关部门办理",
                 "rejected": "不予受理：说明理由", "resolved": "办结：写明处理结果"}
# Which field of the handling form an error is about.
FIELDS = {"TIPOFF_DEPARTMENT_REQUIRED": "department", "TIPOFF_REASON_REQUIRED": "note",
          "TIPOFF_RESULT_REQUIRED": "note", "TIPOFF_OUTCOME": "action", "TIPOFF_STATUS": "action"}


def _detail(request: Request, session: SessionDep, keys: KeysDep, t: Tipoff, *, errors: dict[str, str] | None = None,
            typed: dict[str, str] | None = None) -> HTMLResponse:
    departments = departments_repo.names(session)
    actions = [a for a, (status, _) in ACTIONS.items() if status in rules.NEXT[t.status]]
    return render(request, "tipoffs/detail.html", t=t, contact=service.contact_of(keys, t),
                  category_label=rules.CATEGORIES[t.category], status_labels=rules.STATUS_LABELS,
                  events=[EventOut.of(e) for e in case_repo.events(session, t.id, t.id)],
                  evidence=[EvidenceOut.of(f) for f in case_repo.evidence_of(session, t.id, t.id)],
                  actions=[(a, ACTION_LABELS[a]) for a in actions], departments=sorted(departments.items()),
                  outcome_label=rules.OUTCOMES.get(t.outcome or ""),
                  closed_tag=rules.CLOSED_TAGS.get(t.outcome or ""),
                  transferred_name=departments.get(t.transferred_to or "", t.transferred_to),
                  errors=errors or {}, typed=typed or {"action": "", "department": "", "note": ""})


@router.get("/console/tipoffs/{tipoff_id}/evidence/{evidence_id}")
def evidence_download(tipoff_id: str, evidence_id: str, caller: Handler, session: SessionDep,
                      keys: KeysDep) -> Response:
    """下载举报证据（附件）。"""
    t = service.get(session, tipoff_id)
    return download(*cases.read_evidence(session, keys, t.id, t.id, evidence_id))


@router.post("/console/tipoffs/{tipoff_id}/status", response_model=None)
def handle_page(tipoff_id: str, request: Request, caller: Handler, session: SessionDep, keys: KeysDep,
                action: Annotated[str, Form(max_length=12)] = "", status: Annotated[str, Form(max_length=12)] = "",
                department: Annotated[str, Form(max_length=64)] = "",
                note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """转为处理中，或办结：转办（选择承办部门）、不予受理（说明理由）、办结（写明处理结果），举报人凭编号可见。
    填写有误时回到原页面，说明原因并保留所填内容。"""
    t = service.get(session, tipoff_id)
    action = action or {"handling": "handling", "closed": "resolved"}.get(status, "")
    typed = {"action": action, "department": department, "note": note}
    try:
        if action not in ACTIONS:
            raise DomainError("TIPOFF_STATUS", "请选择办理方式", 422)
        new_status, outcome = ACTIONS[action]
        service.handle(session, tipoff=t, actor=actor_of(caller), status=new_status, note=note, outcome=outcome,
                       department=department or None, departments=departments_repo.names(session))
    except DomainError as err:
        if err.code not in FIELDS:
            raise
        return _detail(request, session, keys, t, errors={FIELDS[err.code]: err.message}, typed=typed)
    return RedirectResponse(f"/console/tipoffs/{t.id}", status_code=303)
