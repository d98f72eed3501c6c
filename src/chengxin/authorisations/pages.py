"""My authorisations as pages: grant a third party a query, revoke it, download the signed receipt."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.authorisations import rules, service
from chengxin.authorisations.schemas import GrantIn
from chengxin.callers import Caller, permit
from chengxin.clock import CHINA, today
from chengxin.deps import CatalogDep, SessionDep, SettingsDep, SignerDep
from chengxin.web.forms import model_from_form
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Own = Annotated[Caller, permit("person.own")]
LABELS = {"grantee_uscc": "被授权机构统一社会信用代码", "purpose_code": "查询目的", "purpose": "目的说明",
          "scope": "授权范围", "valid_until": "有效期至", "use_mode": "使用方式"}


def _page(request: Request, session, caller: Caller, catalog, status: int = 200, **extra) -> HTMLResponse:
    items = [service.to_out(row, catalog) for row in service.own(session, caller)]
    scopes = [(rules.FULL_REPORT, rules.FULL_REPORT_LABEL)] + [
        (c.code, c.name) for c in catalog.categories if c.parent is None]
    return render(request, "authorisations/mine.html", http_status=status, items=items, purposes=rules.PURPOSES.items(),
                  use_modes=rules.USE_MODES.items(), scopes=scopes,
                  default_until=(today() + timedelta(days=30)).isoformat(), **extra)


@router.get("/me/authorisations", response_class=HTMLResponse)
def my_authorisations_page(request: Request, caller: Own, session: SessionDep, catalog: CatalogDep) -> HTMLResponse:
    """我的授权：现有授权及其状态，以及新授权的表单。"""
    return _page(request, session, caller, catalog)


@router.post("/me/authorisations")
def grant_page(request: Request, caller: Own, session: SessionDep, catalog: CatalogDep, signer: SignerDep,
               settings: SettingsDep, grantee_uscc: Annotated[str, Form(max_length=32)],
               purpose_code: Annotated[str, Form(max_length=24)], valid_until: Annotated[date, Form()],
               scope: Annotated[list[str], Form()], purpose: Annotated[str, Form(max_length=200)] = "",
               use_mode: Annotated[str, Form(max_length=12)] = "single") -> Response:
    """授权第三方机构查询（有效期至所选日期的 24 时，北京时间）。"""
    until = datetime.combine(valid_until + timedelta(days=1), time(), CHINA)
    body = model_from_form(GrantIn, LABELS, grantee_uscc=grantee_uscc, purpose_code=purpose_code,
                           purpose=purpose or None, scope=scope, valid_until=until, use_mode=use_mode)
    row = service.grant(session, caller, body, catalog=catalog, signer=signer, max_days=settings.authorisation_max_days)
    return RedirectResponse(f"/me/authorisations#a-{row.id}", status_code=303)


@router.post("/me/authorisations/{authorisation_id}/revoke")
def revoke_page(authorisation_id: str, caller: Own, session: SessionDep) -> Response:
    """撤销一项授权，立即生效。"""
    row = service.revoke(session, caller, authorisation_id[:64])
    return RedirectResponse(f"/me/authorisations#a-{row.id}", status_code=303)


@router.get("/me/authorisations/{authorisation_id}/receipt.json")
def receipt_download(authorisation_id: str, caller: Own, session: SessionDep, catalog: CatalogDep) -> Response:
    """下载平台签名的授权回执（JSON），可离线验证。"""
    out = service.to_out(service.get_own(session, caller, authorisation_id[:64]), catalog)
    body = json.dumps(out.receipt.model_dump(mode="json"), ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="receipt-{out.id}.json"'})
