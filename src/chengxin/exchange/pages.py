"""Exchange pages: the credit office sees this node and each neighbouring platform (what was sent and
confirmed, the backlog and its lag, the last reconciliation, refused batches) and, as operator,
sends a neighbour its feed again from a number. The same services as GET /api/v1/exchange/neighbours."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chengxin.accounts.rules import allowed
from chengxin.callers import Caller, permit
from chengxin.deps import CatalogDep, SessionDep, SettingsDep, SignerDep
from chengxin.errors import DomainError
from chengxin.exchange import feed, receivers, rules, schemas, service
from chengxin.matters import repository as matters
from chengxin.matters.rules import END_REASONS
from chengxin.params import INT64_MAX
from chengxin.settings import Settings
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Caller, permit("exchange.read")]
Manager = Annotated[Caller, permit("exchange.manage")]

RECONCILIATION_LABELS = {"ok": "一致", "drift": "不一致", "failed": "失败"}
REFUSAL_SIDES = {"in": "本平台拒收", "out": "对方拒收"}


def lag_words(seconds: float | None) -> str:
    """How long the oldest unconfirmed change has waited, as a person says it ("滞后 3 分钟")."""
    if seconds is None:
        return "无滞后"
    s = max(0, int(seconds))
    if s < 60:
        return f"滞后 {s} 秒"
    if s < 3600:
        return f"滞后 {s // 60} 分钟"
    if s < 86400:
        h, m = divmod(s // 60, 60)
        return f"滞后 {h} 小时" + (f" {m} 分钟" if m else "")
    d, h = divmod(s // 3600, 24)
    return f"滞后 {d} 天" + (f" {h} 小时" if h else "")


def error_words(text: str | None) -> tuple[str, str]:
    """(message, code) of a neighbour's last error as `service.status` gives it ("CODE：message"):
    the message is what the operator reads; the code goes to small print."""
    if not text:
        return "", ""
    code, sep, message = text.partition("：")
    return (message, code) if sep and re.fullmatch(r"[A-Z0-9_]+", code) else (text, "")


def _page(request: Request, session: Session, caller: Caller, settings: Settings, signer: Any, catalog: Any, *,
          status: int = 200, errors: dict[str, dict[str, str]] | None = None,
          typed: dict[str, str] | None = None, done: dict[str, Any] | None = None) -> HTMLResponse:
    problem = None
    try:
        node = feed.current_node(settings)
    except DomainError as err:
        if err.code != "EXCHANGE_CONFIG_INVALID":
            raise
        node, problem = rules.Node(settings.node_code, settings.node_name), err.message
    view = schemas.neighbours_out(node, service.status(session, node), service.refusals(session))
    names = {n.code: n.name for n in view.neighbours}
    return render(request, "exchange/console.html", http_status=status, view=view, names=names, problem=problem,
                  public_key=base64.b64encode(signer.public_key()).decode(), key_id=signer.key_id,
                  neighbours_file=str(settings.resolved_neighbours_file), lag_words=lag_words, error_words=error_words,
                  parse_at=datetime.fromisoformat,
                  category_name=catalog.category_name, reconciliation_labels=RECONCILIATION_LABELS,
                  refusal_sides=REFUSAL_SIDES, may_resend=allowed("exchange.manage", caller.roles),
                  errors=errors or {}, typed=typed or {}, done=done)


@router.get("/console/exchange", response_class=HTMLResponse)
def exchange_page(request: Request, caller: Reader, session: SessionDep, settings: SettingsDep, signer: SignerDep,
                  catalog: CatalogDep, resent: Annotated[str, Query(max_length=6)] = "",
                  from_seq: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
                  changes: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0) -> HTMLResponse:
    """平台交换：本平台（交换节点）及其公钥，每个相邻平台的发送、确认、积压、滞后、对账与错误，拒收的批次。"""
    done = {"neighbour": resent, "from_seq": from_seq, "changes": changes} if resent else None
    return _page(request, session, caller, settings, signer, catalog, done=done)


@router.post("/console/exchange/{code}/resend")
def resend_page(code: str, request: Request, caller: Manager, session: SessionDep, settings: SettingsDep,
                signer: SignerDep, catalog: CatalogDep, from_seq: Annotated[str, Form(max_length=20)]) -> Response:
    """从指定序号起向相邻平台重发（对方按序号去重，已应用的变更不会重复应用）。"""
    node = feed.current_node(settings)
    neighbour = node.neighbour(code[:6])
    if neighbour is None:
        raise DomainError("EXCHANGE_NEIGHBOUR_UNKNOWN", "没有该相邻平台", 404)
    last = next(s.last_seq for s in service.status(session, node) if s.neighbour.code == neighbour.code)
    text = from_seq.strip()
    message = None
    if not text.isdigit() or int(text) < 1:
        message = "请填写从第几号变更起重发（正整数）"
    elif last == 0:
        message = f"还没有发往{neighbour.name}的变更，无需重发"
    elif int(text) > last:
        message = f"发往{neighbour.name}的变更只编号到第 {last} 号，请填写 1 到 {last} 之间的序号"
    if message is not None:
        return _page(request, session, caller, settings, signer, catalog, status=422,
                     errors={neighbour.code: {"from_seq": message}}, typed={neighbour.code: text})
    n = service.resend(session, neighbour.code, int(text))
    return RedirectResponse(f"/console/exchange?resent={neighbour.code}&from_seq={int(text)}&changes={n}",
                            status_code=303)


# --- the matter's receivers (on the office's case pages) ------------------------------------------

def matter_receivers(session: Session, settings: Settings, subject_key: str, matter_id: str
                     ) -> list[receivers.Receiver]:
    """Who received the matter and whether its end reached them (empty when nobody did)."""
    m = matters.of_subject(session, subject_key, matter_id)
    if m is None:
        return []
    return receivers.of_matter(session, m, settings.exchange_ack_hours)


def overdue_ends(session: Session, settings: Settings, catalog: Any) -> list[dict[str, Any]]:
    """The workbench's alert: ends owed to neighbouring platforms and not confirmed in time."""
    rows = receivers.overdue(session, settings.exchange_ack_hours)
    if not rows:
        return []
    found = matters.by_keys(session, [(r.subject_key, r.matter_id) for r in rows])
    out = []
    for r in rows:
        m = found.get((r.subject_key, r.matter_id))
        item = catalog.items.get(m.item_code) if m is not None and m.item_code else None
        kind = {"watch": "watch", "organisation": "organisation"}.get(r.kind, "node")
        out.append({"name": r.name, "kind_label": receivers.KIND_LABELS[kind],
                    "unsent": {"watch": "回调尚未成功", "organisation": "对方尚未读取"}.get(kind, "尚未发出"),
                    "since": r.created_at, "sent_at": r.sent_at, "matter_id": r.matter_id,
                    "what": (item.name if item else "名单条目" if m is not None and m.list_type else "信用记录"),
                    "reason": END_REASONS.get(m.end_reason or "", "终止") if m is not None else "终止",
                    "entry": m is not None and m.origin == "direct"})
    return out
