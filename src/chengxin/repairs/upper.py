"""Repair applications forwarded by an upper-level platform (R14: the person applies once, at 信用中国
or a provincial platform; the body that decided the matter handles it). The request is signed by a
configured neighbour facing up, fresh, sent to this node, with the applicant's ID number sealed to
this node's key; the application lands in the deciding department's queue with channel `upper`, and
the answer is a receipt signed by this node. The evidence stays with the platform that took it in
(its names and digests are recorded); the result goes back up as every repair result does."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller
from chengxin.catalog.rules import Catalog
from chengxin.clock import utcnow
from chengxin.crypto import Keys
from chengxin.db import unit_of_work
from chengxin.errors import DomainError
from chengxin.exchange import rules as xr
from chengxin.matters.models import Matter
from chengxin.publicity.rules import Tier
from chengxin.repairs import service
from chengxin.settings import Settings
from chengxin.signing import Signer, canonical_json

REQUEST_TYPE = "chengxin.exchange.repair_request.v1"
RECEIPT_TYPE = "chengxin.exchange.repair_receipt.v1"
FRESH_SECONDS = 300  # as the cross-region query: an older signed request is refused (no replay)

EXAMPLE = {"type": REQUEST_TYPE, "sender": "340000", "receiver": "340400", "at": "2026-11-18T02:00:00+00:00",
           "nonce": "5f1c…", "request_id": "AH-2026-000123",
           "target": {"department": "market_regulation", "source_record_id": "SCJG-2026-000001"},
           "method": "fine_paid", "statement": "已于 2026 年 9 月缴清全部罚款", "commitment": True,
           "evidence": [{"name": "缴款凭证.pdf", "sha256": "9f86d0…"}], "sealed": "（申请人证件，加密给本平台）",
           "signature": "（相邻平台签名）"}


def _verify(node: xr.Node, signer: Signer, doc: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(sender, the signed body, the sealed applicant) of a request from an upper neighbour; refused otherwise."""
    sender = str(doc.get("sender")) if isinstance(doc, dict) else ""
    n = node.neighbour(sender)
    if n is None:
        raise DomainError("EXCHANGE_SENDER_UNKNOWN", "申请方不是本平台配置的相邻平台", 403)
    if n.direction != xr.UP:
        raise DomainError("EXCHANGE_NOT_UPPER", "只接收上级平台转来的信用修复申请", 403)
    body = xr.verify_signed(doc, REQUEST_TYPE, n.public_key)
    if body.get("receiver") != node.code:
        raise DomainError("EXCHANGE_RECEIVER_MISMATCH", "申请不是发给本平台的", 422)
    try:
        at = datetime.fromisoformat(str(body["at"]))
        sealed = base64.b64decode(body["sealed"])
        target = dict(body["target"])
    except (KeyError, TypeError, ValueError):
        raise DomainError("EXCHANGE_SIGNED_MALFORMED", "申请缺少时间、对象或申请人", 422) from None
    if abs((utcnow() - at).total_seconds()) > FRESH_SECONDS:
        raise DomainError("EXCHANGE_QUERY_STALE", "申请已过时效（5 分钟），请重新发送", 422)
    head = canonical_json({k: v for k, v in body.items() if k != "sealed"})
    who = json.loads(xr.open_sealed(sealed, signer.seed(), head))
    return sender, {**body, "target": target}, who


def _matter(session: Session, keys: Keys, who: dict[str, Any], target: dict[str, Any]) -> Matter:
    from chengxin.identity.rules import parse_identifier
    from chengxin.keyring.service import resolve_one

    ident = parse_identifier(str(who.get("id_type") or "citizen_id"), str(who.get("id_number") or ""))
    key = resolve_one(session, keys, ident.id_type, ident.number)
    m = session.scalars(select(Matter).where(
        Matter.department_code == str(target.get("department") or ""),
        Matter.source_record_id == str(target.get("source_record_id") or "")[:64],
        Matter.subject_key == key)).first()
    if m is None:
        raise DomainError("REPAIR_TARGET_UNKNOWN", "本平台没有该申请人的这一事项", 404)
    return m


def receive(factory: sessionmaker[Session], keys: Keys, catalog: Catalog, signer: Signer, node: xr.Node,
            settings: Settings, tiers: dict[str, Tier], doc: Any) -> dict[str, Any]:
    """Take in a forwarded application; the signed receipt says where it went and by when it is accepted."""
    sender, body, who = _verify(node, signer, doc)
    evidence: Sequence[Any] = body.get("evidence") or []
    names = [f"{str(e.get('name'))[:100]}（SHA-256 {str(e.get('sha256'))[:64]}）" for e in evidence
             if isinstance(e, dict)]
    caller = Caller("checker", account_id=f"node:{sender}")
    with unit_of_work(factory) as session:
        m = _matter(session, keys, who, body["target"])
        statement = str(body.get("statement") or "")
        if names:
            statement = f"{statement}（证明材料由上级平台受理并留存：{'；'.join(names)}）"
        r = service.apply(session, catalog, keys, settings, signer, tiers, caller=caller, person_key=m.subject_key,
                          target_kind="matter", target_id=m.id, method=str(body.get("method") or ""),
                          statement=statement, commitment=body.get("commitment") is True, channel="upper",
                          remote_evidence=names)
        log_reads(session, caller, "repair", [Read(m.subject_key, "ok", r.id)],
                  purpose="上级平台转来的信用修复申请", business_ref=str(body.get("request_id") or "")[:100] or None)
        receipt = {"type": RECEIPT_TYPE, "sender": node.code, "receiver": sender, "nonce": body.get("nonce"),
                   "request_id": body.get("request_id"), "repair_id": r.id, "status": r.status,
                   "department": r.department_code, "accept_deadline": r.accept_deadline.isoformat(),
                   "at": utcnow().isoformat()}
    return xr.sign_document(receipt, signer.sign)
