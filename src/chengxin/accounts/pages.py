"""Sign-in pages: staff password login, a person's identity challenge and code, logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
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

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=100)]


def landing(roles: list[str]) -> str:
    """Where an account starts: the first console page its roles may open."""
    return next((href for href, _, perm in NAV if perm != PUBLIC and allowed(perm, frozenset(roles))), "/")


def _signed_in(request: Request, issued: service.Issued, roles: list[str]) -> RedirectResponse:
    response = RedirectResponse(landing(roles), status_code=303)
    set_session_cookie(request, response, issued.token, issued.expires_at)
    return response


@router.get("/login", response_class=HTMLResponse, dependencies=[permit("public")])
def login_form(request: Request) -> HTMLResponse:
    """工作人员登录页。"""
    return render(request, "accounts/login.html", username="", error=None)


@router.post("/login", dependencies=[permit("public")])
def login(request: Request, session: SessionDep, settings: SettingsDep, username: Text,
          password: Annotated[str, Form(max_length=200)]) -> Response:
    """工作人员用户名密码登录；失败时在原页面说明原因。"""
    login_limit(request)
    try:
        account, issued = sign_in(session, settings, username, password, client_ip(request))
    except DomainError as err:
        return render(request, "accounts/login.html", http_status=err.status, username=username, error=err.message)
    return _signed_in(request, issued, account.roles)


@router.get("/person/login", response_class=HTMLResponse, dependencies=[permit("public")])
def person_form(request: Request) -> HTMLResponse:
    """本人身份认证第一步：证件号码与姓名。"""
    return render(request, "accounts/person_login.html", id_types=ID_TYPES.items(), id_type="citizen_id",
                  name="", error=None)


@router.post("/person/login", response_class=HTMLResponse, dependencies=[permit("public")])
def person_challenge(request: Request, session: SessionDep, settings: SettingsDep, keys: KeysDep,
                     id_number: Annotated[str, Form(max_length=64)], name: Text,
                     id_type: Annotated[str, Form(max_length=32)] = "citizen_id") -> HTMLResponse:
    """发送一次性验证码，进入第二步。"""
    login_limit(request)
    try:
        with keep_failures(session):
            challenge, delivery = service.start_identity(session, settings, keys, id_type=id_type,
                                                         id_number=id_number, name=name, ip=client_ip(request))
    except DomainError as err:
        # The number is not echoed back into the page: it stays only in what the person typed.
        return render(request, "accounts/person_login.html", http_status=err.status, id_types=ID_TYPES.items(),
                      id_type=id_type, name=name, error=err.message)
    return render(request, "accounts/person_code.html", challenge_id=challenge.id, hint=delivery.hint,
                  expires_at=challenge.expires_at, error=None)


@router.post("/person/verify", dependencies=[permit("public")])
def person_verify(request: Request, session: SessionDep, settings: SettingsDep,
                  challenge_id: Annotated[str, Form(max_length=26)],
                  code: Annotated[str, Form(max_length=12)]) -> Response:
    """提交验证码完成本人登录。"""
    login_limit(request)
    try:
        with keep_failures(session):
            account, issued = service.finish_identity(session, settings, challenge_id, code, client_ip(request))
    except DomainError as err:
        retry = err.code == "AUTH_CODE_WRONG"
        return render(request, "accounts/person_code.html", http_status=err.status, challenge_id=challenge_id if retry
                      else None, hint=None, expires_at=None, error=err.message)
    return _signed_in(request, issued, account.roles)


@router.post("/logout")
def logout(caller: Annotated[Caller, permit("self")], request: Request, session: SessionDep) -> Response:
    """退出登录：会话立即失效。"""
    service.logout(session, caller)
    if caller.token_id:
        request.app.state.authenticate.forget(caller.token_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
