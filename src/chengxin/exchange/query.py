"""Cross-region query (互查): a department asks its platform about a person; the platform asks the
neighbours that answer such questions, with the caller, purpose and reference; both ends log the
read in their access logs (the person sees it at each); answers are signed by the answering node,
sealed to the asker (they name the person's matters), and merged with the local answer, each
matter with its origin.

Only what a government department may see travels: matters of items disclosed publicly or to
government (never `authorised` ones, which need the person's consent), in their state today.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller
from chengxin.catalog.rules import Catalog
from chengxin.clock import today, utcnow
from chengxin.crypto import Keys
from chengxin.db import unit_of_work
from chengxin.departments import repository as departments
from chengxin.errors import DomainError
from chengxin.exchange import rules
from chengxin.identity.rules import parse_identifier
from chengxin.keyring.service import resolve_one
from chengxin.matters import repository as matters_repo
from chengxin.matters.rules import LIST_LABELS, STATE_LABELS, Facts, listed_on, state_on
from chengxin.persons import repository as persons
from chengxin.publicity.rules import Tier, default_tiers
from chengxin.signing import Signer, canonical_json

FRESH = timedelta(minutes=5)  # a signed question older than this is refused (no replay)
HTTP_TIMEOUT = 10.0
SHOWN = frozenset({"public", "government"})


@dataclass(frozen=True, slots=True)
class Question:
    caller_department: str
    caller_department_name: str
    purpose: str
    reference: str | None


def summary(session: Session, catalog: Catalog, node: rules.Node, subject_key: str, day: date,
            tiers: dict[str, Tier] | None = None) -> list[dict[str, Any]]:
    """The person's matters a government department may see here, each with its origin."""
    tiers = tiers or default_tiers()
    names = departments.names(session)
    out = []
    for m in matters_repo.of_subjects(session, [subject_key]):
        item = catalog.item(m.item_code) if m.item_code else None
        if item is not None and item.disclosure not in SHOWN:
            continue
        facts = Facts(m.nature, m.severity, m.start_date, m.list_type, m.planned_end, m.ended_on, m.end_reason)
        state = state_on(facts, day, tiers)
        origin, _ = rules.split_department(m.department_code)
        full = names.get(m.department_code, m.department_code)
        node_name, _, dept_name = full.partition("·") if origin else (node.name, "", full)
        out.append({
            "origin_node": origin or node.code, "origin_name": node_name or origin or node.name,
            "department_name": dept_name or full, "item_code": m.item_code,
            "item_name": item.name if item else LIST_LABELS.get(m.list_type or "", ""),
            "category": item.category if item else "LIST", "nature": m.nature, "severity": m.severity,
            "decision_date": m.start_date.isoformat(), "state": state, "state_label": STATE_LABELS.get(state, state),
            "list_type": m.list_type if listed_on(facts, day, tiers) else None})
    out.sort(key=lambda r: (r["decision_date"], r["item_code"] or ""), reverse=True)
    return out


def ask_neighbours(factory: sessionmaker[Session], keys: Keys, catalog: Catalog, signer: Signer, node: rules.Node,
                   caller: Caller, *, id_type: str, id_number: str, purpose: str, reference: str | None,
                   only: Sequence[str] | None = None) -> dict[str, Any]:
    """Ask every neighbour that answers (or those named), log the query here, and merge."""
    ident = parse_identifier(id_type, id_number)
    dept = caller.require_department()
    with unit_of_work(factory, writes=False) as session:
        dept_name = departments.names(session).get(dept, dept)
    question = Question(dept, dept_name, purpose, reference)
    targets = [n for n in node.neighbours if n.answers and n.mode == rules.SERVICE and (not only or n.code in only)]
    if only and len(targets) != len(set(only)):
        raise DomainError("EXCHANGE_NEIGHBOUR_UNKNOWN", "所列平台中有未配置为可互查的相邻平台", 422)
    remote = [_ask(node, signer, n, question, ident.id_type, ident.number) for n in targets]
    with unit_of_work(factory) as session:
        key = resolve_one(session, keys, ident.id_type, ident.number)
        local = summary(session, catalog, node, key, today()) if persons.get(session, key) is not None else []
        log_reads(session, caller, "exchange_query", [Read(key, "ok", ",".join(n.code for n in targets)[:26] or None)],
                  purpose=purpose, business_ref=reference)
    matters = [dict(m, answered_by=node.code) for m in local]
    for answer in remote:
        for m in answer.get("matters") or []:
            matters.append(dict(m, answered_by=answer["node"]))
    return {"node": {"code": node.code, "name": node.name}, "local_found": bool(local),
            "answers": [{k: v for k, v in a.items() if k != "matters"} for a in remote], "matters": matters}


def _ask(node: rules.Node, signer: Signer, n: rules.Neighbour, q: Question, id_type: str,
         number: str) -> dict[str, Any]:
    """One neighbour's signed answer, or what went wrong (never an error for the whole query)."""
    body = {"type": rules.QUERY_TYPE, "sender": node.code, "receiver": n.code, "at": utcnow().isoformat(),
            "nonce": secrets.token_hex(8), "caller": {"department": q.caller_department,
                                                      "department_name": q.caller_department_name},
            "purpose": q.purpose, "reference": q.reference}
    sealed = rules.seal(canonical_json({"id_type": id_type, "id_number": number}), n.public_key, canonical_json(body))
    ask = rules.sign_document({**body, "sealed": base64.b64encode(sealed).decode()}, signer.sign)
    base = {"node": n.code, "name": n.name}
    try:
        res = httpx.post(f"{n.url}/api/v1/exchange/lookups", json=ask, timeout=HTTP_TIMEOUT)
        doc = res.json()
    except (httpx.HTTPError, ValueError):
        return {**base, "status": "unreachable", "status_label": "未能连接", "found": None}
    if res.status_code != 200:
        return {**base, "status": "refused", "status_label": f"对方拒绝：{str(doc.get('detail') or '')[:200]}",
                "found": None}
    try:
        answer = rules.verify_signed(doc, rules.ANSWER_TYPE, n.public_key)
        if answer.get("receiver") != node.code or answer.get("nonce") != body["nonce"]:
            raise DomainError("EXCHANGE_RECEIPT_MISMATCH", "应答与询问不符", 502)
        plain = rules.open_sealed(base64.b64decode(answer["sealed"]), signer.seed(),
                                  canonical_json({k: v for k, v in answer.items() if k != "sealed"}))
        matters = json.loads(plain)
    except (DomainError, KeyError, ValueError):
        return {**base, "status": "invalid", "status_label": "应答签名或内容无效，未采用", "found": None}
    return {**base, "status": "answered", "status_label": "已答复（签名有效）", "found": bool(answer.get("found")),
            "answered_at": answer.get("at"), "matters": matters}


def answer(factory: sessionmaker[Session], keys: Keys, catalog: Catalog, signer: Signer, node: rules.Node,
           doc: Any) -> dict[str, Any]:
    """A neighbour asks about a person: verify it, log it here as that node's department's read, answer."""
    sender = str(doc.get("sender")) if isinstance(doc, dict) else ""
    n = node.neighbour(sender)
    if n is None:
        raise DomainError("EXCHANGE_SENDER_UNKNOWN", "询问方不是本平台配置的相邻平台", 403)
    body = rules.verify_signed(doc, rules.QUERY_TYPE, n.public_key)
    if body.get("receiver") != node.code:
        raise DomainError("EXCHANGE_RECEIVER_MISMATCH", "询问不是发给本平台的", 422)
    try:
        at = datetime.fromisoformat(str(body["at"]))
        caller_info, purpose = body["caller"], str(body["purpose"])[:200]
        sealed = base64.b64decode(body["sealed"])
    except (KeyError, TypeError, ValueError):
        raise DomainError("EXCHANGE_SIGNED_MALFORMED", "询问缺少时间、询问部门、目的或内容", 422) from None
    if abs(utcnow() - at) > FRESH:
        raise DomainError("EXCHANGE_QUERY_STALE", "询问已过时效（5 分钟），请重新发起", 422)
    if not purpose.strip():
        raise DomainError("EXCHANGE_SIGNED_MALFORMED", "询问须说明目的", 422)
    head = canonical_json({k: v for k, v in body.items() if k != "sealed"})
    who = json.loads(rules.open_sealed(sealed, signer.seed(), head))
    ident = parse_identifier(str(who["id_type"]), str(who["id_number"]))
    dept = rules.local_department(sender, str(caller_info.get("department") or ""), node.code)
    with unit_of_work(factory) as session:
        if departments.get(session, dept) is None:
            departments.ensure(session, {dept: f"{n.name}·{str(caller_info.get('department_name') or '')[:100]}"})
        key = resolve_one(session, keys, ident.id_type, ident.number)
        found = persons.get(session, key) is not None
        matters = summary(session, catalog, node, key, today()) if found else []
        log_reads(session, Caller("checker", department_code=dept, account_id=f"node:{sender}"), "exchange_query",
                  [Read(key, "ok" if found else "not_found")], purpose=purpose,
                  business_ref=str(body.get("reference") or "")[:100] or None)
    head_out = {"type": rules.ANSWER_TYPE, "sender": node.code, "receiver": sender, "nonce": body.get("nonce"),
                "found": found, "at": utcnow().isoformat()}
    sealed_out = rules.seal(canonical_json(matters), n.public_key, canonical_json(head_out))
    return rules.sign_document({**head_out, "sealed": base64.b64encode(sealed_out).decode()}, signer.sign)
