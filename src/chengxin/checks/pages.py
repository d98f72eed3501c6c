"""Department console, checks: single and batch checks, feedback on hits, feedback rates."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from chengxin.callers import Caller, permit
from chengxin.checks import repository as repo
from chengxin.checks import service
from chengxin.checks.batch import run_batch
from chengxin.checks.endpoints import context, single_check
from chengxin.checks.files import HEADER, identifier_rows, result_row, summary_text
from chengxin.checks.render import check_out
from chengxin.checks.schemas import CheckIn
from chengxin.checks.service import OUTCOMES
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.identity.rules import ID_TYPES
from chengxin.web.forms import model_from_form
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Run = Annotated[Caller, permit("checks.run")]
Short = Annotated[str, Form(max_length=200)]
LABELS = {"id_number": "证件号码", "scenario": "业务场景", "purpose": "核查目的", "business_ref": "业务编号"}


def _form(request: Request, template: str, status: int = 200, **extra) -> HTMLResponse:
    return render(request, template, http_status=status, scenarios=request.app.state.measures.scenarios.items(),
                  id_types=ID_TYPES.items(), **extra)


@router.get("/dept/checks", response_class=HTMLResponse)
def check_form(request: Request, caller: Run) -> HTMLResponse:
    """核查一个人：选择业务场景、填写目的与业务编号。"""
    caller.require_department()
    return _form(request, "checks/check.html", result=None, outcome_labels=OUTCOMES,
                 asked={"scenario": "", "purpose": ""})


@router.post("/dept/checks", response_class=HTMLResponse)
async def check_page(request: Request, caller: Run, id_number: Annotated[str, Form(max_length=64)],
                     scenario: Annotated[str, Form(max_length=48)], purpose: Short, business_ref: Short = "",
                     id_type: Annotated[str, Form(max_length=32)] = "citizen_id") -> HTMLResponse:
    """核查并显示结论、每条命中措施及其依据，附反馈表单（与接口同一核查路径，记入查询日志）。"""
    state = request.app.state
    body = model_from_form(CheckIn, LABELS, id_type=id_type, id_number=id_number, scenario=scenario,
                           department=caller.require_department(), purpose=purpose, business_ref=business_ref or None)
    outcome = await single_check(state, caller, body)
    result = check_out(outcome, scenario=body.scenario, department=body.department, business_ref=body.business_ref,
                       catalog=state.catalog, measures=state.measures)
    return _form(request, "checks/check.html", result=result, outcome_labels=OUTCOMES,
                 asked={"scenario": scenario, "purpose": purpose})


@router.get("/dept/checks/batch", response_class=HTMLResponse)
def batch_form(request: Request, caller: Run, settings: SettingsDep) -> HTMLResponse:
    """批量核查：上传名单文件，下载结果文件。"""
    caller.require_department()
    return _form(request, "checks/batch.html", limit=settings.max_batch_check)


@router.post("/dept/checks/batch")
def batch_page(request: Request, caller: Run, keys: KeysDep, settings: SettingsDep,
               file: Annotated[UploadFile, File()], scenario: Annotated[str, Form(max_length=48)], purpose: Short,
               business_ref: Short = "") -> Response:
    """逐个核查文件中的号码，以 CSV 返回（与命令行 chengxin check 的结果文件相同）。"""
    caller.require_department()
    ctx = context(request)
    service.require_scenario(ctx.measures, scenario)
    if not purpose.strip():
        raise DomainError("REQUEST_INVALID", "请填写核查目的", 422)
    items = list(identifier_rows(file.file, file.filename or "名单.csv"))
    if len(items) > settings.max_batch_check:
        raise DomainError("BATCH_TOO_LARGE", f"一次最多核查 {settings.max_batch_check} 个号码", 413)
    lines = run_batch(request.app.state.sessionmaker, ctx, keys, caller, items, scenario=scenario,
                      business_ref=business_ref or None, purpose=purpose.strip(), as_of=today())

    def rows() -> Iterator[str]:
        buf = io.StringIO()
        out = csv.writer(buf)
        out.writerow(HEADER)
        for line in lines:
            out.writerow(["汇总", summary_text(line["summary"])] if "summary" in line else result_row(line))
            if buf.tell() > 64 * 1024:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    disposition = f"attachment; filename=\"result.csv\"; filename*=UTF-8''{quote('核查结果.csv')}"
    return StreamingResponse((("\ufeff" if i == 0 else "") + text for i, text in enumerate(rows())),
                             media_type="text/csv; charset=utf-8", headers={"Content-Disposition": disposition})


@router.get("/dept/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, caller: Annotated[Caller, permit("checks.feedback")], session: SessionDep,
                  done: bool = False) -> HTMLResponse:
    """本部门尚未反馈的命中措施，逐条反馈实施情况。"""
    department = caller.require_department()
    measures = request.app.state.measures
    pending = [(hit, check, measures.measures.get(hit.measure_code))
               for hit, check in repo.unanswered_hits(session, department, 100)]
    return render(request, "checks/feedback.html", pending=pending, scenarios=measures.scenarios,
                  outcome_labels=OUTCOMES, done=done)


@router.post("/dept/checks/{check_id}/feedback")
def feedback_post(check_id: str, request: Request, caller: Annotated[Caller, permit("checks.feedback")],
                  session: SessionDep, measure_code: Annotated[str, Form(max_length=32)],
                  outcome: Annotated[str, Form(max_length=12)], reason: Annotated[str, Form(max_length=2000)] = "",
                  ) -> Response:
    """反馈一条命中措施的实施情况。"""
    if outcome not in OUTCOMES:
        raise DomainError("FEEDBACK_OUTCOME_UNKNOWN", "请选择反馈结果", 422)
    service.give_feedback(session, caller, check_id, [(measure_code, outcome, reason or None)])
    return RedirectResponse("/dept/feedback?done=1", status_code=303)


@router.get("/feedback/rates", response_class=HTMLResponse)
def rates_page(request: Request, caller: Annotated[Caller, permit("checks.rates")], session: SessionDep,
               catalog: CatalogDep) -> HTMLResponse:
    """各部门、各措施的反馈率（部门只看本部门）。"""
    department = None if caller.has("operator") else caller.require_department()
    measures = request.app.state.measures
    rows = service.feedback_rates(session, None, department)
    for r in rows:
        r["department_name"] = catalog.departments.get(r["department_code"], r["department_code"])
        m = measures.measures.get(r["measure_code"])
        r["measure_name"] = m.name if m else r["measure_code"]
    return render(request, "checks/rates.html", rows=rows, outcome_labels=OUTCOMES)
