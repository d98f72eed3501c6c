"""Watch API: subscriptions, webhook registration, the pull feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from chengxin.callers import Caller, permit
from chengxin.clock import utcnow
from chengxin.deps import KeysDep, SessionDep
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.identity.rules import IdentityError, parse_identifier
from chengxin.keyring.service import resolve_one
from chengxin.params import Int64
from chengxin.watch import repository as repo
from chengxin.watch import service
from chengxin.watch.schemas import (
    EventOut,
    FeedOut,
    Subscribed,
    SubscribeIn,
    SubscribeOut,
    WebhookIn,
    WebhookOut,
)

router = APIRouter(prefix="/api/v1/watch", tags=["订阅"], responses=PROBLEM_RESPONSES)


@router.post("/subscriptions", response_model=SubscribeOut, summary="订阅人员名单变动")
def subscribe(
    body: SubscribeIn, caller: Annotated[Caller, permit("watch.manage")], session: SessionDep, keys: KeysDep,
) -> SubscribeOut:
    """订阅与本部门有持续业务关系的人员（持证人、承包方等）；其列入或移出名单时通知本部门。"""
    department = caller.require_department()
    now = utcnow()
    results: list[Subscribed] = []
    rows = []
    for n, p in enumerate(body.persons, start=1):
        try:
            ident = parse_identifier(p.id_type, p.id_number)
        except IdentityError as exc:
            results.append(Subscribed(line=n, label=p.label, error_code=exc.code, error_message=exc.message))
            continue
        key = resolve_one(session, keys, ident.id_type, ident.number)  # the new key, or the old one mid re-key
        rows.append({"subject_key": key, "department_code": department, "label": p.label, "created_at": now})
        results.append(Subscribed(line=n, label=p.label, person_key=key))
    repo.subscribe(session, rows)
    return SubscribeOut(subscribed=len(rows), results=results)


@router.delete("/subscriptions/{person_key}", status_code=204, summary="取消订阅")
def unsubscribe(person_key: str, caller: Annotated[Caller, permit("watch.manage")], session: SessionDep) -> None:
    """取消本部门对某人的订阅。"""
    repo.unsubscribe(session, caller.require_department(), person_key[:32])


@router.put("/webhook", response_model=WebhookOut, summary="设置回调地址")
def put_webhook(
    body: WebhookIn, caller: Annotated[Caller, permit("watch.manage")], session: SessionDep, keys: KeysDep,
) -> WebhookOut:
    """设置本部门的回调地址并生成新的签名密钥（仅显示一次）；事件以签名的 POST 推送，失败自动重试。"""
    secret = service.register_webhook(session, keys, caller.require_department(), body.url)
    return WebhookOut(url=body.url, secret=secret,
                      signature='X-Chengxin-Signature: t=<时间戳>,v1=HMAC-SHA256(secret, "<时间戳>.<请求体>")')


@router.get("/events", response_model=FeedOut, summary="拉取名单变动事件")
def events(
    caller: Annotated[Caller, permit("watch.manage")], session: SessionDep,
    after: Annotated[Int64, Query(ge=0, description="上次返回的 next_after；首次为 0")] = 0,
    limit: Annotated[Int64, Query(ge=1, le=1000)] = 100,
) -> FeedOut:
    """按游标拉取本部门订阅人员的名单变动事件；回调失败时也不会丢失。"""
    found = repo.feed(session, caller.require_department(), after, limit)
    return FeedOut(events=[EventOut(**service.event_json(e)) for e in found],
                   next_after=found[-1].seq if found else after)
