"""Exchange API: this node's identity, the service-mode intake of a neighbour's batches and
reconciliation statements (signed by the neighbour's node key, no account), and the operators'
view of the neighbours."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Request
from starlette.concurrency import run_in_threadpool

from chengxin.callers import Caller, permit
from chengxin.deps import SessionDep, SignerDep, writes
from chengxin.errors import PROBLEM_RESPONSES, DomainError
from chengxin.exchange import disclosures, feed, query, service
from chengxin.exchange import schemas as s
from chengxin.ratelimit import RateLimiter, refusal_limiter

router = APIRouter(prefix="/api/v1/exchange", tags=["平台交换"], responses=PROBLEM_RESPONSES)
T = TypeVar("T")


def _limiter(request: Request) -> RateLimiter:
    state = request.app.state
    limiter = getattr(state, "exchange_refusals", None)
    if limiter is None:
        limiter = state.exchange_refusals = refusal_limiter()
    return limiter


async def _guarded(request: Request, work: Callable[[], T]) -> T:
    """Run a node route's work in the thread pool; its refusals are counted per address, and an
    address past the limit is refused before any work (nothing recorded for it)."""
    limiter, ip = _limiter(request), request.client.host if request.client else None
    limiter.check(ip)
    try:
        return await run_in_threadpool(work)
    except DomainError as exc:
        if exc.status < 500 and exc.code != "EXCHANGE_BATCH_OUT_OF_ORDER":
            limiter.hit(ip)
        raise


@router.get("/node", response_model=s.NodeOut, summary="本平台的交换节点信息", dependencies=[permit("public")])
def node_info(request: Request, signer: SignerDep) -> s.NodeOut:
    """本平台作为交换节点的行政区划代码、名称与 Ed25519 公钥（相邻平台据此验证本平台签发的批次、回执与对账单，
    并用它加密发给本平台的批次）。"""
    node = feed.current_node(request.app.state.settings)
    return s.NodeOut(code=node.code, name=node.name, key_id=signer.key_id, algorithm="Ed25519",
                     public_key=base64.b64encode(signer.public_key()).decode())


@router.post("/batches", summary="接收相邻平台的交换批次（服务方式）", dependencies=[permit("node")],
             response_model=s.ReceiptOut, openapi_extra={"requestBody": {"required": True, "content": {
                 "application/json": {"schema": {"type": "object"}, "example": s.BATCH_EXAMPLE}}}})
async def receive_batch(request: Request, signer: SignerDep) -> dict[str, Any]:
    """相邻平台发来一个交换批次：清单须由配置的相邻平台签名、发给本平台，内容摘要、条数与序号须与清单一致；
    合格的批次在一个事务中整体应用（已应用过的序号不重复应用），返回本平台签名的回执（applied_through：
    已连续应用到的序号）。不合格的整批拒收，不应用任何变更，返回错误码与原因；序号有缺口时返回 409 与
    本平台的回执，发送方据此补发。"""
    data = await request.body()
    state = request.app.state
    return await _guarded(request, lambda: service.receive(state.sessionmaker, state.keys, state.catalog, signer,
                                                           feed.current_node(state.settings), data, "service"))


@router.post("/statements", summary="出具对账单（应相邻平台的签名请求）", dependencies=[permit("node")],
             response_model=s.StatementOut)
async def give_statement(request: Request, signer: SignerDep,
                         ask: Annotated[dict[str, Any], Body(examples=[s.STATEMENT_ASK_EXAMPLE])]) -> dict[str, Any]:
    """相邻平台请求本平台就某一期间从它收到并应用的变更出具对账单：按类别和日期列出条数与摘要，由本平台签名。
    请求须由该相邻平台签名。"""
    state = request.app.state
    return await _guarded(request, lambda: service.answer_statement(state.sessionmaker,
                                                                     feed.current_node(state.settings), signer, ask))


@router.post("/queries", summary="跨区域查询（互查）", response_model=s.QueryOut)
def cross_query(request: Request, body: s.QueryIn, signer: SignerDep,
                caller: Annotated[Caller, permit("checks.run")]) -> dict[str, Any]:
    """部门经本平台向可互查的相邻平台查询某人：本平台与对方平台都把这次查询记入查询日志（本人可见），对方的
    答复由对方签名并加密给本平台；返回合并后的事项，每项注明来源平台与部门。对方无法连接或拒绝时注明原因，
    不影响其他平台的答复。只含向社会公开或向政府部门共享的信息。"""
    state = request.app.state
    return query.ask_neighbours(state.sessionmaker, state.keys, state.catalog, signer,
                                feed.current_node(state.settings), caller, id_type=body.id_type,
                                id_number=body.id_number, purpose=body.purpose, reference=body.business_ref,
                                only=body.neighbours)


@router.post("/lookups", summary="答复相邻平台的跨区域查询", dependencies=[permit("node")],
             response_model=s.SignedOut)
async def lookup(request: Request, signer: SignerDep,
                 ask: Annotated[dict[str, Any], Body(examples=[s.LOOKUP_EXAMPLE])]) -> dict[str, Any]:
    """相邻平台代其部门查询某人：询问须由该平台签名、5 分钟内有效，证件号码加密给本平台；本平台把这次查询
    记入查询日志（询问平台的部门、目的、业务编号），答复由本平台签名并加密给询问平台。"""
    state = request.app.state
    return await _guarded(request, lambda: query.answer(state.sessionmaker, state.keys, state.catalog, signer,
                                                        feed.current_node(state.settings), ask))


@router.get("/neighbours", response_model=s.NeighboursOut, summary="相邻平台与交换状态")
def neighbours(request: Request, session: SessionDep,
               caller: Annotated[Caller, permit("exchange.read")]) -> s.NeighboursOut:
    """每个相邻平台：方向、方式、已编号与已确认的序号、积压条数、滞后、最近一次确认与对账、最近的错误；
    以及最近拒收的批次与原因。"""
    node = feed.current_node(request.app.state.settings)
    return s.neighbours_out(node, service.status(session, node), service.refusals(session))


@router.post("/neighbours/{code}/resend", response_model=s.ResendOut, summary="从某序号起重发")
def resend(code: str, session: SessionDep, request: Request, caller: Annotated[Caller, permit("exchange.manage")],
           body: s.ResendIn) -> s.ResendOut:
    """相邻平台丢失了批次文件或恢复了备份时，从指定序号起重新发送（对方按序号去重，不会重复应用）。"""
    node = feed.current_node(request.app.state.settings)
    if node.neighbour(code[:6]) is None:
        raise DomainError("EXCHANGE_NEIGHBOUR_UNKNOWN", "没有该相邻平台", 404)
    return s.ResendOut(neighbour=code, from_seq=body.from_seq, changes=service.resend(session, code, body.from_seq))


third_parties = APIRouter(prefix="/api/v1/disclosures", tags=["第三方机构"], responses=PROBLEM_RESPONSES)


@third_parties.get("/updates", response_model=s.UpdatesOut, summary="已取得信息的后续变更（撤销、修复）")
@writes
def updates(session: SessionDep, caller: Annotated[Caller, permit("authorisations.query")]) -> s.UpdatesOut:
    """本机构经授权查询或信用报告取得的信用信息中，此后被撤销、信用修复或由人民法院删除的：逐条列出取得
    途径（授权编号或报告编号）与变更，请同步更新、不再使用，并逐条确认。首次列出即记为“已通知”。"""
    assert caller.org_uscc is not None
    return s.UpdatesOut(items=[s.UpdateOut(**u) for u in disclosures.updates(session, caller.org_uscc)])


@third_parties.post("/{disclosure_id}/confirmation", response_model=s.UpdateConfirmed, summary="确认已同步变更")
def confirm_update(disclosure_id: str, session: SessionDep,
                   caller: Annotated[Caller, permit("authorisations.query")]) -> s.UpdateConfirmed:
    """确认本机构已按变更更新自己的记录（信用办据此看到“已确认”）。"""
    assert caller.org_uscc is not None
    d = disclosures.confirm(session, caller.org_uscc, disclosure_id)
    assert d.confirmed_at is not None
    return s.UpdateConfirmed(id=d.id, confirmed_at=d.confirmed_at)
