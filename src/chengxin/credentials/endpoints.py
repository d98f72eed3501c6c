"""Credential API: the person's credentials, and the public verification and status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from chengxin.callers import Caller, permit
from chengxin.clock import utcnow
from chengxin.credentials import rules, service
from chengxin.credentials import schemas as s
from chengxin.credentials.models import Credential
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, SignerDep, writes
from chengxin.errors import PROBLEM_RESPONSES, _problem_example

router = APIRouter(prefix="/api/v1", tags=["信用凭证"], responses=PROBLEM_RESPONSES)
Own = Annotated[Caller, permit("person.own")]

_REFUSED = {422: _problem_example(
    "CREDENTIAL_LISTED", "您目前在严重失信主体名单（黑名单）上，不能出具“不在黑名单上”的凭证", 422)}


def context(request: Request, catalog: Any, keys: Any) -> service.Context:
    return service.Context(catalog, keys, request.app.state.tiers)


def to_out(row: Credential) -> s.CredentialOut:
    state = service.own_state(row, utcnow())
    return s.CredentialOut(
        id=row.id, claim=row.claim, claim_label=rules.CLAIMS[row.claim],
        statement=row.document["credentialSubject"]["statement"], matter_id=row.claim_detail,
        issued_at=row.issued_at, valid_until=row.valid_until, revoked_at=row.revoked_at, status=state,
        status_label=service.OWN_STATES[state], credential=row.document)


def verify_out(verdict: rules.Verdict) -> s.VerifyOut:
    return s.VerifyOut(status=verdict.status, status_label=verdict.status_label, valid=verdict.valid,
                       code=verdict.code, message=verdict.message, credential_id=verdict.credential_id,
                       claim=verdict.claim, statement=verdict.statement, as_of=verdict.as_of, name=verdict.name,
                       id_number=verdict.id_number, valid_until=verdict.valid_until, key_id=verdict.key_id)


@router.post("/me/credentials", response_model=s.CredentialOut, status_code=201, summary="出具信用凭证",
             responses=_REFUSED)
def issue_credential(body: s.IssueIn, request: Request, caller: Own, session: SessionDep, catalog: CatalogDep,
                     keys: KeysDep, signer: SignerDep, settings: SettingsDep) -> s.CredentialOut:
    """为本人出具一项事实的信用凭证（平台签名，短时有效），事实今天不成立时拒绝并说明原因（422）。
    每份凭证只证明一项事实，本人选择出示哪一项。"""
    row = service.issue(session, caller, context(request, catalog, keys), claim=body.claim, detail=body.matter_id,
                        signer=signer, settings=settings)
    return to_out(row)


@router.get("/me/credentials", response_model=s.CredentialList, summary="我的信用凭证")
def list_credentials(caller: Own, session: SessionDep) -> s.CredentialList:
    """本人出具过的信用凭证（最新的在前，至多 50 份），含当前状态与签名的凭证本身。"""
    items = [to_out(row) for row in service.own(session, caller)]
    return s.CredentialList(items=items, total=len(items))


@router.post("/me/credentials/{credential_id}/revoke", response_model=s.CredentialOut, summary="撤销信用凭证")
def revoke_credential(credential_id: str, caller: Own, session: SessionDep) -> s.CredentialOut:
    """撤销本人的一份信用凭证，立即生效：此后核验的结果为“已撤销”。"""
    return to_out(service.revoke(session, caller, credential_id[:64]))


@router.post("/credentials/verify", response_model=s.VerifyOut, summary="核验信用凭证",
             dependencies=[permit("public")])
def verify_credential(
    request: Request, session: SessionDep, catalog: CatalogDep, keys: KeysDep, signer: SignerDep,
    doc: Annotated[Any, Body(description="信用凭证（二维码的内容，JSON）", examples=[s.CREDENTIAL_EXAMPLE])],
) -> s.VerifyOut:
    """核验信用凭证：平台签名与内容（与离线核验相同）、有效期，以及当前状态（本人是否已撤销、所证明的事实今天是否仍成立）。
    凭证所证明的事实今天已不再成立时只说“已不再成立”，不说明原因。核验记入本人的查询记录。"""
    return verify_out(service.verify(session, context(request, catalog, keys), doc, signer))


@router.get("/credentials/{credential_id}/status", response_model=s.StatusOut, summary="信用凭证当前状态",
            dependencies=[permit("public")])
@writes
def credential_status(credential_id: str, request: Request, session: SessionDep, catalog: CatalogDep,
                      keys: KeysDep) -> s.StatusOut:
    """按凭证编号查询凭证当前状态（有效、已过期、已不再成立、已撤销），不含持有人的任何信息。核验记入本人的查询记录。"""
    now = utcnow()
    state, code = service.status(session, context(request, catalog, keys), credential_id[:64], now)
    return s.StatusOut(id=credential_id[:64], status=state, status_label=rules.STATUSES[state], code=code,
                       message=rules.MESSAGES[code], checked_at=now)
