"""Access-log API: a person's "who looked at my credit file" with proofs, the auditors' search,
and the public signed tree head and keys that let anyone check a proof."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from chengxin.access import repository as repo
from chengxin.access import sealing
from chengxin.access import service as access
from chengxin.access.rules import actor_label, result_label
from chengxin.access.schemas import (
    AccessOut,
    AccessPage,
    AuditEntryOut,
    AuditPage,
    ProofOut,
    TreeHeadOut,
    VerificationOut,
)
from chengxin.callers import ROLE_LABELS, Caller, permit
from chengxin.deps import SessionDep, SignerDep, lag_tolerant
from chengxin.errors import PROBLEM_RESPONSES, NotFound
from chengxin.params import Int64

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES)
Limit = Annotated[Int64, Query(ge=1, le=200, description="每页条数")]
Before = Annotated[Int64 | None, Query(ge=1, description="只列出序号小于此值的记录（翻页用上一页的 next_before）")]


def entry_fields(row: repo.Listed) -> dict[str, Any]:
    e = row.entry
    sealed = row.leaf_index is not None
    return {
        "seq": e.seq, "at": e.at, "role": e.actor_role, "role_label": ROLE_LABELS.get(e.actor_role, e.actor_role),
        "who": actor_label(e.actor_role, e.actor_department, row.department_name, e.actor_org, row.organisation_name,
                           e.action),
        "department": e.actor_department, "department_name": row.department_name,
        "organisation": e.actor_org, "organisation_name": row.organisation_name,
        "action": e.action, "action_label": access.ACTIONS.get(e.action, e.action), "purpose": e.purpose,
        "basis": e.basis, "business_ref": e.business_ref, "result": e.result,
        "result_label": result_label(e.result, e.action), "status": "sealed" if sealed else "pending",
        "status_label": sealing.STATUS_LABELS["sealed" if sealed else "pending"], "leaf_index": row.leaf_index,
    }


@router.get("/me/accesses", response_model=AccessPage, tags=["本人"], summary="谁查询了我的信用信息")
def my_accesses(caller: Annotated[Caller, permit("person.own")], session: SessionDep, limit: Limit = 50,
                before: Before = None) -> AccessPage:
    """本人信息被查询的记录（查询方、目的、时间等），最新的在前；每条已封存的记录都可取得证明。"""
    page = access.own_accesses(session, caller, limit=limit, before=before)
    return AccessPage(items=[AccessOut(**entry_fields(r)) for r in page.items], next_before=page.next_before)


@router.get("/me/accesses/{seq}/proof", response_model=ProofOut, tags=["本人"], summary="查询记录的存证证明")
def my_access_proof(seq: Int64, caller: Annotated[Caller, permit("person.own")], session: SessionDep,
                    signer: SignerDep) -> dict[str, Any]:
    """本人某条查询记录在最新签名树头中的包含证明（RFC 6962），可离线验证；尚未封存时状态为“待封存”。"""
    access.own_entry(session, caller, seq)
    return sealing.prove(session, signer, seq)


@router.get("/audit/log", response_model=AuditPage, tags=["审计"], summary="检索查询日志")
def audit_log(
    caller: Annotated[Caller, permit("audit.read")], session: SessionDep,
    department: Annotated[str | None, Query(max_length=64, description="查询方部门编码")] = None,
    organisation: Annotated[str | None, Query(max_length=18, description="第三方机构统一社会信用代码")] = None,
    account: Annotated[str | None, Query(max_length=64, description="查询方账号编号")] = None,
    role: Annotated[str | None, Query(max_length=24, description="查询方角色")] = None,
    action: Annotated[str | None, Query(max_length=24, description="查询类别，如 check、file")] = None,
    subject_key: Annotated[str | None, Query(max_length=32, description="主体键")] = None,
    since: Annotated[datetime | None, Query(description="起始时间（含）")] = None,
    until: Annotated[datetime | None, Query(description="截止时间（不含）")] = None,
    limit: Limit = 100, before: Before = None,
) -> AuditPage:
    """按部门、机构、账号、类别、时间段、主体键检索查询日志，最新的在前。"""
    where = repo.Search(subject_key=subject_key, department=department, organisation=organisation, account=account,
                        role=role, action=action, since=since, until=until, before=before)
    page = access.search_log(session, where, limit=limit)
    return AuditPage(items=[AuditEntryOut(**entry_fields(r), account=r.entry.actor_account,
                                          subject_key=r.entry.subject_key, ref_id=r.entry.ref_id)
                            for r in page.items], next_before=page.next_before)


@router.get("/audit/log/{seq}/proof", response_model=ProofOut, tags=["审计"], summary="任一查询记录的存证证明")
def audit_proof(seq: Int64, caller: Annotated[Caller, permit("audit.read")], session: SessionDep,
                signer: SignerDep, tree_size: Annotated[Int64 | None, Query(ge=1, description="签名树头大小")] = None,
                ) -> dict[str, Any]:
    """任一查询记录在最新（或指定大小的）签名树头中的包含证明。"""
    return sealing.prove(session, signer, seq, tree_size)


@router.get("/audit/tree-head", response_model=TreeHeadOut, tags=["审计"], summary="最新签名树头")
@lag_tolerant
def tree_head(caller: Annotated[Caller, permit("public")], session: SessionDep) -> TreeHeadOut:
    """查询日志 Merkle 树的最新签名树头（公开，便于任何人比对），以及最近一次完整校验的结果。"""
    head = repo.latest_head(session)
    if head is None:
        raise NotFound("AUDIT_NO_TREE_HEAD", "查询日志尚未封存，暂无签名树头")
    run = repo.latest_verification(session)
    last = None if run is None else VerificationOut(ok=run.ok, finished_at=run.finished_at, tree_size=run.tree_size,
                                                    problems=run.problems, pending=run.pending)
    return TreeHeadOut(**sealing.head_json(head), last_verification=last)

