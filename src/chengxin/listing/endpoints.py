"""Listing procedure API: the department serves the notice and decides; the person states their
case; a counter clerk enters a statement on the person's behalf."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, writes
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.listing import repository as repo
from chengxin.listing import service
from chengxin.listing.models import ListingProcedure
from chengxin.listing.schemas import (
    CounterStatementIn,
    DecisionIn,
    ProcedureIn,
    ProcedureList,
    ProcedureOut,
    StatementIn,
    WithdrawIn,
)
from chengxin.params import Int64

router = APIRouter(prefix="/api/v1", tags=["列入程序"], responses=PROBLEM_RESPONSES)
Person = Annotated[Caller, permit("person.own")]
Writer = Annotated[Caller, permit("lists.write")]
Reader = Annotated[Caller, permit("lists.read")]
Counter = Annotated[Caller, permit("listing.counter")]


def _out(session: SessionDep, caller: Caller, p: ListingProcedure) -> ProcedureOut:
    log_reads(session, caller, "list", [Read(p.subject_key, "ok", p.id)])
    return ProcedureOut.of(p)


@router.post("/listing-procedures", response_model=ProcedureOut, status_code=201, summary="发起列入程序（告知）")
def open_procedure(body: ProcedureIn, caller: Writer, session: SessionDep, keys: KeysDep, catalog: CatalogDep,
                   settings: SettingsDep) -> ProcedureOut:
    """列入严重失信主体名单前，向当事人送达告知书：事实、依据、拟采取的惩戒措施（取自措施清单）、列入期限，
    以及在告知送达后若干个工作日内陈述、申辩的权利。未成年人不得列入。"""
    return _out(session, caller, service.open_procedure(session, catalog, keys, settings, caller, body))


@router.get("/listing-procedures", response_model=ProcedureList, summary="列入程序")
@writes
def procedure_queue(
    caller: Reader, session: SessionDep,
    open_only: Annotated[bool, Query(description="只看尚未决定的")] = True,
    limit: Annotated[Int64, Query(ge=1, le=500)] = 100, offset: Annotated[Int64, Query(ge=0)] = 0,
) -> ProcedureList:
    """部门看本部门发起的列入程序，信用办看全部；陈述申辩期限最近的在前。查看即记入查询日志。"""
    department = None if caller.has("operator") else caller.require_department()
    rows = repo.queue(session, department, open_only=open_only, limit=limit, offset=offset)
    log_reads(session, caller, "list", [Read(p.subject_key, "ok", p.id) for p in rows])
    return ProcedureList(procedures=[ProcedureOut.of(p) for p in rows])


@router.get("/listing-procedures/{procedure_id}", response_model=ProcedureOut, summary="一件列入程序")
@writes
def procedure_detail(procedure_id: str, caller: Reader, session: SessionDep) -> ProcedureOut:
    """告知内容、陈述申辩期限、当事人的陈述申辩与决定。查看即记入查询日志。"""
    return _out(session, caller, service.handled(session, caller, procedure_id, office=True))


@router.post("/listing-procedures/{procedure_id}/counter-statement", response_model=ProcedureOut,
             summary="窗口代为录入陈述申辩")
def counter_statement(procedure_id: str, body: CounterStatementIn, caller: Counter,
                      session: SessionDep) -> ProcedureOut:
    """当事人到作出告知的部门或信用办窗口陈述、申辩，工作人员查验本人证件原件后代为录入，记为窗口录入。"""
    p = service.handled(session, caller, procedure_id, office=True)
    service.require_id_checked(body.id_checked)
    return _out(session, caller, service.state_case(session, p, body.statement, via="counter",
                                                    clerk=caller.account_id))


@router.post("/listing-procedures/{procedure_id}/decision", response_model=ProcedureOut, summary="作出列入决定")
def decide(procedure_id: str, body: DecisionIn, caller: Writer, session: SessionDep, catalog: CatalogDep,
           settings: SettingsDep) -> ProcedureOut:
    """收到陈述申辩或期限届满后作出决定并说明理由（须答复陈述申辩）。决定列入即列入名单，
    决定书与信用修复告知书一并送达（两书同达）；决定不予列入即结束程序并告知当事人。"""
    p = service.handled(session, caller, procedure_id)
    return _out(session, caller, service.decide(session, catalog, settings, caller, p, body))


@router.post("/listing-procedures/{procedure_id}/withdrawal", response_model=ProcedureOut, summary="撤回列入告知")
def withdraw(procedure_id: str, body: WithdrawIn, caller: Writer, session: SessionDep,
             settings: SettingsDep) -> ProcedureOut:
    """作出决定前撤回告知（如对象有误），当事人收到通知。"""
    p = service.handled(session, caller, procedure_id)
    return _out(session, caller, service.withdraw(session, settings, p, body.reasons))


@router.get("/me/listing-procedures", response_model=ProcedureList, summary="本人收到的列入告知")
def own_procedures(caller: Person, session: SessionDep) -> ProcedureList:
    """本人收到的列入严重失信主体名单告知及其陈述申辩期限、决定。"""
    assert caller.person_key is not None
    return ProcedureList(procedures=[ProcedureOut.of(p) for p in repo.of_person(session, caller.person_key)])


@router.post("/me/listing-procedures/{procedure_id}/statement", response_model=ProcedureOut,
             summary="本人陈述、申辩")
def own_statement(procedure_id: str, body: StatementIn, caller: Person, session: SessionDep) -> ProcedureOut:
    """在陈述申辩期限内对列入告知陈述、申辩；作出决定的部门须在决定中答复。"""
    assert caller.person_key is not None
    p = service.own(session, caller.person_key, procedure_id)
    return ProcedureOut.of(service.state_case(session, p, body.statement, via="online"))
