"""Use cases of the credential: the person sees what they may be given, is given it, lists and
revokes theirs; anyone verifies one and asks its status. Services never commit.

A status check reads the person's standing today, so it is a read of their data: it goes into
the access log (`credential_check`) and the person sees it under "谁查询了我".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chengxin.access.service import Read, log_reads
from chengxin.callers import ANONYMOUS, Caller
from chengxin.catalog.rules import Catalog
from chengxin.clock import utcnow
from chengxin.credentials import repository as repo
from chengxin.credentials import rules
from chengxin.credentials.models import Credential
from chengxin.creditfile.schemas import CreditFile
from chengxin.creditfile.service import build_file
from chengxin.crypto import Keys
from chengxin.errors import DomainError, NotFound
from chengxin.ids import new_id
from chengxin.masking import CHILD_MONTHS, mask_id, mask_name
from chengxin.persons import repository as persons
from chengxin.publicity.rules import Tier, add_months
from chengxin.reports.standing import Standing, standing
from chengxin.settings import Settings
from chengxin.signing import Signer

CHECK = "credential_check"
CHECK_PURPOSE = "信用凭证核验"
OWN_STATES = {"active": "有效", "expired": "已过期", "revoked": "已撤销"}


@dataclass(frozen=True, slots=True)
class Context:
    """What reading a file needs (the request's catalog, keys and tiers)."""

    catalog: Catalog
    keys: Keys
    tiers: dict[str, Tier]


def _person(caller: Caller) -> str:
    if not caller.person_key:
        raise DomainError("AUTH_PERSON_REQUIRED", "此操作须由信息主体本人登录后进行", 403)
    return caller.person_key


def _standing(session: Session, ctx: Context, person_key: str, caller: Caller) -> tuple[CreditFile, Standing]:
    file = build_file(session, catalog=ctx.catalog, keys=ctx.keys, tiers=ctx.tiers, person_key=person_key,
                      caller=caller, own_view=True)
    return file, standing(file)


def _child(session: Session, person_key: str, day: Any) -> bool:
    """Under 14 on `day`: what a child's file says goes to no one but them and their guardian
    (PIPL arts. 28, 31; `chengxin.masking`), so no credential is made to be shown to others."""
    person = persons.get(session, person_key)
    return bool(person and person.birth_date and day < add_months(person.birth_date, CHILD_MONTHS))


def own_offers(session: Session, caller: Caller, ctx: Context) -> tuple[CreditFile | None, list[rules.Offer],
                                                                         DomainError | None]:
    """The person's file, the claims they may ask for today (each allowed or refused with its
    reason), or why none can be issued at all. Reading one's own file is logged as such."""
    key = _person(caller)
    try:
        file, found = _standing(session, ctx, key, caller)
    except DomainError as err:
        if err.code != "PERSON_NOT_FOUND":
            raise
        return None, [], _no_file()
    log_reads(session, caller, "own_view", [Read(key, "ok")], purpose="本人查询（信用凭证）")
    if _child(session, key, file.as_of):
        return file, [], _child_refused()
    return file, rules.offers(found, file.as_of), None


def _no_file() -> DomainError:
    return DomainError("CREDENTIAL_NO_FILE", "平台中还没有您的登记信息，暂时无法出具信用凭证", 422)


def _child_refused() -> DomainError:
    return DomainError("CREDENTIAL_CHILD",
                       "未满十四周岁的未成年人的信用信息受特别保护，平台不出具用于向他人出示的信用凭证", 422)


def issue(session: Session, caller: Caller, ctx: Context, *, claim: str, detail: str | None, signer: Signer,
          settings: Settings, now: datetime | None = None) -> Credential:
    """Sign one claim about the caller, valid for `credential_minutes` from now; `rules.Refused`
    (422, with the reason) when it is not true of them today."""
    key = _person(caller)
    now = (now or utcnow()).replace(microsecond=0)
    try:
        file, found = _standing(session, ctx, key, caller)
    except DomainError as err:
        raise _no_file() if err.code == "PERSON_NOT_FOUND" else err from None
    if _child(session, key, file.as_of):
        raise _child_refused()
    offer = rules.choose(found, file.as_of, claim, detail)
    log_reads(session, caller, "own_view", [Read(key, "ok")], purpose="出具信用凭证")
    credential_id = new_id()
    until = now + timedelta(minutes=settings.credential_minutes)
    unsigned = rules.document(
        credential_id=credential_id, base_url=settings.public_url, issuer_name=settings.site_name,
        claim=offer.claim, text=offer.statement, as_of=file.as_of, name=mask_name(file.identity.name),
        id_number=mask_id(file.identity.id_number), valid_from=now, valid_until=until)
    doc = rules.sign(unsigned, signer, settings.public_url, now)
    row = Credential(id=credential_id, subject_key=key, claim=offer.claim, claim_detail=offer.detail,
                     issued_at=now, valid_until=until, revoked_at=None, document=doc)
    repo.add(session, row)
    return row


def own(session: Session, caller: Caller) -> Sequence[Credential]:
    return repo.of_subject(session, _person(caller))


def get_own(session: Session, caller: Caller, credential_id: str) -> Credential:
    """One of the caller's credentials; someone else's is as unknown as a missing one."""
    row = repo.get(session, credential_id[:64])
    if row is None or row.subject_key != _person(caller):
        raise NotFound("CREDENTIAL_NOT_FOUND", "没有找到该信用凭证")
    return row


def revoke(session: Session, caller: Caller, credential_id: str, now: datetime | None = None) -> Credential:
    """Withdraw a credential at once: from now on its status is "revoked"."""
    row = get_own(session, caller, credential_id)
    repo.revoke(session, row.id, now or utcnow())
    fresh = repo.get(session, row.id)
    assert fresh is not None
    return fresh


def own_state(row: Credential, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if now >= row.valid_until else "active"


# --- anyone ------------------------------------------------------------------------------------

def _registered(session: Session, ctx: Context, row: Credential, now: datetime) -> tuple[str, str]:
    """(status, code) of a registered credential now, read from the register and, while it lasts,
    from the person's standing today; the read is logged for the person."""
    if row.revoked_at is not None and row.revoked_at <= now:
        status, code = "revoked", "CREDENTIAL_REVOKED"
    elif now >= row.valid_until:
        status, code = "expired", "CREDENTIAL_EXPIRED"
    else:
        try:
            _, found = _standing(session, ctx, row.subject_key, ANONYMOUS)
            holds = rules.still_true(row.claim, row.claim_detail, found)
        except NotFound:  # the person's data is gone: nothing is true of them any more
            holds = False
        status, code = ("valid", "CREDENTIAL_VALID") if holds else ("superseded", "CREDENTIAL_SUPERSEDED")
    log_reads(session, ANONYMOUS, CHECK, [Read(row.subject_key, status, row.id)], purpose=CHECK_PURPOSE)
    return status, code


def status(session: Session, ctx: Context, credential_id: str, now: datetime | None = None) -> tuple[str, str]:
    """The current status of a credential by its id (no signature to check: the register's word)."""
    row = repo.get(session, credential_id[:64])
    if row is None:
        raise NotFound("CREDENTIAL_UNKNOWN", rules.MESSAGES["CREDENTIAL_UNKNOWN"])
    return _registered(session, ctx, row, now or utcnow())


def verify(session: Session, ctx: Context, doc: Any, signer: Signer, now: datetime | None = None) -> rules.Verdict:
    """Online verification: the offline checks (signature, validity), then the register (revoked?)
    and the person's standing today (still true?). Nothing is read about anyone when the
    credential fails offline."""
    now = now or utcnow()
    verdict = rules.verify(doc, signer.public_keys(), now)
    if not verdict.valid:
        return verdict
    assert verdict.credential_id is not None
    row = repo.get(session, verdict.credential_id)
    if row is None:
        return verdict.but("altered", "CREDENTIAL_UNKNOWN")
    return verdict.but(*_registered(session, ctx, row, now))
