"""The administrator's pages: accounts (list, create, disable), their API tokens (issue, shown once;
revoke) and departments (list, register). The same services as the JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.accounts import repository as repo
from chengxin.accounts import service
from chengxin.accounts.models import Account
from chengxin.accounts.rules import KIND_ROLES, ROLES
from chengxin.accounts.schemas import DepartmentIn
from chengxin.callers import Caller, permit
from chengxin.clock import utcnow
from chengxin.departments import repository as departments
from chengxin.deps import SessionDep, SettingsDep
from chengxin.errors import DomainError
from chengxin.web.forms import model_from_form
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Caller, permit("accounts.manage")]
Short = Annotated[str, Form(max_length=200)]
KINDS = {"staff": "工作人员", "department": "部门系统", "third_party": "第三方机构", "person": "本人"}
# Which field of the new-account form an error is about ("" is the whole form).
ACCOUNT_FIELDS = {
    "ACCOUNT_ROLE_UNKNOWN": "roles", "ACCOUNT_ROLE_KIND": "roles", "DEPARTMENT_UNKNOWN": "department_code",
    "ACCOUNT_DEPARTMENT_UNEXPECTED": "department_code", "ACCOUNT_USCC_REQUIRED": "org_uscc",
    "ACCOUNT_USERNAME_INVALID": "username", "ACCOUNT_USERNAME_TAKEN": "username", "ACCOUNT_PASSWORD_WEAK": "password",
    "ACCOUNT_KIND_UNKNOWN": "kind", "ID_USCC_INVALID": "org_uscc", "ACCOUNT_NAME_REQUIRED": "display_name",
}


def _status(a: Account) -> tuple[str, str]:
    """An account's state as a tag: (words, tone)."""
    if a.disabled_at is not None:
        return "已停用", "bad"
    if a.locked_until is not None and a.locked_until > utcnow():
        return "已锁定", "warn"
    return "在用", "ok"


def _accounts_page(request: Request, session: SessionDep, *, typed: dict[str, object] | None = None,
                   errors: dict[str, str] | None = None) -> HTMLResponse:
    accounts = [a for a in repo.listing(session) if a.kind != "person"]
    names = departments.names(session)
    return render(request, "accounts/admin_accounts.html", accounts=accounts, kinds=KINDS, roles=ROLES,
                  kind_roles={k: sorted(v) for k, v in KIND_ROLES.items() if k != "person"}, departments=names,
                  status=_status, errors=errors or {}, typed=typed or {"kind": "staff", "roles": []},
                  persons=sum(1 for a in repo.listing(session, "person")))


@router.get("/console/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, caller: Admin, session: SessionDep) -> HTMLResponse:
    """账号管理：工作人员、部门系统和第三方机构账号，状态与角色；新建账号。"""
    return _accounts_page(request, session)


@router.post("/console/accounts", response_class=HTMLResponse)
def create_account_page(request: Request, caller: Admin, session: SessionDep,
                        kind: Annotated[str, Form(max_length=16)] = "", display_name: Short = "",
                        username: Annotated[str, Form(max_length=64)] = "",
                        password: Annotated[str, Form(max_length=200)] = "",
                        roles: Annotated[list[str] | None, Form()] = None,
                        department_code: Annotated[str, Form(max_length=64)] = "",
                        org_uscc: Annotated[str, Form(max_length=18)] = "") -> Response:
    """新建账号；填写有误时回到表单说明原因，保留所填内容（密码除外）。"""
    typed: dict[str, object] = {"kind": kind, "display_name": display_name, "username": username,
                                "roles": roles or [], "department_code": department_code, "org_uscc": org_uscc}
    try:
        if not display_name.strip():
            raise DomainError("ACCOUNT_NAME_REQUIRED", "请填写账号名称", 422)
        if kind == "staff" and not (username.strip() and password):
            raise DomainError("ACCOUNT_USERNAME_INVALID" if not username.strip() else "ACCOUNT_PASSWORD_WEAK",
                              "工作人员账号须设置用户名" if not username.strip() else "工作人员账号须设置初始密码", 422)
        account = service.create_account(
            session, kind=kind, display_name=display_name.strip(), roles=roles or [],
            username=username.strip() or None, password=password or None,
            department_code=(department_code or None) if kind == "department" else None,
            org_uscc=(org_uscc.strip() or None) if kind == "third_party" else None)
    except DomainError as err:
        return _accounts_page(request, session, typed=typed, errors={ACCOUNT_FIELDS.get(err.code, ""): err.message})
    return RedirectResponse(f"/console/accounts/{account.id}?created=1", status_code=303)


def _account_page(request: Request, session: SessionDep, account_id: str, *, issued: service.Issued | None = None,
                  errors: dict[str, str] | None = None, typed: dict[str, object] | None = None,
                  created: bool = False) -> HTMLResponse:
    account = repo.get(session, account_id[:26])
    if account is None or account.kind == "person":
        raise DomainError("ACCOUNT_NOT_FOUND", "账号不存在", 404)
    tokens = repo.tokens_of(session, account.id)
    now = utcnow()
    return render(request, "accounts/admin_account.html", a=account, kinds=KINDS, roles=ROLES, status=_status,
                  departments=departments.names(session), tokens=tokens, now=now, issued=issued,
                  errors=errors or {}, typed=typed or {"name": "", "days": "", "scopes": []}, created=created)


@router.get("/console/accounts/{account_id}", response_class=HTMLResponse)
def account_page(account_id: str, request: Request, caller: Admin, session: SessionDep,
                 created: str = "") -> HTMLResponse:
    """一个账号：角色、所属部门或机构、状态，API 令牌（签发、吊销），停用账号。"""
    return _account_page(request, session, account_id, created=created == "1")


@router.post("/console/accounts/{account_id}/tokens", response_class=HTMLResponse)
def issue_token_page(account_id: str, request: Request, caller: Admin, session: SessionDep, settings: SettingsDep,
                     name: Short = "", days: Annotated[str, Form(max_length=6)] = "",
                     scopes: Annotated[list[str] | None, Form()] = None) -> HTMLResponse:
    """签发 API 令牌：令牌明文只在这一页显示一次，平台只保存其哈希。"""
    typed: dict[str, object] = {"name": name, "days": days, "scopes": scopes or []}
    try:
        if not name.strip():
            raise DomainError("TOKEN_NAME_REQUIRED", "请填写令牌用途", 422)
        if days and not days.isdigit():
            raise DomainError("TOKEN_DAYS_INVALID", "有效期须为天数", 422)
        issued = service.issue_token(session, settings, account_id[:26], name=name.strip(), scopes=scopes or None,
                                     days=int(days) if days else None)
    except DomainError as err:
        field = {"TOKEN_NAME_REQUIRED": "name", "TOKEN_DAYS_INVALID": "days", "TOKEN_SCOPE_INVALID": "scopes"}
        if err.code == "ACCOUNT_NOT_FOUND":
            raise
        return _account_page(request, session, account_id, typed=typed,
                             errors={field.get(err.code, ""): err.message})
    response = _account_page(request, session, account_id, issued=issued)
    response.headers["Cache-Control"] = "no-store"  # the plain token is on this page
    return response


@router.post("/console/tokens/{token_id}/revoke")
def revoke_token_page(token_id: str, request: Request, caller: Admin, session: SessionDep) -> Response:
    """立即吊销一个 API 令牌。"""
    row = service.revoke_token(session, token_id[:26], by=caller)
    request.app.state.authenticate.forget(row.id)
    return RedirectResponse(f"/console/accounts/{row.account_id}", status_code=303)


@router.post("/console/accounts/{account_id}/disable")
def disable_page(account_id: str, request: Request, caller: Admin, session: SessionDep) -> Response:
    """停用账号：此后不能登录，令牌和登录状态随即失效。"""
    account, token_ids = service.disable_account(session, account_id[:26], by=caller)
    for token_id in token_ids:
        request.app.state.authenticate.forget(token_id)
    return RedirectResponse(f"/console/accounts/{account.id}", status_code=303)


def _departments_page(request: Request, session: SessionDep, *, typed: dict[str, str] | None = None,
                      errors: dict[str, str] | None = None, added: str = "") -> HTMLResponse:
    counts: dict[str, int] = {}
    for a in repo.listing(session, "department"):
        counts[a.department_code or ""] = counts.get(a.department_code or "", 0) + 1
    return render(request, "accounts/admin_departments.html", departments=sorted(departments.names(session).items()),
                  counts=counts, typed=typed or {"code": "", "name": ""}, errors=errors or {}, added=added)


@router.get("/console/departments", response_class=HTMLResponse)
def departments_page(request: Request, caller: Admin, session: SessionDep, added: str = "") -> HTMLResponse:
    """部门管理：已登记的部门及其系统账号数；登记新部门。"""
    return _departments_page(request, session, added=added[:64])


@router.post("/console/departments", response_class=HTMLResponse)
def add_department_page(request: Request, caller: Admin, session: SessionDep,
                        code: Annotated[str, Form(max_length=64)] = "", name: Short = "") -> Response:
    """登记部门（编码一经登记不可更改）；填写有误时回到表单说明原因，保留所填内容。"""
    typed = {"code": code, "name": name}
    try:
        body = model_from_form(DepartmentIn, {"code": "部门编码", "name": "部门名称"}, code=code.strip(),
                               name=name.strip())
        if departments.get(session, body.code) is not None:
            raise DomainError("DEPARTMENT_EXISTS", "该部门编码已经登记", 409)
        departments.ensure(session, {body.code: body.name})
    except DomainError as err:
        found = err.extra.get("errors", [])
        errors = ({"code" if e["field"] == "部门编码" else "name": f"{e['field']}：{e['message']}" for e in found}
                  if found else {"code": err.message})
        return _departments_page(request, session, typed=typed, errors=errors)
    return RedirectResponse(f"/console/departments?added={body.code}", status_code=303)
