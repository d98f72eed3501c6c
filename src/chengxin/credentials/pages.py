"""Credential pages: the person ticks facts and gets one QR code per fact; anyone verifies one."""

from __future__ import annotations

import io
import json
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup, escape

from chengxin.callers import Caller, permit
from chengxin.clock import utcnow
from chengxin.credentials import rules, service
from chengxin.credentials.endpoints import context
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, SignerDep, writes
from chengxin.errors import DomainError
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Own = Annotated[Caller, permit("person.own")]
MAX_PASTE = 20_000  # a credential is about 1.3 KB; anything much longer is not one


def qr_text(doc: dict[str, Any]) -> str:
    """What the QR code holds: the credential itself, as compact JSON (verifiable offline)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def qr_svg(text: str, label: str) -> Markup:
    """An inline SVG QR code (no script, no inline style: the CSP allows it as it is)."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="svg", xmldecl=False, svgns=True, nl=False,
                                                 omitsize=True, svgclass="qr", lineclass=None, border=2)
    svg = out.getvalue().decode().replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(svg)  # segno's own markup, and the label escaped


def _label(statement: str) -> str:
    return "二维码：" + statement


def _mine(request: Request, session: Any, caller: Caller, ctx: service.Context, *, status: int = 200,
          refusals: list[tuple[str, str]] | None = None, issued: list[str] | None = None) -> HTMLResponse:
    file, offers, blocked = service.own_offers(session, caller, ctx)
    now = utcnow()
    rows = service.own(session, caller)
    active = [(r, qr_svg(qr_text(r.document), _label(r.document["credentialSubject"]["statement"])))
              for r in rows if service.own_state(r, now) == "active"]
    past = [(r, service.own_state(r, now)) for r in rows if service.own_state(r, now) != "active"][:10]
    return render(request, "credentials/mine.html", http_status=status, offers=offers, blocked=blocked,
                  active=active, past=past, states=service.OWN_STATES, refusals=refusals or [],
                  issued=issued or [], claims=rules.CLAIMS, has_file=file is not None,
                  minutes=request.app.state.settings.credential_minutes)


@router.get("/me/credential", response_class=HTMLResponse)
@writes
def my_credential_page(request: Request, caller: Own, session: SessionDep, catalog: CatalogDep,
                       keys: KeysDep) -> HTMLResponse:
    """信用凭证：勾选要证明的事实，每项得到一个二维码；不能出具的事实写明原因。"""
    return _mine(request, session, caller, context(request, catalog, keys))


@router.post("/me/credential", response_class=HTMLResponse)
def issue_page(request: Request, caller: Own, session: SessionDep, catalog: CatalogDep, keys: KeysDep,
               signer: SignerDep, settings: SettingsDep,
               fact: Annotated[list[str] | None, Form(max_length=20)] = None) -> Response:
    """出具所勾选的每一项事实的凭证（每项一个二维码）；不成立的事实说明原因。"""
    ctx = context(request, catalog, keys)
    if not fact:
        return _mine(request, session, caller, ctx, status=422, refusals=[("", "请至少勾选一项要证明的事实")])
    refusals, issued = [], []
    for choice in dict.fromkeys(f[:64] for f in fact):
        claim, _, detail = choice.partition(":")
        try:
            row = service.issue(session, caller, ctx, claim=claim, detail=detail or None, signer=signer,
                                settings=settings)
        except DomainError as err:
            refusals.append((choice, err.message))
            continue
        issued.append(row.id)
    if refusals:
        return _mine(request, session, caller, ctx, status=422, refusals=refusals, issued=issued)
    return RedirectResponse(f"/me/credential#c-{issued[0]}", status_code=303)


@router.get("/me/credential/{credential_id}.json")
def credential_download(credential_id: str, caller: Own, session: SessionDep) -> Response:
    """下载信用凭证（JSON，即二维码的内容），可离线核验。"""
    row = service.get_own(session, caller, credential_id[:64])
    body = json.dumps(row.document, ensure_ascii=False, indent=2)
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="credential-{row.id}.json"'})


@router.post("/me/credential/{credential_id}/revoke")
def revoke_page(credential_id: str, caller: Own, session: SessionDep) -> Response:
    """撤销一份信用凭证，立即生效。"""
    row = service.revoke(session, caller, credential_id[:64])
    return RedirectResponse(f"/me/credential#c-{row.id}", status_code=303)


# --- anyone ------------------------------------------------------------------------------------

@router.get("/verify/credential", response_class=HTMLResponse, dependencies=[permit("public")])
def verify_form(request: Request) -> HTMLResponse:
    """核验信用凭证：粘贴二维码的内容。"""
    return render(request, "credentials/verify.html", text="", verdict=None, error=None)


@router.post("/verify/credential", response_class=HTMLResponse, dependencies=[permit("public")])
def verify_page(request: Request, session: SessionDep, catalog: CatalogDep, keys: KeysDep, signer: SignerDep,
                credential: Annotated[str, Form(max_length=MAX_PASTE)] = "") -> HTMLResponse:
    """核验结果：有效、已过期、被改动、已不再成立或已撤销，用平常的话说明。"""
    text = credential.strip()
    if not text:
        return render(request, "credentials/verify.html", http_status=422, text="", verdict=None,
                      error="请粘贴信用凭证的内容（扫描持有人手机上的二维码得到的文字）")
    try:
        doc = json.loads(text)
    except ValueError:
        verdict = rules.Verdict("altered", "CREDENTIAL_NOT_JSON")
    else:
        verdict = service.verify(session, context(request, catalog, keys), doc, signer)
    return render(request, "credentials/verify.html", text=text, verdict=verdict, error=None)
