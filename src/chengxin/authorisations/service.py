"""Use cases of authorised queries: a person grants, lists and revokes; a third party queries.

Services never commit. A refused query is still an answer the access log must keep:
`query` appends the refusal before raising `Refused`, and the endpoint turns that into
a 403 response without rolling the transaction back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NoReturn

from sqlalchemy.orm import Session

from chengxin.access.service import Read, log_reads
from chengxin.authorisations import repository as repo
from chengxin.authorisations import rules
from chengxin.authorisations import schemas as s
from chengxin.authorisations.models import Authorisation
from chengxin.authorisations.rules import Refused
from chengxin.callers import Caller
from chengxin.catalog.rules import Catalog
from chengxin.clock import CHINA, utcnow
from chengxin.creditfile.service import build_file
from chengxin.crypto import Keys
from chengxin.errors import DomainError, NotFound
from chengxin.exchange import disclosures
from chengxin.identity.rules import normalise_uscc
from chengxin.ids import new_id
from chengxin.keyring.service import current_key, history_keys
from chengxin.masking import third_party_file
from chengxin.persons import repository as persons
from chengxin.publicity.rules import Tier
from chengxin.signing import Signer

ACTION = "authorised_query"
NOTICE = "仅含授权范围内的信息；仅政务共享的信息、已撤销的记录和依法保护的未成年人信息不予提供。"


def _grantor(caller: Caller) -> str:
    if not caller.person_key:
        raise DomainError("AUTH_PERSON_REQUIRED", "此操作须由信息主体本人登录后进行", 403)
    return caller.person_key


def _organisation(caller: Caller) -> str:
    if not caller.org_uscc:
        raise DomainError("AUTH_ORGANISATION_REQUIRED", "此操作须以第三方机构账号调用", 403)
    return caller.org_uscc


def _aware(moment: datetime) -> datetime:
    """A time without a zone is Beijing time (what a person in China means)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA)


# --- the person -------------------------------------------------------------------------------

def grant(session: Session, caller: Caller, body: s.GrantIn, *, catalog: Catalog, signer: Signer,
          max_days: int, now: datetime | None = None) -> Authorisation:
    """Record a grant and sign its receipt."""
    grantor = _grantor(caller)
    now = rules.whole_seconds(now or utcnow())
    grantee = normalise_uscc(body.grantee_uscc)
    code, text = rules.normalise_purpose(body.purpose_code, body.purpose)
    scope = rules.normalise_scope(body.scope, catalog)
    valid_from = rules.whole_seconds(_aware(body.valid_from)) if body.valid_from else now
    valid_until = rules.whole_seconds(_aware(body.valid_until))
    rules.check_validity(valid_from, valid_until, now=now, max_days=max_days)
    row = Authorisation(id=new_id(), grantor_key=grantor, grantee_uscc=grantee, purpose_code=code, purpose=text,
                        scope=scope, valid_from=valid_from, valid_until=valid_until, use_mode=body.use_mode,
                        issued_at=now, revoked_at=None, use_count=0, last_used_at=None)
    signature = rules.sign_receipt(row, signer)
    row.key_id, row.signature = signature.key_id, signature.value
    repo.add(session, row)
    return row


def own(session: Session, caller: Caller) -> Sequence[Authorisation]:
    # A grant keeps the key its receipt was signed with; after a re-key it is an old key of the person.
    return repo.of_grantor(session, *history_keys(session, _grantor(caller)))


def get_own(session: Session, caller: Caller, authorisation_id: str) -> Authorisation:
    """One of the caller's own grants; someone else's is as unknown as a missing one."""
    grantor = _grantor(caller)
    row = repo.get(session, authorisation_id[:64])
    if row is None or (row.grantor_key != grantor and row.grantor_key not in history_keys(session, grantor)):
        raise NotFound("AUTHZ_NOT_FOUND", "没有找到该授权")
    return row


def revoke(session: Session, caller: Caller, authorisation_id: str, now: datetime | None = None) -> Authorisation:
    """Revoke at once: the next query, from any process, is refused (nothing caches grants)."""
    row = get_own(session, caller, authorisation_id)
    repo.revoke(session, row.id, now or utcnow())
    fresh = repo.get(session, row.id)
    assert fresh is not None
    return fresh


def to_out(row: Authorisation, catalog: Catalog, now: datetime | None = None) -> s.AuthorisationOut:
    state = rules.status_of(row, now or utcnow())
    doc = rules.receipt_document(row, rules.Signature(row.key_id, row.signature))
    return s.AuthorisationOut(
        id=row.id, grantee_uscc=row.grantee_uscc, purpose_code=row.purpose_code,
        purpose_label=rules.PURPOSES.get(row.purpose_code, row.purpose_code), purpose=row.purpose,
        scope=list(row.scope), scope_labels=[scope_label(c, catalog) for c in row.scope],
        valid_from=row.valid_from, valid_until=row.valid_until, use_mode=row.use_mode,
        use_mode_label=rules.USE_MODES.get(row.use_mode, row.use_mode), issued_at=row.issued_at,
        revoked_at=row.revoked_at, use_count=row.use_count, last_used_at=row.last_used_at, status=state,
        status_label=rules.STATUSES[state], receipt=s.ReceiptDoc.model_validate(doc))


def scope_label(code: str, catalog: Catalog) -> str:
    return rules.FULL_REPORT_LABEL if code == rules.FULL_REPORT else catalog.category_name(code)


# --- the third party --------------------------------------------------------------------------

def use(session: Session, caller: Caller, authorisation_id: str, body: s.QueryIn, *, catalog: Catalog,
        now: datetime, action: str = ACTION) -> tuple[Authorisation, list[str], str]:
    """Check and count one use of a grant by the calling third party: the grant (with the use
    counted), the categories asked for and the stated purpose. Every refusal is logged under
    `action` and raised as `Refused`."""
    organisation = _organisation(caller)
    stated = rules.stated_purpose(body.purpose_code, body.purpose)
    ref = body.business_ref
    looks_like_id = len(authorisation_id) == 26 and authorisation_id.isascii() and authorisation_id.isalnum()
    grant_ = repo.get(session, authorisation_id) if looks_like_id else None
    if grant_ is None:
        # No person to attribute the attempt to: logged against no subject, for abnormal-use rules.
        _refuse(session, caller, "AUTHZ_NOT_FOUND", subject="", basis=authorisation_id if looks_like_id else None,
                purpose=stated, business_ref=ref, action=action)
    requested = sorted({c.strip() for c in body.scope or () if c.strip()}) or list(grant_.scope)
    code = rules.refusal(grant_, now=now, grantee=organisation, purpose_code=body.purpose_code,
                         purpose=body.purpose, scope=requested, catalog=catalog)
    if code is None and not repo.consume(session, grant_.id, now):
        # Revoked or spent by a concurrent request since it was read: say which.
        grant_ = repo.get(session, grant_.id)
        assert grant_ is not None
        code = rules.refusal(grant_, now=now, grantee=organisation, purpose_code=body.purpose_code,
                             purpose=body.purpose, scope=requested, catalog=catalog) or "AUTHZ_USED"
    if code is not None:
        _refuse(session, caller, code, subject=grant_.grantor_key, basis=grant_.id, purpose=stated,
                business_ref=ref, action=action)
    grant_ = repo.get(session, grant_.id)  # with the use just counted
    assert grant_ is not None
    return grant_, requested, stated


def query(session: Session, caller: Caller, authorisation_id: str, body: s.QueryIn, *, catalog: Catalog,
          keys: Keys, tiers: dict[str, Tier], now: datetime | None = None) -> s.AuthorisedReport:
    """The person's file as the grant allows, masked; the read and every refusal are logged."""
    now = now or utcnow()
    grant_, requested, stated = use(session, caller, authorisation_id, body, catalog=catalog, now=now)
    day = now.astimezone(CHINA).date()
    person_key = current_key(session, grant_.grantor_key)  # the signed grant keeps the key of its day
    person = persons.get(session, person_key)
    file = None
    if person is not None:
        full = build_file(session, catalog=catalog, keys=keys, tiers=tiers, person_key=person_key,
                          caller=caller, as_of=day)
        file = third_party_file(full, birth_date=person.birth_date,
                                categories=rules.categories_of(requested, catalog))
        # What it received: should a matter later be revoked or repaired, it is told (R14).
        disclosures.record(session, person_key, [m.id for c in file.categories for m in c.matters],
                           receiver=grant_.grantee_uscc, via="authorised_query", via_ref=grant_.id, now=now)
    log_reads(session, caller, ACTION, [Read(person_key, "ok")], purpose=stated, basis=grant_.id,
              business_ref=body.business_ref)
    return s.AuthorisedReport(
        authorisation_id=grant_.id, grantee_uscc=grant_.grantee_uscc, purpose_code=grant_.purpose_code,
        purpose_label=rules.PURPOSES.get(grant_.purpose_code, grant_.purpose_code), scope=requested, as_of=day,
        queried_at=now, use_count=grant_.use_count, found=file is not None, file=file, notice=NOTICE)


def _refuse(session: Session, caller: Caller, code: str, *, subject: str, basis: str | None, purpose: str,
            business_ref: str | None, action: str = ACTION) -> NoReturn:
    """Log a refused attempt (the code as its result, no personal data) and refuse."""
    log_reads(session, caller, action, [Read(subject, code)], purpose=purpose, basis=basis,
              business_ref=business_ref)
    raise Refused(code)



def agent_for(session: Session, caller: Caller, authorisation_id: str, *, category_of: Callable[[str], str | None],
              catalog: Catalog, now: datetime | None = None) -> str:
    """The person a third party may act for (objections, repairs) under an agent authorisation
    covering the category of what it acts on (`category_of(person_key)`, which may raise when the
    person has no such record); the grant is used once, so a single-use grant is then spent."""
    organisation = _organisation(caller)
    now = now or utcnow()
    grant_ = repo.get(session, (authorisation_id or "")[:26])
    if grant_ is None:
        raise Refused("AUTHZ_NOT_FOUND")
    if grant_.grantee_uscc != organisation:
        raise Refused("AUTHZ_GRANTEE")
    person_key = current_key(session, grant_.grantor_key)
    category = category_of(person_key)
    code = rules.refusal(grant_, now=now, grantee=organisation, purpose_code=rules.AGENT, purpose=None,
                         scope=[category] if category else [rules.FULL_REPORT], catalog=catalog)
    if code is None and not repo.consume(session, grant_.id, now):
        code = "AUTHZ_USED"
    if code is not None:
        raise Refused(code)
    return person_key
