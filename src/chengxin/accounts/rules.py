"""Roles, permissions and credential formats: pure data and functions.

Every route declares one permission (`chengxin.callers.permit`); this table says
which roles hold it. A test walks all routes against it, so a route without a
declared permission, or a public one that should not be, fails the suite.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

ROLES: dict[str, str] = {
    "platform_admin": "平台管理员",
    "operator": "信用办工作人员",
    "submitter": "部门报送",
    "checker": "部门核查系统",
    "auditor": "审计员",
    "person": "信息主体本人",
    "third_party": "第三方机构",
}
DEPARTMENT_ROLES = frozenset({"submitter", "checker"})
# Roles an account of each kind may hold: a department account belongs to a department, a
# third party is an organisation (USCC), a person account is a verified citizen.
KIND_ROLES: dict[str, frozenset[str]] = {
    "staff": frozenset({"platform_admin", "operator", "auditor"}),
    "department": DEPARTMENT_ROLES,
    "third_party": frozenset({"third_party"}),
    "person": frozenset({"person"}),
}

PUBLIC = "public"
NODE = "node"
PERMISSIONS: dict[str, frozenset[str]] = {
    PUBLIC: frozenset(),  # anyone, no credentials
    # Another platform (a configured neighbour): no account, every request signed by its node key and
    # verified by the exchange itself; not held to the public rate limit.
    NODE: frozenset(),
    "self": frozenset(ROLES),  # any signed-in caller, about themselves
    "records.submit": frozenset({"submitter"}),
    "records.read_own": frozenset({"submitter"}),
    "organisations.write": frozenset({"submitter"}),
    "organisations.read": frozenset({"operator", "submitter", "checker"}),
    "files.read": frozenset({"operator", "submitter"}),
    # Listing is the deciding department's act (R13); the credit office keeps no list of its own.
    "lists.write": frozenset({"submitter"}),
    "lists.read": frozenset({"operator", "submitter", "checker"}),
    # A statement in a listing procedure entered at a counter: the deciding department's or the office's.
    "listing.counter": frozenset({"operator", "submitter"}),
    "checks.run": frozenset({"checker"}),
    "checks.feedback": frozenset({"checker"}),
    "checks.rates": frozenset({"operator", "checker"}),
    "watch.manage": frozenset({"checker"}),
    "accounts.manage": frozenset({"platform_admin"}),
    "audit.read": frozenset({"auditor"}),
    "alerts.read": frozenset({"auditor", "operator"}),
    "alerts.acknowledge": frozenset({"auditor"}),
    "person.own": frozenset({"person"}),
    "authorisations.query": frozenset({"third_party"}),
    "agent.act": frozenset({"third_party"}),
    "objections.handle": frozenset({"submitter", "operator"}),
    # The deciding department handles its own matters' repairs; the credit office coordinates every queue (R14).
    "repairs.review": frozenset({"submitter", "operator"}),
    # The one window (R14): a clerk of the credit office files a repair on a person's behalf.
    "repairs.counter": frozenset({"operator"}),
    "tipoffs.handle": frozenset({"operator"}),
    "assessment.read": frozenset({"operator"}),
    # Occupation rosters: the office, and a department for the occupations whose items it submits.
    "roster.read": frozenset({"operator", "submitter"}),
    "articles.manage": frozenset({"operator"}),
    "catalog.manage": frozenset({"operator"}),
    "conflicts.resolve": frozenset({"operator"}),
    "reports.read": frozenset({"operator", "auditor"}),
    "reports.revoke": frozenset({"operator"}),
    "reports.counter": frozenset({"operator"}),
    "exchange.read": frozenset({"operator", "auditor"}),
    "exchange.manage": frozenset({"operator"}),
    "retention.read": frozenset({"operator", "auditor"}),
    # The staff workbench: every role that works in the console (not a person, not a third party).
    "workbench": frozenset({"platform_admin", "operator", "submitter", "checker", "auditor"}),
}

# Password hashing: argon2id with OWASP's current minimum (Password Storage Cheat Sheet: m = 19 MiB,
# t = 2, p = 1). A sign-in verifies in a few tens of milliseconds on one core, where the library's
# default (RFC 9106 low-memory: 64 MiB, t = 3, p = 4) took several times that; a hash made with other
# parameters is replaced by one with these at the next successful sign-in.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 19 * 1024
ARGON2_PARALLELISM = 1

API_TOKEN_PREFIX = "cxt"
SESSION_PREFIX = "cxs"
TOKEN_SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class ParsedToken:
    prefix: str
    token_id: str
    secret: str


def new_secret() -> str:
    return secrets.token_urlsafe(TOKEN_SECRET_BYTES)


def format_token(prefix: str, token_id: str, secret: str) -> str:
    """`cxt_<id>_<secret>`: the id finds the row, the secret is only ever stored hashed."""
    return f"{prefix}_{token_id}_{secret}"


def parse_token(text: str) -> ParsedToken | None:
    """The parts of a bearer token, or None when it is not one of ours."""
    prefix, sep, rest = text.partition("_")
    if not sep or prefix not in (API_TOKEN_PREFIX, SESSION_PREFIX):
        return None
    token_id, sep, secret = rest.partition("_")
    if not sep or len(token_id) != 26 or not token_id.isalnum() or not 20 <= len(secret) <= 100:
        return None
    return ParsedToken(prefix, token_id, secret)


def hash_secret(secret: str) -> str:
    """Tokens carry 256 random bits, so one SHA-256 is enough (a slow hash is for passwords)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def allowed(permission: str, roles: frozenset[str]) -> bool:
    """Whether any of the roles holds the permission (public needs none)."""
    if permission == PUBLIC:
        return True
    return bool(PERMISSIONS[permission] & roles)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (Chinese, for the person), or None."""
    if len(password) < 10:
        return "密码至少 10 位"
    kinds = sum(any(f(c) for c in password) for f in (str.isdigit, str.islower, str.isupper))
    kinds += any(not c.isalnum() for c in password)
    if kinds < 3:
        return "密码须包含大写字母、小写字母、数字、符号中的至少三类"
    return None
