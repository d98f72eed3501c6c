"""Extension and appeal API: the person asks for an extension; the deciding department (or the office)
decides it, and records a pending reconsideration or lawsuit and its outcome."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.deps import SessionDep, SettingsDep, writes
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.remedies import repository as repo
from chengxin.remedies import service
from chengxin.remedies.schemas import (
    AppealIn,
    AppealOut,
    AppealOutcomeIn,
    ExtensionDecisionIn,
    ExtensionIn,
    ExtensionList,
    ExtensionOut,
)
from chengxin.repairs.service import queue_department

router = APIRouter(prefix="/api/v1", tags=["信用修复"], responses=PROBLEM_RESPONSES)
Person = Annotated[Caller, permit("person.own")]
# Who handles a matter's repair handles its extensions and appeals: its deciding department, the office.
Handler = Annotated[Caller, permit("repairs.review")]


@router.post("/me/matters/{matter_id}/extensions", response_model=ExtensionOut, status_code=201,
             summary="申请延期履行义务")
def request_extension(matter_id: str, body: ExtensionIn, caller: Person, session: SessionDep) -> ExtensionOut:
    """对尚未到期的义务（如缴纳罚款）向作出决定的部门申请延期；部门准予或不予延期并说明理由。"""
    assert caller.person_key is not None
    return ExtensionOut.of(service.request_extension(
        session, caller=caller, person_key=caller.person_key, matter_id=matter_id, obligation=body.obligation,
        due_date=body.due_date, requested_until=body.requested_until, reason=body.reason))


@router.get("/extensions", response_model=ExtensionList, summary="延期申请队列")
@writes
def extension_queue(caller: Handler, session: SessionDep,
                    status: Annotated[Literal["requested", "granted", "refused"] | None, Query()] = None
                    ) -> ExtensionList:
    """部门看本部门认定事项的延期申请，信用办看全部；查看即记入查询日志。"""
    rows = repo.extension_queue(session, department_code=queue_department(caller), status=status)
    log_reads(session, caller, "repair", [Read(e.subject_key, "ok", e.id) for e in rows])
    return ExtensionList(extensions=[ExtensionOut.of(e) for e in rows])


@router.post("/extensions/{extension_id}/decision", response_model=ExtensionOut, summary="对延期申请作出决定")
def decide_extension(extension_id: str, body: ExtensionDecisionIn, caller: Handler,
                     session: SessionDep) -> ExtensionOut:
    """准予延期（至申请的日期或更早）或不予延期，均须说明理由；通知申请人。"""
    e = service.extension_for_handler(session, caller, extension_id)
    service.decide_extension(session, caller=caller, extension=e, granted=body.granted, until=body.until,
                             reason=body.reason)
    log_reads(session, caller, "repair", [Read(e.subject_key, "ok", e.id)])
    return ExtensionOut.of(e)


@router.post("/matters/{matter_id}/appeals", response_model=AppealOut, status_code=201,
             summary="记录行政复议或行政诉讼")
def record_appeal(matter_id: str, body: AppealIn, caller: Handler, session: SessionDep) -> AppealOut:
    """记录当事人对该事项的决定申请了行政复议或提起了行政诉讼：各处标注“行政复议中”或“行政诉讼中”，
    期间原决定不停止执行。"""
    m = service.matter_for_handler(session, caller, matter_id)
    a = service.record_appeal(session, caller=caller, matter=m, kind=body.kind, case_number=body.case_number,
                              body=body.body, filed_on=body.filed_on)
    log_reads(session, caller, "repair", [Read(m.subject_key, "ok", a.id)])
    return AppealOut.of(a)


@router.post("/appeals/{appeal_id}/outcome", response_model=AppealOut, summary="记录复议或诉讼结果")
def close_appeal(appeal_id: str, body: AppealOutcomeIn, caller: Handler, session: SessionDep,
                 settings: SettingsDep) -> AppealOut:
    """原决定被撤销的，该事项随即撤销（停止公示、共享和惩戒，通知本人和接收方）；被维持或撤回的，继续有效。"""
    a, m = service.appeal_for_handler(session, caller, appeal_id)
    service.close_appeal(session, caller=caller, appeal=a, matter=m, outcome=body.outcome, note=body.note,
                         on=body.outcome_on, settings=settings)
    log_reads(session, caller, "repair", [Read(m.subject_key, "ok", a.id)])
    return AppealOut.of(a)
