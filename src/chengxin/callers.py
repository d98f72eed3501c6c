"""The current caller: who is asking, on whose behalf, and what they may see.

Every endpoint takes `CurrentCaller`. Authentication (accounts, tokens,
sessions) is the security issue's work; until then a deployment-visible
development authenticator reads two headers, and `serve` warns loudly when it
is on. The seam is `app.state.authenticate`, so the real one drops in without
touching a single endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chengxin.deps import SessionDep
from chengxin.errors import DomainError

ROLE_LABELS = {
    "anonymous": "匿名访问者",
    "department": "部门报送/核查系统",
    "operator": "信用办工作人员",
}
DEV_DEPARTMENT_HEADER = "X-Chengxin-Department"
DEV_ROLE_HEADER = "X-Chengxin-Role"
# Registered department codes, per application, for the development authenticator. Departments
# are only ever added, so a code found once stays valid; a code not in the cache is looked up
# again (a department registered since is found), and the cache is reloaded at most this often.
DEPARTMENT_CACHE_SECONDS = 60.0


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
    caller = _dev_caller(request)
    if caller is not None:
        return caller
    department = request.headers.get(DEV_DEPARTMENT_HEADER, "").strip()
    if department not in _load_departments(request, session):
        raise DomainError("DEPARTMENT_UNKNOWN", "未登记的部门编码", 403)
    return Caller("department", department)


def _dev_caller(request: Request) -> Caller | None:
    """The caller the headers name when that needs no database (None when it does)."""
    role = request.headers.get(DEV_ROLE_HEADER, "").strip()
    department = request.headers.get(DEV_DEPARTMENT_HEADER, "").strip()
    if role == "operator":
        return Caller("operator")
    if not department:
        return Caller("anonymous")
    cached = getattr(request.app.state, "dev_departments", None)
    if cached is not None and department in cached[1] and time.monotonic() < cached[0]:
        return Caller("department", department)
    return None


def _load_departments(request: Request, session: Session) -> frozenset[str]:
    from chengxin.departments import repository as departments

    codes = frozenset(departments.all_codes(session))
    request.app.state.dev_departments = (time.monotonic() + DEPARTMENT_CACHE_SECONDS, codes)
    return codes


async def current_caller(request: Request, session: SessionDep) -> Caller:
    authenticate: Authenticator = request.app.state.authenticate
    if authenticate is dev_header_authenticator:
        caller = _dev_caller(request)  # no database, so no worker thread either
        if caller is not None:
            return caller
    # An authenticator may block on the database: off the event loop.
    return await run_in_threadpool(authenticate, request, session)


CurrentCaller = Annotated[Caller, Depends(current_caller)]
