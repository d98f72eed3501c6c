"""The current caller: who is asking, with which roles, on whose behalf.

Every route declares one permission with `permit("...")` (see
`chengxin.accounts.rules.PERMISSIONS`); the dependency authenticates the request
(bearer API token or login session), checks the permission and returns the
`Caller`. `app.state.authenticate` is the seam: tests and deployments may plug
another authenticator without touching an endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from chengxin.accounts.rules import DEPARTMENT_ROLES, NODE, PERMISSIONS, PUBLIC, ROLES, allowed
from chengxin.errors import DomainError

ROLE_LABELS = {"anonymous": "匿名访问者", **ROLES}
# The role written in the access log when a caller holds several: the most specific one.
_PRIMARY_ORDER = ("person", "third_party", "checker", "submitter", "auditor", "operator", "platform_admin")


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated caller. `role` is the primary role (for logs); `roles` all it holds."""

    role: str
    department_code: str | None = None
    account_id: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    person_key: str | None = None  # a person: whose own data they are
    org_uscc: str | None = None  # a third party: which organisation
    token_id: str | None = None
    ip: str | None = None

    def __post_init__(self) -> None:
        if not self.roles and self.role != "anonymous":
            object.__setattr__(self, "roles", frozenset({self.role}))

    @classmethod
    def of(cls, roles: frozenset[str], **kw: Any) -> Caller:
        primary = next((r for r in _PRIMARY_ORDER if r in roles), "anonymous")
        return cls(primary, roles=roles, **kw)

    def has(self, role: str) -> bool:
        return role in self.roles

    @property
    def may_see_identity(self) -> bool:
        """Whether plain ID numbers may be shown (masked otherwise)."""
        return "operator" in self.roles

    @property
    def is_department(self) -> bool:
        return bool(self.roles & DEPARTMENT_ROLES) and self.department_code is not None

    def require_department(self) -> str:
        if not self.is_department:
            raise DomainError("AUTH_DEPARTMENT_REQUIRED", "此操作需要以部门账号调用", 403)
        assert self.department_code is not None
        return self.department_code

    def require_reader(self) -> None:
        if self.role == "anonymous":
            raise DomainError("AUTH_REQUIRED", "请先登录或提供调用凭证", 401)


ANONYMOUS = Caller("anonymous")
Authenticator = Callable[[Request], Awaitable[Caller]]


class Permit:
    """A route's declared permission, as a dependency: authenticates, then authorises."""

    def __init__(self, permission: str) -> None:
        if permission not in PERMISSIONS:
            raise ValueError(f"unknown permission {permission!r}")
        self.permission = permission

    async def __call__(self, request: Request) -> Caller:
        if self.permission == NODE:
            return ANONYMOUS
        if self.permission == PUBLIC:
            limiter = getattr(request.app.state, "public_limiter", None)
            if limiter is not None:
                limiter.hit(request.client.host if request.client else None)
            return ANONYMOUS
        caller = await _resolve(request)
        if caller.role == "anonymous":
            raise DomainError("AUTH_REQUIRED", "请先登录或提供调用凭证", 401)
        if not allowed(self.permission, caller.roles):
            raise DomainError("AUTH_FORBIDDEN", "当前账号无权进行此操作", 403, permission=self.permission)
        return caller


async def _resolve(request: Request) -> Caller:
    """The caller of this request, authenticated once however many dependencies ask."""
    # Read through the scope: `request.state` raises and catches AttributeError when it is absent.
    cached = request.scope.get("state", {}).get("caller")
    if cached is not None:
        return cached
    authenticate: Authenticator = request.app.state.authenticate
    caller = await authenticate(request)
    request.state.caller = caller
    return caller


async def optional_caller(request: Request) -> Caller:
    """Who is signed in, for pages that show it (navigation); anonymous when the credential fails.

    Not a permission: a route still declares its own `permit`, which raises for a bad credential."""
    try:
        return await _resolve(request)
    except DomainError:
        return ANONYMOUS


def permit(permission: str) -> Any:
    """`caller: Annotated[Caller, permit("checks.run")]` on every route."""
    return Depends(Permit(permission))


def caller_with(permission: str) -> Any:
    return Annotated[Caller, permit(permission)]
