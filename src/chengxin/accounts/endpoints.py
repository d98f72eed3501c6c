"""Sign-in, the current account, and account/token administration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from chengxin.accounts import repository as repo
from chengxin.accounts import schemas as s
from chengxin.accounts import service
from chengxin.accounts.auth import SESSION_COOKIE, client_ip, set_session_cookie
from chengxin.accounts.models import Account
from chengxin.accounts.rules import ROLES
from chengxin.callers import Caller, permit
from chengxin.db import read_transaction
from chengxin.departments import repository as departments
from chengxin.deps import KeysDep, SessionDep, SettingsDep
from chengxin.errors import PROBLEM_RESPONSES, DomainError
from chengxin.settings import Settings

router = APIRouter(prefix="/api/v1", tags=["账号与登录"], responses=PROBLEM_RESPONSES)


def login_limit(request: Request) -> None:
    request.app.state.login_limiter.hit(client_ip(request))


@contextmanager
def keep_failures(session: Session) -> Iterator[None]:
    """A refused sign-in still counts: failure counters, lockouts and security events are
    committed before the error is answered (the request's transaction would roll them back)."""
    try:
        yield
    except DomainError:
        session.commit()
        raise


def sign_in(session: Session, settings: Settings, username: str, password: str,
            ip: str | None) -> tuple[Account, service.Issued]:
    """A password sign-in at a request's boundary (API or page): the password is checked in a
    transaction that only reads, and the write lock is taken only to record the outcome; a
    refusal is committed with its security event (`keep_failures`)."""
    with read_transaction(session):
        checked = service.check_password(session, username, password)
    with keep_failures(session):
        return service.login(session, settings, checked, username, password, ip)


def _session_out(request: Request, response: Response, issued: service.Issued, account_id: str,
                 roles: list[str]) -> s.SessionOut:
    # Pages use the cookie; API clients use the token in the body.
    set_session_cookie(request, response, issued.token, issued.expires_at)
    return s.SessionOut(token=issued.token, expires_at=issued.expires_at, account_id=account_id, roles=roles)


@router.post("/auth/login", response_model=s.SessionOut, summary="工作人员账号密码登录",
             dependencies=[permit("public")])
def login(body: s.LoginIn, request: Request, response: Response, session: SessionDep,
          settings: SettingsDep) -> s.SessionOut:
    """用户名和密码登录（argon2 校验）；连续失败达到设定次数后锁定账号，登录频率按来源地址限制。"""
    login_limit(request)
    account, issued = sign_in(session, settings, body.username, body.password, client_ip(request))
    return _session_out(request, response, issued, account.id, account.roles)


@router.post("/auth/person/challenge", response_model=s.ChallengeOut, summary="本人身份认证：获取验证码",
             dependencies=[permit("public")])
def person_challenge(body: s.ChallengeIn, request: Request, session: SessionDep, settings: SettingsDep,
                     keys: KeysDep) -> s.ChallengeOut:
    """本人提交证件号码与姓名，由身份认证服务发送一次性验证码（演示服务把验证码打印在服务器控制台）。"""
    login_limit(request)
    with keep_failures(session):
        challenge, delivery = service.start_identity(session, settings, keys, id_type=body.id_type,
                                                     id_number=body.id_number, name=body.name,
                                                     ip=client_ip(request))
    return s.ChallengeOut(challenge_id=challenge.id, expires_at=challenge.expires_at, channel=delivery.channel,
                          hint=delivery.hint)


@router.post("/auth/person/verify", response_model=s.SessionOut, summary="本人身份认证：提交验证码登录",
             dependencies=[permit("public")])
def person_verify(body: s.VerifyIn, request: Request, response: Response, session: SessionDep,
                  settings: SettingsDep) -> s.SessionOut:
    """提交验证码完成身份认证并登录；首次登录时建立本人账号（只保存证件号码的keyed hash）。"""
    login_limit(request)
    with keep_failures(session):
        account, issued = service.finish_identity(session, settings, body.challenge_id, body.code,
                                                  client_ip(request))
    return _session_out(request, response, issued, account.id, account.roles)


@router.post("/auth/logout", status_code=204, summary="退出登录")
def logout(caller: Annotated[Caller, permit("self")], request: Request, response: Response,
           session: SessionDep) -> None:
    """结束当前登录会话（API 令牌请由管理员吊销）。"""
    service.logout(session, caller)
    if caller.token_id:
        request.app.state.authenticate.forget(caller.token_id)
    response.delete_cookie(SESSION_COOKIE)


@router.get("/auth/me", response_model=s.MeOut, summary="当前账号")
def me(caller: Annotated[Caller, permit("self")], session: SessionDep) -> s.MeOut:
    """当前调用者的账号、角色与所属部门或机构。"""
    account = repo.get(session, caller.account_id) if caller.account_id else None
    roles = sorted(caller.roles)
    return s.MeOut(account_id=caller.account_id, kind=account.kind if account else None,
                   display_name=account.display_name if account else None, roles=roles,
                   role_labels=[ROLES[r] for r in roles], department_code=caller.department_code,
                   org_uscc=caller.org_uscc, person_key=caller.person_key)


@router.post("/accounts", response_model=s.AccountOut, status_code=201, summary="新建账号")
def create_account(body: s.AccountIn, caller: Annotated[Caller, permit("accounts.manage")],
                   session: SessionDep) -> s.AccountOut:
    """平台管理员新建工作人员、部门系统或第三方机构账号（本人账号由身份认证自动建立）。"""
    account = service.create_account(session, kind=body.kind, display_name=body.display_name, roles=body.roles,
                                      username=body.username, department_code=body.department_code,
                                      org_uscc=body.org_uscc, password=body.password)
    return s.AccountOut.model_validate(account)


@router.get("/accounts", response_model=s.AccountsOut, summary="账号列表")
def list_accounts(caller: Annotated[Caller, permit("accounts.manage")], session: SessionDep) -> s.AccountsOut:
    """平台管理员查看全部账号。"""
    return s.AccountsOut(accounts=[s.AccountOut.model_validate(a) for a in repo.listing(session)])


@router.post("/accounts/{account_id}/tokens", response_model=s.TokenIssued, status_code=201,
             summary="签发 API 令牌")
def issue_token(account_id: str, body: s.TokenIn, caller: Annotated[Caller, permit("accounts.manage")],
                session: SessionDep, settings: SettingsDep) -> s.TokenIssued:
    """为系统账号签发限定权限范围、有期限的 API 令牌；令牌明文只返回这一次，平台只保存其哈希。"""
    issued = service.issue_token(session, settings, account_id[:26], name=body.name, scopes=body.scopes,
                                 days=body.days)
    return s.TokenIssued(id=issued.id, token=issued.token, expires_at=issued.expires_at)


@router.get("/accounts/{account_id}/tokens", response_model=s.TokensOut, summary="账号的 API 令牌")
def list_tokens(account_id: str, caller: Annotated[Caller, permit("accounts.manage")],
                session: SessionDep) -> s.TokensOut:
    """列出账号的令牌（不含明文）。"""
    return s.TokensOut(tokens=[s.TokenOut.model_validate(t) for t in repo.tokens_of(session, account_id[:26])])


@router.delete("/tokens/{token_id}", status_code=204, summary="吊销 API 令牌")
def revoke_token(token_id: str, request: Request, caller: Annotated[Caller, permit("accounts.manage")],
                 session: SessionDep) -> None:
    """立即吊销令牌：本进程立即生效，其他服务进程在 CHENGXIN_SYNC_SECONDS（缺省 1 秒）内生效。"""
    service.revoke_token(session, token_id[:26], by=caller)
    request.app.state.authenticate.forget(token_id[:26])


@router.post("/departments", response_model=s.DepartmentOut, status_code=201, summary="登记部门")
def add_department(body: s.DepartmentIn, caller: Annotated[Caller, permit("accounts.manage")],
                   session: SessionDep) -> s.DepartmentOut:
    """平台管理员登记一个部门（编码一经登记不可更改）。"""
    created = departments.ensure(session, {body.code: body.name}) == 1
    return s.DepartmentOut(code=body.code, name=body.name, created=created)
