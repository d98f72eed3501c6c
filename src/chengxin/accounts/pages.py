"""Sign-in pages: staff password login, a person's identity challenge and code, logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.accounts import service
from chengxin.accounts.auth import SESSION_COOKIE, client_ip, set_session_cookie
from chengxin.accounts.endpoints import keep_failures, login_limit, sign_in
from chengxin.accounts.rules import PUBLIC, allowed
from chengxin.callers import Caller, permit
from chengxin.deps import KeysDep, SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.identity.rules import ID_TYPES
from chengxin.web.render import NAV, render
from chengxin.web.site import MAX_NEXT, safe_next

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=100)]
# Where to go back after signing in (checked by `safe_next`: a path on this site only).
NextQuery = Annotated[str | None, Query(max_length=MAX_NEXT)]
NextForm = Annotated[str, Form(max_length=MAX_NEXT)]


def landing(roles: list[str]) -> str:
    """Where an account starts: the first console page its roles may open."""
    return next((href for href, _, perm in NAV if perm != PUBLIC and allowed(perm, frozenset(roles))), "/")


def _signed_in(request: Request, issued: service.Issued, roles: list[str], back: str | None) -> RedirectResponse:
    response = RedirectResponse(back or landing(roles), status_code=303)
    set_session_cookie(request, response, issued.token, issued.expires_at)
    return response


def _field_of(code: str) -> str | None:
    """Which field of the person login an error is about (None: the whole form)."""
    if code.startswith("ID_"):
        return "id_number"
    if code == "AUTH_IDENTITY_MISMATCH":
        return "name"
    return None


def refused_status(err: DomainError) -> int:
    """A refused person sign-in form comes back as a page (200, the project's choice for refused HTML
    forms, so the browser reports no failed request); only too many tries keep their 429."""
    return 429 if err.status == 429 else 200


def _person_form(request: Request, http_status: int = 200, *, id_type: str = "citizen_id", id_number: str = "",
                 name: str = "", back: str | None = None, err: DomainError | None = None) -> HTMLResponse:
    """Step one, with what was typed kept (the page is never cached: no-store) and the error beside its field."""
    errors = {} if err is None else {_field_of(err.code) or "": err.message}
    return render(request, "accounts/person_login.html", http_status=http_status, id_types=ID_TYPES.items(),
                  id_type=id_type, id_number=id_number, name=name, next=back or "", errors=errors)


@router.get("/login", response_class=HTMLResponse, dependencies=[permit("public")])
def login_form(request: Request, next: NextQuery = None) -> HTMLResponse:
    """工作人员登录页；从需要登录的页面转来时，登录后回到那一页。"""
    return render(request, "accounts/login.html", username="", error=None, next=safe_next(next) or "")


@router.post("/login", dependencies=[permit("public")])
def login(request: Request, session: SessionDep, settings: SettingsDep, username: Text,
          password: Annotated[str, Form(max_length=200)], next: NextForm = "") -> Response:
    """工作人员用户名密码登录；失败时在原页面说明原因，保留填写的用户名。"""
    back = safe_next(next)
    try:
        login_limit(request)
        account, issued = sign_in(session, settings, username, password, client_ip(request))
    except DomainError as err:
        return render(request, "accounts/login.html", http_status=err.status, username=username, error=err.message,
                      next=back or "")
    return _signed_in(request, issued, account.roles, back)


@router.get("/person/login", response_class=HTMLResponse, dependencies=[permit("public")])
def person_form(request: Request, next: NextQuery = None) -> HTMLResponse:
    """本人身份认证第一步：证件号码与姓名。"""
    return _person_form(request, back=safe_next(next))


@router.post("/person/login", response_class=HTMLResponse, dependencies=[permit("public")])
def person_challenge(request: Request, session: SessionDep, settings: SettingsDep, keys: KeysDep,
                     id_number: Annotated[str, Form(max_length=64)], name: Text,
                     id_type: Annotated[str, Form(max_length=32)] = "citizen_id", next: NextForm = "") -> HTMLResponse:
    """发送一次性验证码，进入第二步；填写有误时回到原页面，保留填写的内容。"""
    back = safe_next(next)
    typed = {"id_type": id_type, "id_number": id_number, "name": name, "back": back}
    try:
        login_limit(request)
        with keep_failures(session):
            challenge, delivery = service.start_identity(session, settings, keys, id_type=id_type,
                                                         id_number=id_number, name=name, ip=client_ip(request))
    except DomainError as err:
        return _person_form(request, refused_status(err), err=err, **typed)
    return render(request, "accounts/person_code.html", challenge_id=challenge.id, hint=delivery.hint,
                  expires_at=challenge.expires_at, error=None, typed=typed)


@router.post("/person/verify", dependencies=[permit("public")])
def person_verify(request: Request, session: SessionDep, settings: SettingsDep,
                  challenge_id: Annotated[str, Form(max_length=26)],
                  code: Annotated[str, Form(max_length=12)],
                  id_type: Annotated[str, Form(max_length=32)] = "citizen_id",
                  id_number: Annotated[str, Form(max_length=64)] = "", name: Text = "",
                  next: NextForm = "") -> Response:
    """提交验证码完成本人登录，回到登录前要去的页面（缺省为本人信用档案）。"""
    back = safe_next(next)
    typed = {"id_type": id_type, "id_number": id_number, "name": name, "back": back}
    try:
        login_limit(request)
        with keep_failures(session):
            account, issued = service.finish_identity(session, settings, challenge_id, code, client_ip(request))
    except DomainError as err:
        if err.code == "AUTH_CODE_WRONG":
            return render(request, "accounts/person_code.html", http_status=refused_status(err),
                          challenge_id=challenge_id, hint=None, expires_at=None, error=err.message, typed=typed)
        # Start again from step one, with what was typed there kept.
        return _person_form(request, refused_status(err), err=err, **typed)
    return _signed_in(request, issued, account.roles, back)


@router.post("/logout")
def logout(caller: Annotated[Caller, permit("self")], request: Request, session: SessionDep) -> Response:
    """退出登录：会话立即失效。"""
    service.logout(session, caller)
    if caller.token_id:
        request.app.state.authenticate.forget(caller.token_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
