"""Objection API: the person (or an agent) files; the source department decides; the office oversees."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from chengxin.access.service import Read, log_reads
from chengxin.authorisations import service as authorisations
from chengxin.callers import Caller, permit
from chengxin.cases import repository as case_repo
from chengxin.cases import service as cases
from chengxin.cases import targets
from chengxin.cases.schemas import EventOut, EvidenceOut
from chengxin.cases.uploads import FILE_RESPONSES, download, read_uploads
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, writes
from chengxin.errors import PROBLEM_RESPONSES, DomainError
from chengxin.objections import repository as repo
from chengxin.objections import service
from chengxin.objections.models import Objection
from chengxin.objections.schemas import DecisionIn, ObjectionList, ObjectionOut
from chengxin.params import Int64
from chengxin.records.endpoints import flatten
from chengxin.records.rules import Issue

router = APIRouter(prefix="/api/v1", tags=["异议"], responses=PROBLEM_RESPONSES)
Person = Annotated[Caller, permit("person.own")]
Handler = Annotated[Caller, permit("objections.handle")]
TargetKind = Annotated[Literal["matter", "record", "list_entry"],
                       Form(description="matter 事项 / record 信用记录 / list_entry 名单条目，均指向同一事项")]
TargetId = Annotated[str, Form(max_length=26, description="事项、记录或名单条目的编号（见本人信用档案）")]
Reason = Annotated[str, Form(max_length=2000, description="异议理由")]
Evidence = Annotated[list[UploadFile] | None, File(description="证明材料：PDF、PNG 或 JPEG")]


def _detail(session: SessionDep, o: Objection) -> ObjectionOut:
    return ObjectionOut.of(o, today(), [EventOut.of(e) for e in case_repo.events(session, o.subject_key, o.id)],
                           [EvidenceOut.of(f) for f in case_repo.evidence_of(session, o.subject_key, o.id)])


@router.post("/me/objections", response_model=ObjectionOut, status_code=201, summary="本人提出异议")
async def file_objection(caller: Person, session: SessionDep, catalog: CatalogDep, keys: KeysDep,
                         settings: SettingsDep, target_kind: TargetKind, target_id: TargetId, reason: Reason,
                         evidence: Evidence = None) -> ObjectionOut:
    """对本人信用档案中的一条记录或名单条目提出异议；提交后该信息即标注“异议处理中”，由报送部门在期限内处理。"""
    assert caller.person_key is not None
    uploads = await read_uploads(evidence, max_files=settings.evidence_max_files, max_bytes=settings.evidence_max_bytes)

    def file() -> ObjectionOut:
        assert caller.person_key is not None
        o = service.file(session, catalog, keys, settings, caller=caller, person_key=caller.person_key,
                         target_kind=target_kind, target_id=target_id, reason=reason, uploads=uploads)
        return _detail(session, o)

    return await run_in_threadpool(file)  # the database work off the event loop (see deps.get_session)


@router.post("/agent/objections", response_model=ObjectionOut, status_code=201, summary="受托机构代为提出异议")
async def file_objection_as_agent(
    caller: Annotated[Caller, permit("agent.act")], session: SessionDep, catalog: CatalogDep, keys: KeysDep,
    settings: SettingsDep,
    authorisation_id: Annotated[str, Form(max_length=26, description="本人授权编号（目的为代为办理）")],
    target_kind: TargetKind, target_id: TargetId, reason: Reason, evidence: Evidence = None,
) -> ObjectionOut:
    """经本人授权（目的“代为办理异议、信用修复”，范围覆盖该信息类别）的机构代为提出异议。"""
    uploads = await read_uploads(evidence, max_files=settings.evidence_max_files, max_bytes=settings.evidence_max_bytes)

    def file() -> ObjectionOut:
        person_key = authorisations.agent_for(
            session, caller, authorisation_id, catalog=catalog,
            category_of=lambda key: targets.find(session, catalog, key, target_kind, target_id).category)
        o = service.file(session, catalog, keys, settings, caller=caller, person_key=person_key,
                         target_kind=target_kind, target_id=target_id, reason=reason, uploads=uploads,
                         authorisation_id=authorisation_id)
        return _detail(session, o)

    return await run_in_threadpool(file)  # the database work off the event loop (see deps.get_session)


@router.get("/me/objections", response_model=ObjectionList, summary="本人的异议")
def own_objections(caller: Person, session: SessionDep) -> ObjectionList:
    """本人提出的全部异议及其状态、期限。"""
    assert caller.person_key is not None
    day = today()
    return ObjectionList(objections=[ObjectionOut.of(o, day) for o in repo.of_subject(session, caller.person_key)])


@router.get("/me/objections/{objection_id}", response_model=ObjectionOut, summary="本人的一件异议（含全过程）")
def own_objection(objection_id: str, caller: Person, session: SessionDep) -> ObjectionOut:
    """一件异议的处理全过程与证明材料。"""
    assert caller.person_key is not None
    return _detail(session, service.own(session, caller.person_key, objection_id))


@router.post("/me/objections/{objection_id}/withdraw", response_model=ObjectionOut, summary="撤回异议")
def withdraw_objection(objection_id: str, caller: Person, session: SessionDep, catalog: CatalogDep) -> ObjectionOut:
    """撤回尚在处理中的异议；“异议处理中”标注随之取消。"""
    assert caller.person_key is not None
    o = service.own(session, caller.person_key, objection_id)
    return _detail(session, service.withdraw(session, catalog, caller=caller, objection=o))


@router.get("/me/objections/{objection_id}/evidence/{evidence_id}", summary="下载本人提交的证明材料",
            response_class=Response, responses=FILE_RESPONSES)
def own_evidence(objection_id: str, evidence_id: str, caller: Person, session: SessionDep, keys: KeysDep) -> Response:
    """下载本人为异议提交的证明材料。"""
    assert caller.person_key is not None
    o = service.own(session, caller.person_key, objection_id)
    return download(*cases.read_evidence(session, keys, o.subject_key, o.id, evidence_id))


@router.get("/objections", response_model=ObjectionList, summary="异议处理队列")
@writes
def objection_queue(
    caller: Handler, session: SessionDep,
    status: Annotated[Literal["open", "corrected", "revoked", "upheld", "withdrawn"] | None, Query()] = "open",
    escalated: Annotated[bool | None, Query(description="只看（或排除）超期督办的")] = None,
    limit: Annotated[Int64, Query(ge=1, le=500)] = 100, offset: Annotated[Int64, Query(ge=0)] = 0,
) -> ObjectionList:
    """报送部门看本部门的异议，信用办看全部；期限最近的在前。查看即记入查询日志。"""
    department = None if caller.has("operator") else caller.require_department()
    rows = repo.queue(session, department_code=department, status=status, escalated=escalated, limit=limit,
                      offset=offset)
    log_reads(session, caller, "objection", [Read(o.subject_key, "ok", o.id) for o in rows])
    day = today()
    return ObjectionList(objections=[ObjectionOut.of(o, day) for o in rows])


@router.get("/objections/{objection_id}", response_model=ObjectionOut, summary="一件异议（含全过程）")
@writes
def objection_detail(objection_id: str, caller: Handler, session: SessionDep) -> ObjectionOut:
    """一件异议的理由、证明材料清单与处理全过程。"""
    o = service.for_handler(session, caller, objection_id)
    log_reads(session, caller, "objection", [Read(o.subject_key, "ok", o.id)])
    return _detail(session, o)


@router.get("/objections/{objection_id}/evidence/{evidence_id}", summary="下载异议证明材料",
            response_class=Response, responses=FILE_RESPONSES)
@writes
def objection_evidence(objection_id: str, evidence_id: str, caller: Handler, session: SessionDep,
                       keys: KeysDep) -> Response:
    """下载本人为异议提交的证明材料（记入查询日志）。"""
    o = service.for_handler(session, caller, objection_id)
    row, content = cases.read_evidence(session, keys, o.subject_key, o.id, evidence_id)
    log_reads(session, caller, "objection", [Read(o.subject_key, "ok", row.id)])
    return download(row, content)


@router.post("/objections/{objection_id}/decision", response_model=ObjectionOut, summary="处理异议")
def decide_objection(objection_id: str, body: DecisionIn, caller: Handler, session: SessionDep, catalog: CatalogDep,
                     keys: KeysDep, settings: SettingsDep) -> ObjectionOut:
    """更正（提交新版本）、撤销或维持原记录，并说明理由；“异议处理中”标注取消，本人收到通知。"""
    o = service.for_handler(session, caller, objection_id)
    record = None if body.record is None else flatten(body.record)
    if isinstance(record, Issue):
        raise DomainError("OBJECTION_CORRECTION_INVALID", "更正后的记录未通过校验", 422,
                          issues=[{"field": record.field, "code": record.code, "message": record.message}])
    service.decide(session, catalog, keys, caller=caller, objection=o, outcome=body.outcome, reason=body.reason,
                   record=record, settings=settings)
    log_reads(session, caller, "objection", [Read(o.subject_key, "ok", o.id)])
    return _detail(session, o)
