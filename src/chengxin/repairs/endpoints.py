"""Credit repair API: eligibility explained, applications with evidence and a signed commitment, review."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Form, Query, Request, UploadFile
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
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, SignerDep, writes
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.exchange import feed
from chengxin.params import Int64
from chengxin.repairs import repository as repo
from chengxin.repairs import service, upper
from chengxin.repairs.models import Repair
from chengxin.repairs.rules import default_rules
from chengxin.repairs.schemas import AcceptIn, CommitmentOut, DecideIn, EligibilityOut, RepairList, RepairOut
from chengxin.signing import ALGORITHM

router = APIRouter(prefix="/api/v1", tags=["信用修复"], responses=PROBLEM_RESPONSES)
Person = Annotated[Caller, permit("person.own")]
Reviewer = Annotated[Caller, permit("repairs.review")]
TargetKind = Literal["matter", "record", "list_entry"]
Evidence = Annotated[list[UploadFile] | None, File(description="履行义务、纠正失信行为的证明材料：PDF、PNG 或 JPEG")]


def commitment_out(r: Repair) -> CommitmentOut:
    document = service.commitment_body(r.id, r.subject_key, r.target_kind, r.target_id, r.commitment_text,
                                       r.commitment_signed_at)
    return CommitmentOut(text=r.commitment_text, signed_at=r.commitment_signed_at, document=document,
                         signature={"algorithm": ALGORITHM, "key_id": r.commitment_key_id,
                                    "value": r.commitment_signature})


def _detail(session: SessionDep, r: Repair) -> RepairOut:
    return RepairOut.of(r, commitment=commitment_out(r),
                        events=[EventOut.of(e) for e in case_repo.events(session, r.subject_key, r.id)],
                        evidence=[EvidenceOut.of(f) for f in case_repo.evidence_of(session, r.subject_key, r.id)])


@router.get("/me/repairs/eligibility", response_model=EligibilityOut, summary="能否申请信用修复")
def own_eligibility(request: Request, caller: Person, session: SessionDep, catalog: CatalogDep,
                    target_kind: Annotated[TargetKind, Query()],
                    target_id: Annotated[str, Query(max_length=26)]) -> EligibilityOut:
    """逐项说明能否修复（是否失信信息、是否可修复、是否已修复、是否已满最短公示期），并给出最早可申请日期。"""
    assert caller.person_key is not None
    target, elig = service.assess(session, catalog, request.app.state.tiers, caller.person_key, target_kind,
                                  target_id, today())
    held = service.held_by_department(session, target)
    return EligibilityOut.of(target.kind, target.id, target.item_name, elig, held)


@router.get("/repairs/commitment", summary="信用承诺书文本", dependencies=[permit("public")], responses={
    200: {"content": {"application/json": {"example": {"version": "2026.1", "text": "信用承诺书\n本人郑重承诺：……"}}}}})
def commitment_text() -> dict[str, str]:
    """申请信用修复时须签署的信用承诺书全文。"""
    rules = default_rules()
    return {"version": rules.version, "text": rules.commitment}


async def _apply(request: Request, caller: Caller, person_key: str, session: SessionDep, catalog: CatalogDep,
                 keys: KeysDep, settings: SettingsDep, signer: SignerDep, target_kind: str, target_id: str,
                 method: str, statement: str, commitment: bool, evidence: list[UploadFile] | None,
                 authorisation_id: str | None = None, channel: str = "online") -> RepairOut:
    uploads = await read_uploads(evidence, max_files=settings.evidence_max_files, max_bytes=settings.evidence_max_bytes)

    def apply() -> RepairOut:
        r = service.apply(session, catalog, keys, settings, signer, request.app.state.tiers, caller=caller,
                          person_key=person_key, target_kind=target_kind, target_id=target_id, method=method,
                          statement=statement, commitment=commitment, uploads=uploads,
                          authorisation_id=authorisation_id, channel=channel)
        return _detail(session, r)

    return await run_in_threadpool(apply)  # the database work off the event loop (see deps.get_session)


@router.post("/me/repairs", response_model=RepairOut, status_code=201, summary="本人申请信用修复")
async def apply_repair(
    request: Request, caller: Person, session: SessionDep, catalog: CatalogDep, keys: KeysDep,
    settings: SettingsDep, signer: SignerDep,
    target_kind: Annotated[TargetKind, Form()], target_id: Annotated[str, Form(max_length=26)],
    method: Annotated[str, Form(max_length=24, description="修复方式编码，见资格查询结果")],
    statement: Annotated[str, Form(max_length=2000, description="纠正失信行为、履行义务的情况说明")],
    commitment: Annotated[bool, Form(description="已阅读并签署信用承诺书")], evidence: Evidence = None,
) -> RepairOut:
    """提交修复申请（证明材料与信用承诺书）；不满足条件时说明原因和最早可申请日期。"""
    assert caller.person_key is not None
    return await _apply(request, caller, caller.person_key, session, catalog, keys, settings, signer, target_kind,
                        target_id, method, statement, commitment, evidence)


@router.post("/agent/repairs", response_model=RepairOut, status_code=201, summary="受托机构代为申请信用修复")
async def apply_repair_as_agent(
    request: Request, caller: Annotated[Caller, permit("agent.act")], session: SessionDep, catalog: CatalogDep,
    keys: KeysDep, settings: SettingsDep, signer: SignerDep,
    authorisation_id: Annotated[str, Form(max_length=26)],
    target_kind: Annotated[TargetKind, Form()], target_id: Annotated[str, Form(max_length=26)],
    method: Annotated[str, Form(max_length=24)], statement: Annotated[str, Form(max_length=2000)],
    commitment: Annotated[bool, Form()], evidence: Evidence = None,
) -> RepairOut:
    """经本人授权（目的“代为办理异议、信用修复”）的机构代为申请；承诺书仍以本人名义签署。"""
    person_key = await run_in_threadpool(  # the database work off the event loop (see deps.get_session)
        authorisations.agent_for, session, caller, authorisation_id, catalog=catalog,
        category_of=lambda key: targets.find_live(session, catalog, key, target_kind, target_id).category)

    return await _apply(request, caller, person_key, session, catalog, keys, settings, signer, target_kind,
                        target_id, method, statement, commitment, evidence, authorisation_id)


@router.post("/counter/repairs", response_model=RepairOut, status_code=201, summary="窗口代为申请信用修复")
async def apply_repair_at_counter(
    request: Request, caller: Annotated[Caller, permit("repairs.counter")], session: SessionDep,
    catalog: CatalogDep, keys: KeysDep, settings: SettingsDep, signer: SignerDep,
    id_type: Annotated[str, Form(max_length=24, description="申请人的证件类型，如 citizen_id")],
    id_number: Annotated[str, Form(max_length=64, description="申请人的证件号码（已查验原件）")],
    name: Annotated[str, Form(max_length=64, description="申请人姓名，须与平台登记的一致")],
    id_checked: Annotated[bool, Form(description="已查验申请人身份证件原件，人证相符")],
    target_kind: Annotated[TargetKind, Form()], target_id: Annotated[str, Form(max_length=26)],
    method: Annotated[str, Form(max_length=24)], statement: Annotated[str, Form(max_length=2000)],
    commitment: Annotated[bool, Form(description="申请人已当面在信用承诺书上签字")], evidence: Evidence = None,
) -> RepairOut:
    """信用办窗口查验申请人证件后代为申请（渠道记为“窗口代为申请”，经办人留存）；申请转作出认定的部门办理，
    通知发给申请人本人。查验即记入查询日志。"""
    def who() -> str:
        key = service.identify(session, keys, id_type=id_type, id_number=id_number, name=name, checked=id_checked)
        log_reads(session, caller, "repair", [Read(key, "ok")], purpose=service.COUNTER_PURPOSE)
        return key

    person_key = await run_in_threadpool(who)  # the database work off the event loop (see deps.get_session)
    return await _apply(request, caller, person_key, session, catalog, keys, settings, signer, target_kind,
                        target_id, method, statement, commitment, evidence, channel="counter")


@router.post("/exchange/repairs", summary="接收上级平台转来的信用修复申请", dependencies=[permit("node")],
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object"}, "example": upper.EXAMPLE}}}},
             responses={200: {"content": {"application/json": {"example": {
                 "type": upper.RECEIPT_TYPE, "sender": "340400", "receiver": "340000", "request_id": "AH-2026-000123",
                 "repair_id": "01JC0C1A2B3C4D5E6F7G8H9J0K", "status": "submitted",
                 "department": "market_regulation", "accept_deadline": "2026-11-23",
                 "at": "2026-11-18T02:00:01+00:00", "signature": "（本平台签名）"}}}}})
async def receive_forwarded_repair(request: Request, signer: SignerDep,
                                   doc: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """上级平台（一网通办、信用中国等）受理的信用修复申请转本平台：须由配置的上级相邻平台签名、5 分钟内有效、
    发给本平台，申请人证件加密给本平台；申请进入作出认定的部门的队列（渠道“上级平台转来”），返回本平台签名的
    回执。修复结果随事项的结束同步给上级平台，不予受理、不予修复时也通报上级平台。"""
    state = request.app.state
    return await run_in_threadpool(upper.receive, state.sessionmaker, state.keys, state.catalog, signer,
                                   feed.current_node(state.settings), state.settings, state.tiers, doc)


@router.get("/me/repairs", response_model=RepairList, summary="本人的信用修复申请")
def own_repairs(caller: Person, session: SessionDep) -> RepairList:
    """本人的全部修复申请及其状态、期限（已修复的记录存档可查）。"""
    assert caller.person_key is not None
    return RepairList(repairs=[RepairOut.of(r) for r in repo.of_subject(session, caller.person_key)])


@router.get("/me/repairs/{repair_id}", response_model=RepairOut, summary="本人的一件修复申请（含全过程）")
def own_repair(repair_id: str, caller: Person, session: SessionDep) -> RepairOut:
    """修复申请的全过程、证明材料与签名的信用承诺。"""
    assert caller.person_key is not None
    return _detail(session, service.own(session, caller.person_key, repair_id))


@router.get("/me/repairs/{repair_id}/evidence/{evidence_id}", summary="下载本人提交的修复证明材料",
            response_class=Response, responses=FILE_RESPONSES)
def own_repair_evidence(repair_id: str, evidence_id: str, caller: Person, session: SessionDep,
                        keys: KeysDep) -> Response:
    """下载本人为修复申请提交的证明材料。"""
    assert caller.person_key is not None
    r = service.own(session, caller.person_key, repair_id)
    return download(*cases.read_evidence(session, keys, r.subject_key, r.id, evidence_id))


@router.get("/repairs", response_model=RepairList, summary="信用修复审核队列")
@writes
def repair_queue(
    caller: Reviewer, session: SessionDep,
    status: Annotated[Literal["submitted", "accepted", "rejected", "approved", "denied"] | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="只看（或排除）超期的")] = None,
    limit: Annotated[Int64, Query(ge=1, le=500)] = 100, offset: Annotated[Int64, Query(ge=0)] = 0,
) -> RepairList:
    """修复申请队列（先到先审）：部门只看本部门认定事项的申请，信用办看全部；查看即记入查询日志。"""
    rows = repo.queue(session, status=status, overdue=overdue, limit=limit, offset=offset,
                      department_code=service.queue_department(caller))
    log_reads(session, caller, "repair", [Read(r.subject_key, "ok", r.id) for r in rows])
    return RepairList(repairs=[RepairOut.of(r) for r in rows])


@router.get("/repairs/{repair_id}", response_model=RepairOut, summary="一件修复申请（含全过程）")
@writes
def repair_detail(repair_id: str, caller: Reviewer, session: SessionDep) -> RepairOut:
    """申请的方式、说明、证明材料清单、承诺书与全过程。"""
    r = service.for_reviewer(session, caller, repair_id)
    log_reads(session, caller, "repair", [Read(r.subject_key, "ok", r.id)])
    return _detail(session, r)


@router.get("/repairs/{repair_id}/evidence/{evidence_id}", summary="下载修复证明材料",
            response_class=Response, responses=FILE_RESPONSES)
@writes
def repair_evidence(repair_id: str, evidence_id: str, caller: Reviewer, session: SessionDep,
                    keys: KeysDep) -> Response:
    """下载申请人提交的证明材料（记入查询日志）。"""
    r = service.for_reviewer(session, caller, repair_id)
    row, content = cases.read_evidence(session, keys, r.subject_key, r.id, evidence_id)
    log_reads(session, caller, "repair", [Read(r.subject_key, "ok", row.id)])
    return download(row, content)


@router.post("/repairs/{repair_id}/acceptance", response_model=RepairOut, summary="受理或不予受理")
def accept_repair(repair_id: str, body: AcceptIn, caller: Reviewer, session: SessionDep,
                  settings: SettingsDep) -> RepairOut:
    """受理（随后在期限内作出决定）或不予受理（须说明理由）。"""
    r = service.for_reviewer(session, caller, repair_id)
    service.accept(session, settings, caller=caller, repair=r, accepted=body.accepted, reason=body.reason)
    log_reads(session, caller, "repair", [Read(r.subject_key, "ok", r.id)])
    return _detail(session, r)


@router.post("/repairs/{repair_id}/decision", response_model=RepairOut, summary="作出修复决定")
def decide_repair(repair_id: str, body: DecideIn, caller: Reviewer, session: SessionDep,
                  catalog: CatalogDep, settings: SettingsDep) -> RepairOut:
    """准予修复：停止公示和共享、核查不再命中、移出名单、告知订阅部门和上级平台；或不予修复并说明理由。"""
    r = service.for_reviewer(session, caller, repair_id)
    service.decide(session, catalog, caller=caller, repair=r, approved=body.approved, reason=body.reason,
                   settings=settings)
    log_reads(session, caller, "repair", [Read(r.subject_key, "ok", r.id)])
    return _detail(session, r)
