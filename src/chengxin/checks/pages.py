"""Department console, checks: single and batch checks, feedback on hits, feedback rates."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.callers import Caller, permit
from chengxin.checks import repository as repo
from chengxin.checks import service
from chengxin.checks.batch import run_batch
from chengxin.checks.endpoints import context, single_check
from chengxin.checks.files import ANSWER_COLUMNS, read_caller_list, result_table, table_bytes
from chengxin.checks.render import check_out
from chengxin.checks.schemas import CheckIn
from chengxin.checks.service import OUTCOMES
from chengxin.clock import today
from chengxin.db import unit_of_work
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep
from chengxin.errors import DomainError, NotFound
from chengxin.identity.rules import ID_TYPES
from chengxin.masking import mask_id
from chengxin.replicas import standby_reads
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


HISTORY = 50
FILE_KINDS = {"csv": "text/csv; charset=utf-8",
              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _batch_form(request: Request, caller: Caller, settings: SettingsDep, *, errors: dict[str, str] | None = None,
                asked: dict[str, str] | None = None) -> HTMLResponse:
    department = caller.require_department()
    with request.app.state.sessionmaker() as session:  # a read; the batch itself writes on its own connections
        history = repo.department_check_batches(session, department, HISTORY)
    return _form(request, "checks/batch.html", limit=settings.max_batch_check, errors=errors or {},
                 asked=asked or {"scenario": "", "purpose": "", "business_ref": ""}, history=history,
                 days=settings.check_results_days)


@router.get("/dept/checks/batch", response_class=HTMLResponse)
def batch_form(request: Request, caller: Run, settings: SettingsDep) -> HTMLResponse:
    """批量核查：上传名单文件，查看结果摘要并下载结果文件；列出本部门以往的批量核查。"""
    return _batch_form(request, caller, settings)


@router.post("/dept/checks/batch", response_class=HTMLResponse)
def batch_page(request: Request, caller: Run, keys: KeysDep, settings: SettingsDep,
               file: Annotated[UploadFile, File()], scenario: Annotated[str, Form(max_length=48)] = "",
               purpose: Short = "", business_ref: Short = "") -> Response:
    """逐个核查文件中的号码（每人记入查询日志），保存结果（原文件各列加核查结论），转到结果摘要页。
    选项或文件有误时表单带着所填内容返回。"""
    caller.require_department()
    ctx = context(request)
    asked = {"scenario": scenario, "purpose": purpose, "business_ref": business_ref}
    errors: dict[str, str] = {}
    if scenario not in ctx.measures.scenarios:
        errors["scenario"] = "请选择业务场景"
    if not purpose.strip():
        errors["purpose"] = "请填写核查目的"
    sent = None
    try:
        sent = read_caller_list(file.file, file.filename or "名单.csv")
    except DomainError as refused:
        errors["file"] = refused.message
    if sent is not None and not sent.items:
        errors["file"] = "文件中没有证件号码：请提供“证件号码”列，或把号码放在第一列"
    elif sent is not None and len(sent.items) > settings.max_batch_check:
        errors["file"] = f"一次最多核查 {settings.max_batch_check} 个号码，请分成多个文件"
    if errors or sent is None:
        return _batch_form(request, caller, settings, errors=errors, asked=asked)
    lines = list(run_batch(request.app.state.sessionmaker, ctx, keys, caller, sent.items, scenario=scenario,
                           business_ref=business_ref or None, purpose=purpose.strip(), as_of=today(),
                           standby=standby_reads(request), processes=settings.batch_processes))
    summary = lines.pop()["summary"]
    columns, rows = result_table(sent, lines)
    with unit_of_work(request.app.state.sessionmaker) as session:
        kept = service.keep_batch(session, keys, caller, batch_id=summary["batch_id"], filename=file.filename,
                                  scenario=scenario, purpose=purpose.strip(), business_ref=business_ref or None,
                                  summary=summary, columns=columns, rows=rows, days=settings.check_results_days)
    return RedirectResponse(f"/dept/checks/batches/{kept.id}", status_code=303)


@router.get("/dept/checks/batches/{check_batch_id}", response_class=HTMLResponse)
def batch_result_page(check_batch_id: str, request: Request, caller: Run, session: SessionDep,
                      keys: KeysDep) -> HTMLResponse:
    """一次批量核查的结果：各结论的人数，需要处理的（拦截、从严审核、未核查）各行，结果文件下载。"""
    row = service.own_batch(session, caller, check_batch_id)
    table = service.batch_result(keys, row)
    attention: list[list[str]] = []
    columns: list[str] = []
    if table is not None:
        columns, rows = table
        at = len(columns) - len(ANSWER_COLUMNS)
        number = columns.index("证件号码") if "证件号码" in columns else None
        for r in rows:  # on screen the numbers are masked (the file keeps them as sent)
            if r[at] in ("拦截", "从严审核", "未核查") and len(attention) < 200:
                attention.append([mask_id(v) if i == number else v for i, v in enumerate(r)])
    scenarios = request.app.state.measures.scenarios
    return render(request, "checks/batch_result.html", b=row, scenario=scenarios.get(row.scenario, row.scenario),
                  columns=columns, attention=attention, kept=table is not None)


@router.get("/dept/checks/batches/{check_batch_id}/result.{kind}")
def batch_result_file(check_batch_id: str, kind: str, caller: Run, session: SessionDep, keys: KeysDep) -> Response:
    """批量核查结果文件：原文件各列，加核查结论、命中措施、说明与核查编号。"""
    if kind not in FILE_KINDS:
        raise NotFound("NOT_FOUND", "没有该文件格式")
    row = service.own_batch(session, caller, check_batch_id)
    table = service.batch_result(keys, row)
    if table is None:
        raise NotFound("CHECK_BATCH_RESULT_GONE", "该批量核查的结果文件已过保留期限被删除")
    body = table_bytes(*table, kind)
    name = quote(f"核查结果-{row.id}.{kind}")
    disposition = f"attachment; filename=\"result-{row.id}.{kind}\"; filename*=UTF-8''{name}"
    return Response(body, media_type=FILE_KINDS[kind],
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})


Feedback = Annotated[Caller, permit("checks.feedback")]
FEEDBACK_PAGE = 100  # hits on the page at once; the next ones come once these are answered


def _feedback(request: Request, caller: Caller, session: SessionDep, *, done: int = 0,
              errors: dict[str, str] | None = None, typed: dict[str, dict[str, str]] | None = None,
              picked: frozenset[str] = frozenset()) -> HTMLResponse:
    department = caller.require_department()
    measures = request.app.state.measures
    groups = service.pending_feedback(session, department, measures, FEEDBACK_PAGE)
    return render(request, "checks/feedback.html", groups=groups, scenarios=measures.scenarios,
                  outcome_labels=OUTCOMES, done=done, errors=errors or {}, typed=typed or {}, picked=picked,
                  full=sum(len(g.hits) for g in groups) >= FEEDBACK_PAGE)


@router.get("/dept/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, caller: Feedback, session: SessionDep,
                  done: Annotated[int, Query(ge=0, le=10_000)] = 0) -> HTMLResponse:
    """本部门尚未反馈的命中措施，按核查分组（被核查人脱敏姓名、业务编号）；可逐条反馈，或勾选后批量标记“已实施”。"""
    return _feedback(request, caller, session, done=done)


def _answers(form: Any) -> tuple[list[str], dict[str, dict[str, str]], frozenset[str], str]:
    """The hits on the form, what was typed for each (outcome, reason), the ticked ones, the action."""
    keys = [k for k in form.getlist("hit") if isinstance(k, str)][:200]
    typed = {k: {"outcome": str(form.get(f"outcome.{k}") or "")[:12],
                 "reason": str(form.get(f"reason.{k}") or "")[:2000]} for k in keys}
    picked = frozenset(k for k in form.getlist("pick") if isinstance(k, str) and k in typed)
    return keys, typed, picked, str(form.get("action") or "save")


async def _form_data(request: Request) -> Any:
    """The posted form (its field names name the hits, so they are not declared one by one)."""
    return await request.form()


@router.post("/dept/feedback", response_class=HTMLResponse)
def feedback_submit(request: Request, caller: Feedback, session: SessionDep,
                    form: Annotated[Any, Depends(_form_data)]) -> Response:
    """记录反馈：“提交反馈”记录已选择实施情况的各条；“所选均已实施”把勾选的各条记为已实施。
    未实施或撤销实施缺少理由时，表单带着所填内容和提示返回。"""
    keys, typed, picked, action = _answers(form)
    errors: dict[str, str] = {}
    answers: dict[str, list[tuple[str, str, str | None]]] = {}
    if action == "bulk":
        if not picked:
            errors[""] = "请先勾选要标记为“已实施”的措施"
        for k in keys:
            if k in picked:
                check_id, _, measure = k.partition(".")
                answers.setdefault(check_id, []).append((measure, "applied", None))
    else:
        for n, k in enumerate(keys, 1):
            outcome, reason = typed[k]["outcome"], typed[k]["reason"].strip()
            if not outcome:
                continue
            if outcome not in OUTCOMES:
                errors[f"outcome-{n}"] = "请选择实施情况"
            elif outcome != "applied" and not reason:
                errors[f"reason-{n}"] = f"选择“{OUTCOMES[outcome]}”时请填写理由"
            else:
                check_id, _, measure = k.partition(".")
                answers.setdefault(check_id, []).append((measure, outcome, reason or None))
        if not answers and not errors:
            errors[""] = "请至少为一条措施选择实施情况"
    if errors:
        return _feedback(request, caller, session, errors=errors, typed=typed, picked=picked)
    for check_id, items in answers.items():
        service.give_feedback(session, caller, check_id, items)
    return RedirectResponse(f"/dept/feedback?done={sum(len(i) for i in answers.values())}", status_code=303)


@router.post("/dept/checks/{check_id}/feedback")
def feedback_post(check_id: str, request: Request, caller: Feedback,
                  session: SessionDep, measure_code: Annotated[str, Form(max_length=32)],
                  outcome: Annotated[str, Form(max_length=12)] = "", reason: Annotated[str, Form(max_length=2000)] = "",
                  ) -> Response:
    """反馈一条命中措施的实施情况（核查结果页上的表单）；缺少实施情况或理由时转到待反馈页并就地提示。"""
    key = service.hit_key(check_id[:26], measure_code)
    problem = ("请选择实施情况" if outcome not in OUTCOMES else
               f"选择“{OUTCOMES[outcome]}”时请填写理由" if outcome != "applied" and not reason.strip() else None)
    if problem is not None:
        groups = service.pending_feedback(session, caller.require_department(), request.app.state.measures)
        keys = [k for g in groups for _, _, k in g.hits]
        n = keys.index(key) + 1 if key in keys else 0
        field = "outcome" if outcome not in OUTCOMES else "reason"
        return _feedback(request, caller, session, errors={f"{field}-{n}" if n else "": problem},
                         typed={key: {"outcome": outcome if outcome in OUTCOMES else "", "reason": reason}})
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
