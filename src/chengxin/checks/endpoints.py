"""Check API: single and batch checks, feedback, feedback rates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from chengxin.callers import Caller, permit
from chengxin.checks import schemas as s
from chengxin.checks import service
from chengxin.checks.batch import as_wanted, run_batch_chunks
from chengxin.checks.render import check_json, ndjson_compact, ndjson_line
from chengxin.checks.writer import CheckWriter
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep
from chengxin.errors import PROBLEM_RESPONSES, DomainError
from chengxin.identity.rules import parse_identifier
from chengxin.replicas import standby_reads
from chengxin.routing import HandParsedRoute

router = APIRouter(prefix="/api/v1", tags=["联合奖惩"], responses=PROBLEM_RESPONSES)


def context(request: Request) -> service.CheckContext:
    state = request.app.state
    return service.CheckContext(state.catalog, state.measures, state.tiers, state.points)


async def check(body: s.CheckIn, request: Request, caller: Annotated[Caller, permit("checks.run")]) -> Response:
    """按业务场景核查一个人：返回拦截、从严审核、绿色通道或通过，以及每条命中的名单或记录、措施、依据、来源部门和有效期。"""
    state = request.app.state
    outcome = await single_check(state, caller, body)
    return Response(check_json(outcome, scenario=body.scenario, department=body.department,
                               business_ref=body.business_ref, catalog=state.catalog, measures=state.measures),
                    media_type="application/json")


# The route that takes by far the most requests: its arguments are resolved by hand
# (`HandParsedRoute`), the same permission and body model, without the generic dependency solver.
router.add_api_route("/checks", check, methods=["POST"], response_model=s.CheckOut, summary="核查（比对、拦截、锁定）",
                     route_class_override=HandParsedRoute)


async def single_check(state: Any, caller: Caller, body: s.CheckIn) -> service.Outcome:
    """One check as the API and the console page run it: checked, logged and committed with the
    checks that arrive meanwhile (group commit)."""
    service.require_department(caller, body.department)
    service.require_scenario(state.measures, body.scenario)
    ident = parse_identifier(body.id_type, body.id_number)
    key = state.keys.subject_key(ident.id_type, ident.number)
    old = state.keys.previous_subject_key(ident.id_type, ident.number)  # set only while re-keying
    return await writer_of(state).check(service.CheckRequest(caller, key, body.scenario, body.business_ref,
                                                              body.purpose, today(), old))


def writer_of(state: Any) -> CheckWriter:
    writer = getattr(state, "check_writer", None)
    if writer is None:
        writer = state.check_writer = CheckWriter(state)
    return writer


@router.post(
    "/checks/batch", summary="批量核查（NDJSON 流式返回）",
    response_class=StreamingResponse,
    responses={200: {"description": "每行一个 JSON：核查结果或该行的错误；最后一行为汇总",
                      "content": {"application/x-ndjson": {"example": (
                          '{"line": 1, "ref": null, "id_number": "1101**********002X", '
                          '"check_id": "01JD…", "decision": "clear", "decision_label": "通过", "hits": []}\n'
                          '{"line": 2, "ref": null, "error": {"code": "ID_CHECKSUM", "message": "…"}}\n'
                          '{"summary": {"batch_id": "01JD…", "total": 2, "errors": 1, "block": 0, '
                          '"review": 0, "green": 0, "clear": 1}}\n')}}}},
)
def batch_check(body: s.BatchCheckIn, request: Request, caller: Annotated[Caller, permit("checks.run")], keys: KeysDep,
                settings: SettingsDep) -> StreamingResponse:
    """批量核查最多 100,000 个证件号码：按行流式返回（先算完的先到），重复或错误的号码逐行报告，其余照常作答。"""
    ctx = context(request)
    service.require_department(caller, body.department)
    service.require_scenario(ctx.measures, body.scenario)
    if len(body.identifiers) > settings.max_batch_check:
        raise DomainError("BATCH_TOO_LARGE", f"一次最多核查 {settings.max_batch_check} 个号码", 413,
                          limit=settings.max_batch_check, received=len(body.identifiers))
    items = (as_wanted(n, raw) for n, raw in enumerate(body.identifiers, start=1))
    # With read replicas, each chunk is read and decided on a standby within the lag bound that has
    # replayed the caller's own writes, and recorded on the primary (chengxin.replicas).
    chunks = run_batch_chunks(request.app.state.sessionmaker, ctx, keys, caller, items,
                              scenario=body.scenario, business_ref=body.business_ref, purpose=body.purpose,
                              as_of=today(), render=ndjson_compact, standby=standby_reads(request),
                              processes=settings.batch_processes)

    def ndjson() -> Iterator[bytes]:
        # One write per chunk of answers (each write costs a trip to a worker thread). Answers
        # come as their NDJSON text already, error and summary lines as dicts.
        for lines in chunks:
            yield "".join([(line if line.__class__ is str else ndjson_line(line)) + "\n"
                           for line in lines]).encode()

    return StreamingResponse(ndjson(), media_type="application/x-ndjson")


@router.post("/checks/{check_id}/feedback", response_model=s.FeedbackOut, status_code=201,
             summary="反馈措施实施情况")
def feedback(check_id: str, body: s.FeedbackIn, caller: Annotated[Caller, permit("checks.feedback")],
             session: SessionDep) -> s.FeedbackOut:
    """对本部门一次核查的每条命中措施反馈：已实施、未实施（说明理由）或撤销实施（说明理由）。"""
    rows = service.give_feedback(session, caller, check_id,
                                 [(i.measure_code, i.outcome, i.reason) for i in body.items])
    return s.FeedbackOut(check_id=check_id[:26], recorded=len(rows))


@router.get("/feedback/rates", response_model=s.RatesOut, summary="反馈率统计")
def feedback_rates(
    request: Request, caller: Annotated[Caller, permit("checks.rates")], session: SessionDep, catalog: CatalogDep,
    since: Annotated[datetime | None, Query(description="起始时间")] = None,
    department: Annotated[str | None, Query(max_length=64, description="部门编码")] = None,
) -> s.RatesOut:
    """信用办查看各部门、各措施的命中数、已反馈数、反馈率及反馈结果分布；部门只能看本部门。"""
    if not caller.has("operator"):
        department = caller.require_department()  # a department sees its own rates only
    measures = request.app.state.measures
    rows = service.feedback_rates(session, since, department)
    return s.RatesOut(rows=[s.RateRow(
        **r, department_name=catalog.departments.get(r["department_code"], r["department_code"]),
        measure_name=measures.measures[r["measure_code"]].name
        if r["measure_code"] in measures.measures else r["measure_code"]) for r in rows])
