"""Watch use cases: subscribe, emit list events, deliver signed webhooks, serve the feed.

Delivery is at least once: a delivery row is written in the same transaction as
the event, and retried with back-off until the receiver answers 2xx. Each event
carries a stable id, so a receiver that sees one twice (a crash between its 2xx
and our bookkeeping) can drop the copy.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chengxin.clock import utcnow
from chengxin.crypto import Keys
from chengxin.db import unit_of_work
from chengxin.errors import DomainError
from chengxin.matters.rules import LIST_LABELS
from chengxin.organisations.models import Organisation, OrganisationRole
from chengxin.watch import repository as repo
from chengxin.watch.models import Delivery, WatchEvent, Webhook

MAX_ATTEMPTS = 20
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_MAX = timedelta(hours=1)
POST_TIMEOUT = 10.0

Poster = Callable[[str, bytes, dict[str, str]], int]


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s … capped at an hour."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def event_json(event: WatchEvent) -> dict[str, Any]:
    return {
        "event_id": str(event.seq), "kind": event.kind, "subject_key": event.subject_key,
        "list_type": event.list_type, "list_label": LIST_LABELS.get(event.list_type),
        "entry_id": event.entry_id, "via_uscc": event.via_uscc, "reason": event.reason,
        "at": event.at.isoformat(),
    }


class Listed(Protocol):
    """A listed matter, as an event names it (a `Matter`, or one being inserted)."""

    subject_key: str
    subject_kind: str
    id: str
    list_type: str | None


def emit(session: Session, entry: Listed, kind: str, reason: str | None, now: datetime) -> int:
    """Events for the listed subject and, for an organisation, the persons who answer for it;
    `entry.id` is the listed matter's id (the list entry's id)."""
    subjects: list[tuple[str, str | None]] = [(entry.subject_key, None)]
    if entry.subject_kind == "organisation":
        rows = session.execute(
            select(OrganisationRole.person_key, Organisation.uscc)
            .join(Organisation, Organisation.uscc == OrganisationRole.uscc)
            .where(Organisation.subject_key == entry.subject_key)).all()
        subjects += [(person, uscc) for person, uscc in dict.fromkeys(rows)]
    made = 0
    for subject, via in subjects:
        event = repo.add_event(session, {
            "subject_key": subject, "kind": kind, "entry_id": entry.id, "list_type": entry.list_type,
            "via_uscc": via, "reason": reason, "at": now})
        if event is None:
            continue
        made += 1
        departments = repo.subscribers(session, subject)
        hooked = repo.webhooks_of(session, departments)
        repo.add_deliveries(session, [
            {"department_code": d, "event_seq": event.seq, "status": "pending", "attempts": 0,
             "next_attempt_at": now, "last_error": None, "delivered_at": None}
            for d in departments if d in hooked])
    return made


def register_webhook(session: Session, keys: Keys, department: str, url: str) -> str:
    """Set the department's webhook; returns a new signing secret (shown once)."""
    if not url.startswith(("https://", "http://")):
        raise DomainError("WEBHOOK_URL_INVALID", "回调地址必须以 http:// 或 https:// 开头", 422)
    secret = secrets.token_urlsafe(32)
    hook = repo.webhook(session, department)
    cipher = keys.encrypt(secret, f"webhook:{department}".encode())
    if hook is None:
        session.add(Webhook(department_code=department, url=url, secret_cipher=cipher, created_at=utcnow()))
    else:
        hook.url, hook.secret_cipher = url, cipher
    session.flush()
    return secret


def urllib_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=POST_TIMEOUT) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


@dataclass
class DeliveryRun:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def deliver_due(factory: sessionmaker[Session], keys: Keys, *, now: datetime | None = None,
                post: Poster = urllib_post, limit: int = 200) -> DeliveryRun:
    """Push due deliveries; each outcome is committed on its own so progress survives a crash."""
    run = DeliveryRun()
    now = now or utcnow()
    with factory() as session:
        due = [(d.department_code, d.event_seq, d.attempts, event_json(e)) for d, e in
               repo.due(session, now, limit)]
        hooks = {d: repo.webhook(session, d) for d in {x[0] for x in due}}
        secrets_by_dept = {d: (h.url, keys.decrypt(h.secret_cipher, f"webhook:{d}".encode()).encode())
                           for d, h in hooks.items() if h is not None}
    for department, seq, attempts, payload in due:
        url, secret = secrets_by_dept.get(department, ("", b""))
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(now.timestamp()))
        headers = {"Content-Type": "application/json", "X-Chengxin-Event-Id": payload["event_id"],
                   "X-Chengxin-Timestamp": timestamp,
                   "X-Chengxin-Signature": f"t={timestamp},v1={sign(secret, timestamp, body)}"}
        error: str | None = None
        try:
            status = post(url, body, headers) if url else 0
            if not 200 <= status < 300:
                error = f"HTTP {status}" if status else "未配置回调地址"
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: 无法连接"
        with unit_of_work(factory) as session:
            delivery = session.get(Delivery, (department, seq))
            if delivery is None or delivery.status != "pending":
                continue
            if error is None:
                repo.mark(session, delivery, status="delivered", attempts=attempts + 1,
                          delivered_at=now, last_error=None)
                run.delivered += 1
            elif attempts + 1 >= MAX_ATTEMPTS:
                repo.mark(session, delivery, status="failed", attempts=attempts + 1, last_error=error)
                run.failed += 1
            else:
                repo.mark(session, delivery, attempts=attempts + 1, last_error=error,
                          next_attempt_at=now + backoff(attempts + 1))
                run.retried += 1
    return run
