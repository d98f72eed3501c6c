"""All SQL for accounts, tokens, sessions, identity challenges and security events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from chengxin.accounts.models import Account, ApiToken, IdentityChallenge, LoginSession, SecurityEvent


def get(session: Session, account_id: str) -> Account | None:
    return session.get(Account, account_id)


def by_username(session: Session, username: str, *, for_update: bool = False) -> Account | None:
    """The account of a username; `for_update` locks its row (PostgreSQL) for a read-modify-write such
    as counting failed sign-ins, and reads it afresh even if the session holds it already."""
    stmt = select(Account).where(Account.username == username)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return session.scalars(stmt).first()


def by_person_key(session: Session, person_key: str) -> Account | None:
    return session.scalars(select(Account).where(Account.person_key == person_key)).first()


def names(session: Session, account_ids: Sequence[str]) -> dict[str, tuple[str, str | None, str]]:
    """(display name, username, kind) of the accounts, by id: what pages show instead of the id."""
    wanted = sorted({a for a in account_ids if a})
    if not wanted:
        return {}
    rows = session.execute(select(Account.id, Account.display_name, Account.username, Account.kind)
                           .where(Account.id.in_(wanted)))
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def listing(session: Session, kind: str | None = None) -> Sequence[Account]:
    stmt = select(Account).order_by(Account.id)
    if kind:
        stmt = stmt.where(Account.kind == kind)
    return session.scalars(stmt).all()


def token(session: Session, token_id: str) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def tokens_of(session: Session, account_id: str) -> Sequence[ApiToken]:
    return session.scalars(select(ApiToken).where(ApiToken.account_id == account_id).order_by(ApiToken.id)).all()


def token_with_account(session: Session, token_id: str) -> tuple[ApiToken, Account] | None:
    row = session.execute(select(ApiToken, Account).join(Account, Account.id == ApiToken.account_id)
                          .where(ApiToken.id == token_id)).first()
    return None if row is None else (row[0], row[1])


def session_with_account(session: Session, session_id: str) -> tuple[LoginSession, Account] | None:
    row = session.execute(select(LoginSession, Account).join(Account, Account.id == LoginSession.account_id)
                          .where(LoginSession.id == session_id)).first()
    return None if row is None else (row[0], row[1])


def login_session(session: Session, session_id: str) -> LoginSession | None:
    return session.get(LoginSession, session_id)


def touch_token(session: Session, token_id: str, at: datetime, ip: str | None) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at, last_ip=ip))


def challenge(session: Session, challenge_id: str) -> IdentityChallenge | None:
    return session.get(IdentityChallenge, challenge_id)


def add_event(session: Session, *, at: datetime, kind: str, account_id: str | None, ip: str | None,
              detail: str | None = None) -> None:
    session.execute(insert(SecurityEvent).values(at=at, kind=kind, account_id=account_id, ip=ip, detail=detail))


def events(session: Session, *, kind: str | None = None, account_id: str | None = None,
           limit: int = 100) -> Sequence[SecurityEvent]:
    stmt = select(SecurityEvent).order_by(SecurityEvent.seq.desc()).limit(limit)
    if kind:
        stmt = stmt.where(SecurityEvent.kind == kind)
    if account_id:
        stmt = stmt.where(SecurityEvent.account_id == account_id)
    return session.scalars(stmt).all()
