"""The current caller: who is asking, on whose behalf, and what they may see.

Every endpoint takes `CurrentCaller`. Authentication (accounts, tokens,
sessions) is the security issue's work; until then a deployment-visible
development authenticator reads two headers, and `serve` warns loudly when it
is on. The seam is `app.state.authenticate`, so the real one drops in without
touching a single endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chengxin.deps import SessionDep
from chengxin.errors import DomainError

ROLE_LABELS = {
    "anonymous": "匿名访问者",
    "department": "部门报送/核查系统",
    "operator": "信用办工作人员",
}
DEV_DEPARTMENT_HEADER = "X-Chengxin-Department"
DEV_ROLE_HEADER = "X-Chengxin-Role"


@dataclass(frozen=True, slots=True)
class Caller:
    role: str
    department_code: str | None = None
    account_id: str | None = None

    @property
    def may_see_identity(self) -> bool:
        """Whether plain ID numbers may be shown (masked otherwise)."""
        return self.role == "operator"

    def require_department(self) -> str:
        if self.role != "department" or not self.department_code:
            raise DomainError("AUTH_DEPARTMENT_REQUIRED", "此操作需要以报送部门身份调用", 401)
        return self.department_code

    def require_reader(self) -> None:
        if self.role == "anonymous":
            raise DomainError("AUTH_REQUIRED", "请先登录或提供调用凭证", 401)


Authenticator = Callable[[Request, Session], Caller]


def dev_header_authenticator(request: Request, session: Session) -> Caller:
    """Development only: trust `X-Chengxin-Department` / `X-Chengxin-Role` headers."""
    from chengxin.departments import repository as departments

    role = request.headers.get(DEV_ROLE_HEADER, "").strip()
    department = request.headers.get(DEV_DEPARTMENT_HEADER, "").strip()
    if role == "operator":
        return Caller("operator")
    if department:
        if departments.get(session, department) is None:
            raise DomainError("DEPARTMENT_UNKNOWN", "未登记的部门编码", 403)
        return Caller("department", department)
    return Caller("anonymous")


def current_caller(request: Request, session: SessionDep) -> Caller:
    authenticate: Authenticator = request.app.state.authenticate
    return authenticate(request, session)


CurrentCaller = Annotated[Caller, Depends(current_caller)]
