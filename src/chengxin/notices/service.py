"""Notice use cases: enqueue with the change, tell upper-level platforms, the delivery worker,
a person's mailbox and contact details.

`enqueue` and `tell_upstream` only add outbox rows to the caller's transaction: the notice
exists exactly when the change that causes it commits. `deliver_due` (jobs, `chengxin notices
deliver`) sends them: each notice is claimed under a lease in a transaction of its own, sent
outside any transaction, and its outcome recorded in a third, so progress survives a crash and
two workers never send the same notice at the same time.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from chengxin.callers import Caller
from chengxin.clock import utcnow
from chengxin.crypto import Keys
from chengxin.db import unit_of_work
from chengxin.errors import DomainError, NotFound
from chengxin.ids import new_id
from chengxin.notices import repository as repo
from chengxin.notices import rules
from chengxin.notices.channels import (
    Channel,
    ChannelError,
    Contact,
    Email,
    FileOutbox,
    InApp,
    Outgoing,
    Sms,
    Upstream,
)
from chengxin.notices.models import InboxMessage, Notice
from chengxin.settings import Settings, get_settings
from chengxin.signing import Signer, load_signer

log = logging.getLogger("chengxin.notices")

# Contact ciphertexts are bound to their column, not to the person key (as persons.id_cipher
# is): a re-key of the hash secret moves this row to the person's new key with a plain UPDATE,
# after which a ciphertext bound to the old key could no longer be read.
PHONE_CONTEXT = b"person_contacts.phone"
EMAIL_CONTEXT = b"person_contacts.email"
DEFAULT_LIMIT = 200


def _notice_row(subject_key: str, kind: str, key: str, channel: str, title: str, body: str,
                payload: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    ikey = rules.idempotency_key(kind, key, channel)
    if not kind or len(kind) > 32 or not key or len(ikey) > rules.MAX_KEY or len(title) > 200:
        raise DomainError("NOTICE_INVALID", "通知的类别、编号或标题过长或为空", 422)
    return {"subject_key": subject_key, "id": new_id(), "idempotency_key": ikey, "kind": kind,
            "channel": channel, "title": title, "body": body, "payload": payload, "status": rules.PENDING,
            "attempts": 0, "next_attempt_at": now, "lease_until": None, "delivered_at": None,
            "last_error": None, "created_at": now}


def enqueue(session: Session, *, person_key: str, kind: str, key: str, title: str, body: str,
            channels: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """Owe the person a notice on each channel (default: setting `notice_channels`), in the
    caller's transaction. (kind, key) names the notice: enqueuing it again adds nothing. Returns
    the rows added."""
    names = rules.parse_channels(channels if channels is not None else (settings or get_settings()).notice_channels)
    rules.require_no_id_number(title, body)
    now = utcnow()
    return repo.add_notices(session, [_notice_row(person_key, kind, key, c, title, body, None, now) for c in names])


def enqueue_many(session: Session, notices: Sequence[tuple[str, str, str, str, str]],
                 settings: Settings | None = None) -> int:
    """`enqueue` for many (person_key, kind, key, title, body) at once, in one statement per chunk."""
    names = rules.parse_channels((settings or get_settings()).notice_channels)
    now = utcnow()
    rows = []
    for person_key, kind, key, title, body in notices:
        rules.require_no_id_number(title, body)
        rows += [_notice_row(person_key, kind, key, c, title, body, None, now) for c in names]
    return repo.add_notices(session, rows) if rows else 0


def tell_upstream(session: Session, *, subject_key: str, kind: str, key: str, payload: dict[str, Any],
                  settings: Settings | None = None) -> int:
    """Owe the upper-level platform a signed message (setting `upstream_url`; nothing when unset),
    in the caller's transaction; once per (kind, key). Returns the rows added (0 or 1)."""
    if not (settings or get_settings()).upstream_url:
        return 0
    rules.require_no_id_number(json.dumps(payload, ensure_ascii=False))
    row = _notice_row(subject_key, kind, key, "upstream", f"上级平台通报：{kind}", "", payload, utcnow())
    return repo.add_notices(session, [row])


# -- the worker --------------------------------------------------------------------------------

@dataclass
class DeliveryRun:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    undeliverable: int = 0  # final without delivery: no address, channel not configured


def build_channels(factory: sessionmaker[Session], keys: Keys, settings: Settings,
                   signer: Signer | None = None) -> dict[str, Channel]:
    """The adapters of every channel, as the settings configure them."""
    loaded: list[Signer] = [signer] if signer is not None else []

    def platform_signer() -> Signer:
        if not loaded:
            try:
                loaded.append(load_signer(settings))
            except DomainError as err:
                raise ChannelError(err.code) from None
        return loaded[0]

    def contacts(person_key: str) -> Contact:
        with factory() as session:
            return contact_of(session, keys, person_key)

    return {
        "inapp": InApp(factory),
        "file": FileOutbox(settings.data_dir / "notices" / "outbox.jsonl"),
        "sms": Sms(settings.sms_gateway_url, contacts),
        "email": Email(settings.smtp_host, settings.smtp_port, settings.smtp_from, contacts),
        "upstream": Upstream(settings.upstream_url, platform_signer),
    }


def _outgoing(n: Notice) -> Outgoing:
    return Outgoing(n.idempotency_key, n.subject_key, n.kind, n.channel, n.title, n.body, n.payload, n.created_at)


def deliver_due(factory: sessionmaker[Session], keys: Keys, settings: Settings, *, now: datetime | None = None,
                limit: int = DEFAULT_LIMIT, signer: Signer | None = None,
                channels: Mapping[str, Channel] | None = None) -> DeliveryRun:
    """Send up to `limit` due notices. Per notice: claim it under a lease (committed before
    sending), send it with its idempotency key, record the outcome; a failure is retried with
    back-off up to `notice_max_attempts`, then the notice is marked failed."""
    now = now or utcnow()
    lease = timedelta(seconds=settings.notice_lease_seconds)
    adapters = channels if channels is not None else build_channels(factory, keys, settings, signer)
    run = DeliveryRun()
    with factory() as session:
        due = repo.due(session, now, limit)
    for key in due:
        with unit_of_work(factory) as session:
            claimed = repo.claim(session, key, now, now + lease)
            notice = _outgoing(claimed) if claimed is not None else None
            attempts = claimed.attempts if claimed is not None else 0
        if notice is None:
            continue  # another worker has it, or it is done
        if attempts > settings.notice_max_attempts:  # the last attempts died with their worker
            with unit_of_work(factory) as session:
                run.failed += repo.finish(session, key, status=rules.FAILED, last_error="ATTEMPTS_EXHAUSTED")
            continue
        status, error = _send(adapters.get(notice.channel), notice)
        with unit_of_work(factory) as session:
            if status is not None:
                if repo.finish(session, key, status=status, last_error=None,
                               delivered_at=now if status == rules.DELIVERED else None):
                    run.delivered += status == rules.DELIVERED
                    run.undeliverable += status in rules.FINAL_UNDELIVERED
            elif attempts >= settings.notice_max_attempts:
                run.failed += repo.finish(session, key, status=rules.FAILED, last_error=error)
            else:
                run.retried += repo.retry_later(session, key, attempts, now + rules.backoff(attempts), error or "")
    return run


def _send(adapter: Channel | None, notice: Outgoing) -> tuple[str | None, str | None]:
    """(final status, None) or (None, error code)."""
    if adapter is None:
        return None, "CHANNEL_UNKNOWN"
    try:
        return adapter.send(notice), None
    except ChannelError as err:
        return None, err.code
    except Exception as exc:  # one broken notice must not stop the others; logged without data
        log.error("notice channel %s failed: %s", notice.channel, type(exc).__name__)
        return None, type(exc).__name__[:64]


# -- a person's mailbox ------------------------------------------------------------------------

def _person(caller: Caller) -> str:
    if not caller.person_key:
        raise DomainError("AUTH_PERSON_REQUIRED", "此操作需要以本人身份登录", 403)
    return caller.person_key


@dataclass
class InboxPage:
    items: list[InboxMessage]
    next_before: str | None
    unread: int


def inbox(session: Session, caller: Caller, *, limit: int = 20, before: str | None = None) -> InboxPage:
    """The caller's in-app notices, newest first, with the count still unread."""
    person = _person(caller)
    rows = repo.inbox(session, person, before, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return InboxPage(rows, rows[-1].id if more and rows else None, repo.unread(session, person))


def mark_read(session: Session, caller: Caller, message_id: str) -> InboxMessage:
    """Mark one of the caller's notices read; another person's, or none, is not found."""
    row = repo.mark_read(session, _person(caller), message_id[:26], utcnow())
    if row is None:
        raise NotFound("NOTICE_NOT_FOUND", "通知不存在")
    return row


# -- contact details ---------------------------------------------------------------------------

def contact_of(session: Session, keys: Keys, person_key: str) -> Contact:
    """A person's phone and e-mail in the clear (for the channels; never shown unmasked)."""
    row = repo.contact(session, person_key)
    if row is None:
        return Contact()
    return Contact(keys.decrypt(bytes(row.phone_cipher), PHONE_CONTEXT) if row.phone_cipher else None,
                   keys.decrypt(bytes(row.email_cipher), EMAIL_CONTEXT) if row.email_cipher else None)


def set_contact(session: Session, keys: Keys, caller: Caller, *, phone: str | None, email: str | None) -> Contact:
    """Replace the caller's phone and e-mail (empty clears one), validated, stored encrypted."""
    person = _person(caller)
    phone, email = rules.normalise_phone(phone), rules.normalise_email(email)
    repo.save_contact(session, person, keys.encrypt(phone, PHONE_CONTEXT) if phone else None,
                      keys.encrypt(email, EMAIL_CONTEXT) if email else None, utcnow())
    return Contact(phone, email)


def own_contact(session: Session, keys: Keys, caller: Caller) -> tuple[Contact, datetime | None]:
    person = _person(caller)
    row = repo.contact(session, person)
    return contact_of(session, keys, person), row.updated_at if row is not None else None
