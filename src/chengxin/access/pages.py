"""Access-log pages: who looked at my file (with proofs), the auditors' search and the tree head."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from chengxin.access import repository as repo
from chengxin.access import sealing
from chengxin.access import service as access
from chengxin.access.endpoints import entry_fields
from chengxin.access.rules import check_proof
from chengxin.accounts.service import account_names
from chengxin.callers import ROLE_LABELS, Caller, permit
from chengxin.clock import CHINA
from chengxin.deps import CatalogDep, SessionDep, SignerDep
from chengxin.errors import NotFound
from chengxin.params import Int64
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Before = Annotated[Int64 | None, Query(ge=1)]


# The person's words for a log entry's state (the auditors' pages keep 已封存 / 待封存).
OWN_STATUS = {"sealed": "已存证", "pending": "存证中"}


def _attachment(doc: dict[str, Any], filename: str) -> Response:
    body = json.dumps(doc, ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/me/accesses", response_class=HTMLResponse)
def my_accesses_page(request: Request, caller: Annotated[Caller, permit("person.own")], session: SessionDep,
                     before: Before = None) -> HTMLResponse:
    """谁查询了我的信用信息：机构、目的、时间与存证状态，最新的在前；已存证的可下载存证证明。"""
    page = access.own_accesses(session, caller, limit=50, before=before)
    return render(request, "access/my_accesses.html", items=[entry_fields(r) for r in page.items],
                  next_before=page.next_before, own_status=OWN_STATUS)


def _own_proof(session: Any, signer: Any, caller: Caller, seq: int) -> dict[str, Any]:
    access.own_entry(session, caller, seq)
    return sealing.prove(session, signer, seq)


@router.get("/me/accesses/{seq}/proof", response_class=HTMLResponse)
def my_proof_page(seq: Int64, request: Request, caller: Annotated[Caller, permit("person.own")],
                  session: SessionDep, signer: SignerDep) -> HTMLResponse:
    """一条查询记录的存证证明：平台当场核验的结果，以及可下载的证明文件和日志签名凭证。"""
    proof = _own_proof(session, signer, caller, seq)
    checked = check_proof(proof, signer.public_keys()) if proof["status"] == "sealed" else None
    return render(request, "access/proof.html", seq=seq, proof=proof, checked=checked)


@router.get("/me/accesses/{seq}/proof.json")
def my_proof_download(seq: Int64, caller: Annotated[Caller, permit("person.own")], session: SessionDep,
                      signer: SignerDep) -> Response:
    """下载证明文件（JSON），可用 chengxin audit check-proof 或任一 SHA-256 与 Ed25519 实现验证。"""
    return _attachment(_own_proof(session, signer, caller, seq), f"proof-{seq}.json")


@router.get("/me/accesses/{seq}/signed-head.json")
def my_signed_head_download(seq: Int64, caller: Annotated[Caller, permit("person.own")], session: SessionDep,
                            signer: SignerDep) -> Response:
    """下载证明所依据的签名树头及平台公钥（JSON），便于与平台公布的树头比对。"""
    proof = _own_proof(session, signer, caller, seq)
    if proof["status"] != "sealed":
        raise NotFound("ACCESS_ENTRY_PENDING", "该记录正在存证，稍后即可下载")
    return _attachment({"format": "chengxin/signed-tree-head/v1", "tree_head": proof["tree_head"],
                        "public_key": proof["public_key"]}, f"signed-head-{proof['tree_size']}.json")


def _start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), CHINA)


@router.get("/audit/log", response_class=HTMLResponse)
def audit_log_page(
    request: Request, caller: Annotated[Caller, permit("audit.read")], session: SessionDep, catalog: CatalogDep,
    department: Annotated[str | None, Query(max_length=64)] = None,
    role: Annotated[str | None, Query(max_length=24)] = None,
    action: Annotated[str | None, Query(max_length=24)] = None,
    subject_key: Annotated[str | None, Query(max_length=32)] = None,
    since: Annotated[date | None, Query()] = None, until: Annotated[date | None, Query()] = None,
    before: Before = None,
) -> HTMLResponse:
    """审计员按部门、角色、类别、主体键与日期检索查询日志。"""
    until_end = None if until is None else datetime.combine(until, time.max, CHINA)
    where = repo.Search(subject_key=subject_key or None, department=department or None, role=role or None,
                        action=action or None, since=_start(since), until=until_end, before=before)
    page = access.search_log(session, where, limit=100)
    names = account_names(session, [r.entry.actor_account for r in page.items if r.entry.actor_account])
    rows = [{**entry_fields(r), "account": names.get(r.entry.actor_account or "", ""),
             "subject_key": r.entry.subject_key} for r in page.items]
    query = {"department": department or "", "role": role or "", "action": action or "",
             "subject_key": subject_key or "", "since": since, "until": until}
    return render(request, "access/audit_log.html", rows=rows, next_before=page.next_before, q=query,
                  departments=catalog.departments.items(), roles=ROLE_LABELS.items(),
                  actions=access.ACTIONS.items(), scenarios=request.app.state.measures.scenarios)


@router.get("/audit/tree-head", response_class=HTMLResponse)
def tree_head_page(request: Request, caller: Annotated[Caller, permit("audit.read")],
                   session: SessionDep) -> HTMLResponse:
    """最新签名树头与最近一次完整校验的结果。"""
    head = repo.latest_head(session)
    return render(request, "access/tree_head.html", head=None if head is None else sealing.head_json(head),
                  run=repo.latest_verification(session))
