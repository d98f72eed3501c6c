"""Use cases: accounts, tokens, password and identity sign-in, sessions. Never commits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from chengxin.accounts import repository as repo
from chengxin.accounts.models import Account, ApiToken, IdentityChallenge, LoginSession
from chengxin.accounts.providers import Delivery, provider
from chengxin.accounts.rules import (
    API_TOKEN_PREFIX,
    ARGON2_MEMORY_KIB,
    ARGON2_PARALLELISM,
    ARGON2_TIME_COST,
    KIND_ROLES,
    ROLES,
    SESSION_PREFIX,
    format_token,
    hash_secret,
    new_secret,
    password_problem,
    secret_matches,
)
from chengxin.callers import Caller
from chengxin.clock import utcnow
from chengxin.conflicts import rules as naming
from chengxin.conflicts.rules import normal_name
from chengxin.crypto import Keys
from chengxin.departments import repository as departments
from chengxin.errors import DomainError
from chengxin.generations import repository as generations
from chengxin.identity.rules import normalise_uscc, parse_identifier
from chengxin.ids import new_id
from chengxin.keyring.service import current_key, resolve_one
from chengxin.persons import repository as persons
from chengxin.settings import Settings

# argon2id with OWASP's parameters (see accounts.rules); other hashes are replaced at sign-in.
_hasher = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM,
                         type=Type.ID)
CHALLENGE_MINUTES = 5
CHALLENGE_ATTEMPTS = 5
# Verified when the username is unknown, so a failed sign-in takes as long either way.
_DUMMY_HASH = _hasher.hash("chengxin-no-such-account")


@dataclass(frozen=True, slots=True)
class Issued:
    """A credential just made: the plain token is shown once and never stored."""

    id: str
    token: str
    expires_at: datetime


def caller_of(account: Account, scopes: list[str] | None = None, *, token_id: str | None = None,
              ip: str | None = None) -> Caller:
    roles = frozenset(account.roles) & frozenset(scopes if scopes is not None else account.roles)
    return Caller.of(roles, department_code=account.department_code, account_id=account.id,
                     person_key=account.person_key, org_uscc=account.org_uscc, token_id=token_id, ip=ip)


def create_account(session: Session, *, kind: str, display_name: str, roles: list[str],
                   username: str | None = None, department_code: str | None = None,
                   org_uscc: str | None = None, password: str | None = None,
                   person_key: str | None = None) -> Account:
    """A new account; roles must fit its kind, a department account names a known department."""
    if kind not in KIND_ROLES:
        raise DomainError("ACCOUNT_KIND_UNKNOWN", f"未知的账号类型“{kind[:20]}”", 422, kinds=sorted(KIND_ROLES))
    unknown = [r for r in roles if r not in ROLES]
    if unknown or not roles:
        raise DomainError("ACCOUNT_ROLE_UNKNOWN", "角色为空或不存在", 422, roles=sorted(ROLES))
    if not set(roles) <= KIND_ROLES[kind]:
        raise DomainError("ACCOUNT_ROLE_KIND", f"{kind} 类账号不能拥有这些角色", 422,
                          allowed=sorted(KIND_ROLES[kind]))
    if kind == "department":
        if not department_code or departments.get(session, department_code) is None:
            raise DomainError("DEPARTMENT_UNKNOWN", "未登记的部门编码", 422)
    elif department_code:
        raise DomainError("ACCOUNT_DEPARTMENT_UNEXPECTED", "只有部门账号属于部门", 422)
    if kind == "third_party":
        if not org_uscc:
            raise DomainError("ACCOUNT_USCC_REQUIRED", "第三方机构账号须提供统一社会信用代码", 422)
        org_uscc = normalise_uscc(org_uscc)
    if username is not None:
        if not username.replace("_", "").replace("-", "").replace(".", "").isalnum() or len(username) > 64:
            raise DomainError("ACCOUNT_USERNAME_INVALID", "用户名只能包含字母、数字和 _ - .", 422)
        if repo.by_username(session, username) is not None:
            raise DomainError("ACCOUNT_USERNAME_TAKEN", "用户名已被使用", 409)
    account = Account(id=new_id(), kind=kind, username=username, display_name=display_name, roles=sorted(roles),
                      department_code=department_code, org_uscc=org_uscc, person_key=person_key,
                      failed_logins=0, created_at=utcnow())
    if password is not None:
        account.password_hash = _password_hash(password)
    session.add(account)
    session.flush()
    return account


def _password_hash(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise DomainError("ACCOUNT_PASSWORD_WEAK", problem, 422)
    return _hasher.hash(password)


def set_password(session: Session, account_id: str, password: str) -> None:
    account = _account(session, account_id)
    account.password_hash = _password_hash(password)
    account.failed_logins, account.locked_until = 0, None
    session.flush()


def _account(session: Session, account_id: str) -> Account:
    account = repo.get(session, account_id)
    if account is None:
        raise DomainError("ACCOUNT_NOT_FOUND", "账号不存在", 404)
    return account


def issue_token(session: Session, settings: Settings, account_id: str, *, name: str,
                scopes: list[str] | None = None, days: int | None = None) -> Issued:
    """A scoped, expiring API token for a system; the plain token is returned once."""
    account = _account(session, account_id)
    if account.disabled_at is not None:
        raise DomainError("ACCOUNT_DISABLED", "账号已停用", 409)
    scopes = sorted(scopes) if scopes else sorted(account.roles)
    if not set(scopes) <= set(account.roles):
        raise DomainError("TOKEN_SCOPE_INVALID", "令牌权限范围不能超出账号角色", 422, roles=sorted(account.roles))
    days = days or settings.token_days_default
    if not 1 <= days <= settings.token_days_max:
        raise DomainError("TOKEN_DAYS_INVALID", f"令牌有效期须在 1–{settings.token_days_max} 天之间", 422)
    now, secret = utcnow(), new_secret()
    row = ApiToken(id=new_id(), account_id=account.id, name=name[:100], secret_hash=hash_secret(secret),
                   scopes=scopes, created_at=now, expires_at=now + timedelta(days=days))
    session.add(row)
    session.flush()
    return Issued(row.id, format_token(API_TOKEN_PREFIX, row.id, secret), row.expires_at)


def revoke_token(session: Session, token_id: str, *, by: Caller | None = None) -> ApiToken:
    row = repo.token(session, token_id)
    if row is None or (by is not None and not by.has("platform_admin") and row.account_id != by.account_id):
        raise DomainError("TOKEN_NOT_FOUND", "令牌不存在", 404)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        generations.bump(session, generations.CREDENTIALS)  # every process drops its cached credentials
        session.flush()
    return row


def disable_account(session: Session, account_id: str, *, by: Caller) -> tuple[Account, list[str]]:
    """Stop an account: no sign-in, no token, no session works from now on (each credential is checked
    against the account on use). Returns it with its token ids, for the credential cache to forget.
    An administrator cannot stop their own account (someone must be left to undo it)."""
    account = _account(session, account_id)
    if account.id == by.account_id:
        raise DomainError("ACCOUNT_SELF", "不能停用自己正在使用的账号", 409)
    if account.disabled_at is None:
        account.disabled_at = utcnow()
        generations.bump(session, generations.CREDENTIALS)
        session.flush()
    return account, [t.id for t in repo.tokens_of(session, account.id)]


def _open_session(session: Session, account: Account, minutes: int, ip: str | None) -> Issued:
    now, secret = utcnow(), new_secret()
    row = LoginSession(id=new_id(), account_id=account.id, secret_hash=hash_secret(secret), created_at=now,
                       expires_at=now + timedelta(minutes=minutes), ip=ip)
    session.add(row)
    session.flush()
    return Issued(row.id, format_token(SESSION_PREFIX, row.id, secret), row.expires_at)


# One answer for every failed sign-in, a locked account's included: a distinct answer for "locked"
# (it was 423) told anyone who tried a name five times that the name is a staff account. The
# message says a lockout may be why, without saying whether it is.
LOGIN_FAILED = DomainError("AUTH_LOGIN_FAILED", "用户名或密码错误。连续多次输错的账号会被暂时锁定，锁定期间即使密码正确"
                                                "也无法登录，请稍后再试或联系平台管理员", 401)


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """Step one of a password sign-in: the hash the password was checked against, and the answer."""

    password_hash: str | None
    matches: bool


def check_password(session: Session, username: str, password: str) -> PasswordCheck:
    """Step one of a password sign-in, for a transaction that only reads: whether the password
    matches the account's hash. Argon2 takes about a tenth of a second by design; checked here,
    no write lock is held meanwhile (on SQLite every other write would wait that long behind
    each sign-in). `login` records the outcome."""
    account = repo.by_username(session, username)
    if account is None or account.password_hash is None or account.disabled_at is not None:
        _verify(_DUMMY_HASH, password)  # a failed sign-in takes as long either way
        return PasswordCheck(None, False)
    if account.locked_until is not None and account.locked_until > utcnow():
        _verify(account.password_hash, password)  # the same time as any other answer
        return PasswordCheck(None, False)
    return PasswordCheck(account.password_hash, _verify(account.password_hash, password))


def login(session: Session, settings: Settings, checked: PasswordCheck, username: str, password: str,
          ip: str | None) -> tuple[Account, Issued]:
    """Password sign-in with lockout after repeated failures; every outcome is a security event.
    Unknown, disabled and locked accounts get the wrong-password answer, after the same work.
    `checked` is step one (`check_password`); should the hash have changed since, it is checked again."""
    now = utcnow()
    # Locked for the count of failed sign-ins: two failures at once must count two (on PostgreSQL each
    # read the old count and wrote the same one; SQLite's write lock already serialises them).
    account = repo.by_username(session, username, for_update=True)
    if account is None or account.password_hash is None or account.disabled_at is not None:
        repo.add_event(session, at=now, kind="login_failed", account_id=account.id if account else None, ip=ip,
                       detail="unknown_account" if account is None else "no_password")
        raise LOGIN_FAILED
    if account.locked_until is not None and account.locked_until > now:
        repo.add_event(session, at=now, kind="login_failed", account_id=account.id, ip=ip, detail="locked")
        raise LOGIN_FAILED
    matches = (checked.matches if checked.password_hash == account.password_hash
               else _verify(account.password_hash, password))
    if not matches:
        account.failed_logins += 1
        detail = "bad_password"
        if account.failed_logins >= settings.lockout_failures:
            account.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            account.failed_logins = 0
            repo.add_event(session, at=now, kind="login_locked", account_id=account.id, ip=ip)
        repo.add_event(session, at=now, kind="login_failed", account_id=account.id, ip=ip, detail=detail)
        session.flush()
        raise LOGIN_FAILED
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.failed_logins, account.locked_until = 0, None
    repo.add_event(session, at=now, kind="login_ok", account_id=account.id, ip=ip)
    minutes = settings.session_minutes if account.kind == "person" else settings.staff_session_minutes
    return account, _open_session(session, account, minutes, ip)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def logout(session: Session, caller: Caller) -> None:
    if caller.token_id is None:
        return
    row = repo.login_session(session, caller.token_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        generations.bump(session, generations.CREDENTIALS)
        session.flush()


def start_identity(session: Session, settings: Settings, keys: Keys, *, id_type: str, id_number: str,
                   name: str, ip: str | None) -> tuple[IdentityChallenge, Delivery]:
    """Step one of a person's sign-in: the provider sends a one-time code for this identity.

    The answer does not depend on whether the platform knows the number, nor on the name: the
    same statements run and the same answer comes back for every valid number (only its format
    is checked here). The challenge keeps the keyed hash of the identifier and a digest of the
    name; the name is checked at step two, once the code proves the identity."""
    ident = parse_identifier(id_type, id_number)
    key = resolve_one(session, keys, ident.id_type, ident.number)  # the old key mid re-key
    now = utcnow()
    challenge = IdentityChallenge(id=new_id(), provider=settings.identity_provider, subject_key=key, code_hash="",
                                  attempts=0, created_at=now, expires_at=now + timedelta(minutes=CHALLENGE_MINUTES))
    challenge.name_digest = _name_digest(challenge.id, name)
    code, delivery = provider(settings.identity_provider).send_code(challenge.id, ident, name.strip())
    challenge.code_hash = _code_hash(challenge.id, code)
    session.add(challenge)
    session.flush()
    return challenge, delivery


def _code_hash(challenge_id: str, code: str) -> str:
    return hashlib.sha256(f"{challenge_id}:{code}".encode()).hexdigest()


def _name_digest(challenge_id: str, name: str) -> str:
    return hashlib.sha256(f"{challenge_id}:{normal_name(name)}".encode()).hexdigest()


def finish_identity(session: Session, settings: Settings, challenge_id: str, code: str,
                    ip: str | None) -> tuple[Account, Issued]:
    """Step two: the code proves the identity; the person's account is made on first sign-in.

    A provider that verifies names gives the person's identity name, which the platform takes
    (chengxin.conflicts.rules: source identity_provider). With one that does not (the demo), the
    name typed at step one must be the name the platform holds; only the holder of the code
    learns that it is not."""
    now = utcnow()
    challenge = repo.challenge(session, challenge_id)
    if challenge is None or challenge.used_at is not None or challenge.expires_at <= now:
        raise DomainError("AUTH_CHALLENGE_INVALID", "验证请求不存在、已使用或已过期，请重新获取验证码", 401)
    if challenge.attempts >= CHALLENGE_ATTEMPTS:
        raise DomainError("AUTH_CHALLENGE_LOCKED", "验证码错误次数过多，请重新获取验证码", 423)
    if not secret_matches(f"{challenge.id}:{code.strip()}", challenge.code_hash):
        challenge.attempts += 1
        repo.add_event(session, at=now, kind="login_failed", account_id=None, ip=ip, detail="identity_code")
        session.flush()
        raise DomainError("AUTH_CODE_WRONG", "验证码错误", 401, attempts_left=CHALLENGE_ATTEMPTS - challenge.attempts)
    challenge.used_at = now
    key = current_key(session, challenge.subject_key)  # re-keyed since step one
    known = persons.get(session, key)
    vouched = provider(challenge.provider).verified_name(challenge.id)
    if vouched is not None:
        if known is not None and (known.name, known.name_source) != (vouched, naming.IDENTITY_PROVIDER):
            persons.set_names(session, [(key, vouched, naming.IDENTITY_PROVIDER)], now)
    elif known is not None and known.name and challenge.name_digest != _name_digest(challenge.id, known.name):
        repo.add_event(session, at=now, kind="login_failed", account_id=None, ip=ip, detail="identity_name")
        session.flush()
        raise DomainError("AUTH_IDENTITY_MISMATCH", "身份信息核验未通过：证件号码与姓名不一致", 401)
    account = repo.by_person_key(session, key)
    if account is None:
        account = create_account(session, kind="person", display_name="本人", roles=["person"], person_key=key)
    repo.add_event(session, at=now, kind="login_ok", account_id=account.id, ip=ip, detail=challenge.provider)
    return account, _open_session(session, account, settings.session_minutes, ip)


@dataclass(frozen=True, slots=True)
class Verified:
    """What authenticating a bearer credential found (cached by the authenticator)."""

    caller: Caller
    secret_hash: str
    expires_at: datetime
    last_ip: str | None


def verify_credential(session: Session, prefix: str, credential_id: str, secret: str,
                      ip: str | None) -> Verified:
    """Check a token or session against the database; raises a clear 401 otherwise."""
    now = utcnow()
    if prefix == API_TOKEN_PREFIX:
        found = repo.token_with_account(session, credential_id)
        if found is None or not secret_matches(secret, found[0].secret_hash):
            raise DomainError("AUTH_TOKEN_INVALID", "调用凭证无效", 401)
        token, account = found
        if token.revoked_at is not None:
            raise DomainError("AUTH_TOKEN_REVOKED", "调用凭证已吊销", 401)
        if token.expires_at <= now:
            raise DomainError("AUTH_TOKEN_EXPIRED", "调用凭证已过期", 401)
        _require_active(account)
        if token.last_ip is not None and ip is not None and token.last_ip != ip:
            repo.add_event(session, at=now, kind="token_new_ip", account_id=account.id, ip=ip,
                           detail=f"token {token.id}")
        repo.touch_token(session, token.id, now, ip)
        return Verified(caller_of(account, token.scopes, token_id=token.id, ip=ip), token.secret_hash,
                        token.expires_at, ip)
    found_s = repo.session_with_account(session, credential_id)
    if found_s is None or not secret_matches(secret, found_s[0].secret_hash):
        raise DomainError("AUTH_SESSION_INVALID", "登录状态无效，请重新登录", 401)
    login_row, account = found_s
    if login_row.revoked_at is not None or login_row.expires_at <= now:
        raise DomainError("AUTH_SESSION_EXPIRED", "登录已过期，请重新登录", 401)
    _require_active(account)
    return Verified(caller_of(account, token_id=login_row.id, ip=ip), login_row.secret_hash,
                    login_row.expires_at, ip)


def _require_active(account: Account) -> None:
    if account.disabled_at is not None:
        raise DomainError("ACCOUNT_DISABLED", "账号已停用", 401)


def account_names(session: Session, account_ids: Sequence[str]) -> dict[str, str]:
    """How a page names each account: "王五（wangwu）", a system account by its display name; an id that
    names no account reads "已删除的账号" (pages never show an account's id)."""
    found = repo.names(session, account_ids)
    out = {}
    for account_id in {a for a in account_ids if a}:
        if account_id not in found:
            out[account_id] = "已删除的账号"
            continue
        display, username, kind = found[account_id]
        out[account_id] = "本人账号" if kind == "person" else f"{display}（{username}）" if username else display
    return out
