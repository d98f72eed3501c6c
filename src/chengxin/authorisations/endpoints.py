"""Authorised queries API: a person's grants, the third party's query, receipt verification."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from chengxin.authorisations import rules, service
from chengxin.authorisations import schemas as s
from chengxin.callers import Caller, permit
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, SignerDep
from chengxin.errors import PROBLEM_RESPONSES, _problem_example, problem_response

router = APIRouter(prefix="/api/v1", tags=["授权查询"], responses=PROBLEM_RESPONSES)

_REFUSED = {403: _problem_example("AUTHZ_EXPIRED", rules.REFUSALS["AUTHZ_EXPIRED"], 403)}


@router.post("/me/authorisations", response_model=s.AuthorisationOut, status_code=201, summary="授权第三方查询")
def create_authorisation(body: s.GrantIn, caller: Annotated[Caller, permit("person.own")], session: SessionDep,
                         catalog: CatalogDep, signer: SignerDep, settings: SettingsDep) -> s.AuthorisationOut:
    """本人授权某机构在有效期内为所述目的查询本人信用信息的指定类别，返回平台签名的授权回执。"""
    row = service.grant(session, caller, body, catalog=catalog, signer=signer,
                        max_days=settings.authorisation_max_days)
    return service.to_out(row, catalog)


@router.get("/me/authorisations", response_model=s.AuthorisationList, summary="我的授权")
def list_authorisations(caller: Annotated[Caller, permit("person.own")], session: SessionDep,
                        catalog: CatalogDep) -> s.AuthorisationList:
    """本人给出的全部授权（最新的在前），含当前状态、使用次数与签名回执。"""
    items = [service.to_out(row, catalog) for row in service.own(session, caller)]
    return s.AuthorisationList(items=items, total=len(items))


@router.get("/me/authorisations/{authorisation_id}", response_model=s.AuthorisationOut, summary="查看一项授权")
def get_authorisation(authorisation_id: str, caller: Annotated[Caller, permit("person.own")], session: SessionDep,
                      catalog: CatalogDep) -> s.AuthorisationOut:
    """本人的一项授权及其签名回执。"""
    return service.to_out(service.get_own(session, caller, authorisation_id), catalog)


@router.post("/me/authorisations/{authorisation_id}/revoke", response_model=s.AuthorisationOut,
             summary="撤销授权")
def revoke_authorisation(authorisation_id: str, caller: Annotated[Caller, permit("person.own")],
                         session: SessionDep, catalog: CatalogDep) -> s.AuthorisationOut:
    """撤销一项授权，立即生效：此后据此授权的查询一律拒绝。重复撤销不改变首次撤销时间。"""
    return service.to_out(service.revoke(session, caller, authorisation_id), catalog)


@router.post("/authorisations/{authorisation_id}/query", response_model=s.AuthorisedReport,
             summary="凭授权查询信用信息", responses=_REFUSED)
def query_with_authorisation(
    authorisation_id: str, body: s.QueryIn, request: Request,
    caller: Annotated[Caller, permit("authorisations.query")], session: SessionDep, catalog: CatalogDep,
    keys: KeysDep,
) -> Any:
    """第三方机构凭本人授权、按授权目的查询授权范围内的信用信息（已脱敏）；无有效授权时返回 403 及具体原因。"""
    try:
        return service.query(session, caller, authorisation_id[:64], body, catalog=catalog, keys=keys,
                             tiers=request.app.state.tiers)
    except rules.Refused as refused:
        # An answer, not a failure: returning (not raising) commits the refusal's log entry.
        return problem_response(refused)


@router.post("/authorisations/verify-receipt", response_model=s.VerifyOut, summary="验证授权回执签名",
             dependencies=[permit("public")])
def verify_receipt(
    signer: SignerDep,
    doc: Annotated[dict[str, Any], Body(description="授权回执（receipt 与 signature）",
                                        examples=[s.RECEIPT_EXAMPLE])],
) -> s.VerifyOut:
    """验证授权回执是否由平台签发且未被改动（与离线验证相同；不说明授权当前是否仍有效）。"""
    check = rules.verify_receipt(doc, signer.public_keys())
    return s.VerifyOut(valid=check.valid, code=check.code, key_id=check.key_id, message=check.message)


@router.get("/signing-keys", response_model=s.SigningKeysOut, summary="平台签名公钥",
            dependencies=[permit("public")])
def signing_keys(signer: SignerDep) -> s.SigningKeysOut:
    """平台公布的 Ed25519 验证公钥（含已停用但仍可验证旧签名的公钥），供离线验证授权回执与日志树头。"""
    return s.SigningKeysOut.model_validate(signer.published())
