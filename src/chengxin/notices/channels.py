"""Channel adapters: how a notice reaches a person (in-app, SMS, e-mail, the demo file) or an
upper-level platform.

Delivery is at least once: a worker that dies after a channel took a notice and before the
outbox row says so sends it again. Each adapter therefore hands the channel the notice's
idempotency key, and either checks it itself (the mailbox, the file) or lets the receiver drop
the repeat (the SMS gateway and upstream platform by header, mail by Message-ID).

`send` returns a final status (delivered, no_address, unconfigured) or raises `ChannelError`
with a code for a failure worth retrying.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from chengxin.db import unit_of_work
from chengxin.ids import new_id
from chengxin.notices import repository as repo
from chengxin.notices.rules import DELIVERED, NO_ADDRESS, UNCONFIGURED, message_id
from chengxin.signing import Signer, canonical_json
from chengxin.watch.service import Poster, urllib_post

SMTP_TIMEOUT = 10.0
UPSTREAM_TYPE = "chengxin.upstream_notice.v1"  # what the upstream signature is over (never a receipt)
# Test-only: make the file channel die right after appending ("after_append") or half-way
# through a line ("mid_line"), before the outbox row is marked, as a killed worker would.
CRASH_ENV = "CHENGXIN_TEST_NOTICES_CRASH"
CRASH_EXIT = 17


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A claimed notice, as the adapters see it (plain values, no session)."""

    idempotency_key: str
    subject_key: str
    kind: str
    channel: str
    title: str
    body: str
    payload: dict[str, Any] | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None = None
    email: str | None = None


class ChannelError(Exception):
    """A delivery that failed and may succeed later; `code` is stored, never a message with data."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code[:64]


class Channel(Protocol):
    def send(self, notice: Outgoing) -> str: ...


ContactLookup = Callable[[str], Contact]


class InApp:
    """The platform's own mailbox: one row per idempotency key, so a repeat adds nothing."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.factory = factory

    def send(self, notice: Outgoing) -> str:
        with unit_of_work(self.factory) as session:
            repo.add_inbox(session, {
                "subject_key": notice.subject_key, "id": new_id(), "idempotency_key": notice.idempotency_key,
                "kind": notice.kind, "title": notice.title, "body": notice.body, "created_at": notice.created_at,
                "read_at": None})
        return DELIVERED


class FileOutbox:
    """The demo channel: one JSON line per notice in `<data_dir>/notices/outbox.jsonl`.

    Under an exclusive lock it reads the file, returns at once if the key is there, else drops a
    torn last line (a write a crash cut short: never a delivery) and appends, then flushes and
    syncs. Reading the whole file per notice is fine for a demo file, not for production volumes.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, notice: Outgoing) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = _read_all(fd)
            whole, newline, torn = data.rpartition(b"\n")
            if notice.idempotency_key in _keys(whole):
                return DELIVERED
            if torn:
                os.ftruncate(fd, len(whole) + len(newline))
            line = json.dumps({
                "idempotency_key": notice.idempotency_key, "subject_key": notice.subject_key, "kind": notice.kind,
                "title": notice.title, "body": notice.body, "created_at": notice.created_at.isoformat(),
            }, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
            crash = os.environ.get(CRASH_ENV)
            if crash == "mid_line":
                line = line[: len(line) // 2]
            os.write(fd, line)
            os.fsync(fd)
            if crash:
                os._exit(CRASH_EXIT)
        finally:
            os.close(fd)  # also releases the lock
        return DELIVERED


def _read_all(fd: int) -> bytes:
    chunks, offset = [], 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _keys(lines: bytes) -> set[str]:
    found = set()
    for line in lines.split(b"\n"):
        try:
            found.add(json.loads(line)["idempotency_key"])
        except (ValueError, KeyError, TypeError):
            continue  # an empty or foreign line: not a notice of ours
    return found


class Sms:
    """An SMS gateway taking a JSON POST; the idempotency key travels in a header and the body."""

    def __init__(self, url: str | None, contacts: ContactLookup, post: Poster = urllib_post) -> None:
        self.url, self.contacts, self.post = url, contacts, post

    def send(self, notice: Outgoing) -> str:
        if not self.url:
            return UNCONFIGURED
        phone = self.contacts(notice.subject_key).phone
        if not phone:
            return NO_ADDRESS
        body = json.dumps({"to": phone, "text": f"{notice.title}：{notice.body}",
                           "idempotency_key": notice.idempotency_key}, ensure_ascii=False).encode()
        _post(self.post, self.url, body, {"Content-Type": "application/json; charset=utf-8",
                                          "Idempotency-Key": notice.idempotency_key})
        return DELIVERED


class Email:
    """Plain SMTP; the Message-ID, derived from the idempotency key, is the same on every attempt."""

    def __init__(self, host: str | None, port: int, sender: str, contacts: ContactLookup) -> None:
        self.host, self.port, self.sender, self.contacts = host, port, sender, contacts

    def send(self, notice: Outgoing) -> str:
        if not self.host:
            return UNCONFIGURED
        address = self.contacts(notice.subject_key).email
        if not address:
            return NO_ADDRESS
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, address, notice.title
        msg["Message-ID"] = message_id(notice.idempotency_key, self.sender)
        msg["Date"] = format_datetime(notice.created_at)
        msg.set_content(notice.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT) as smtp:
                smtp.send_message(msg)
        except smtplib.SMTPResponseException as exc:
            raise ChannelError(f"SMTP_{exc.smtp_code}") from None
        except smtplib.SMTPRecipientsRefused:
            raise ChannelError("SMTP_RECIPIENT_REFUSED") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"SMTP_{type(exc).__name__.upper()}") from None
        return DELIVERED


class Upstream:
    """Tells an upper-level platform: canonical JSON signed with the platform's Ed25519 key
    (the signature over exactly the bytes sent, in a header), the idempotency key in another."""

    def __init__(self, url: str | None, signer: Callable[[], Signer], post: Poster = urllib_post) -> None:
        self.url, self.signer, self.post = url, signer, post

    def send(self, notice: Outgoing) -> str:
        if not self.url:
            return UNCONFIGURED
        signer = self.signer()
        body = canonical_json(upstream_document(notice))
        _post(self.post, self.url, body, {
            "Content-Type": "application/json; charset=utf-8", "Idempotency-Key": notice.idempotency_key,
            "X-Chengxin-Key-Id": signer.key_id,
            "X-Chengxin-Signature": base64.b64encode(signer.sign(body)).decode()})
        return DELIVERED


def upstream_document(notice: Outgoing) -> dict[str, Any]:
    return {"type": UPSTREAM_TYPE, "idempotency_key": notice.idempotency_key, "kind": notice.kind,
            "subject_key": notice.subject_key, "payload": notice.payload or {},
            "created_at": notice.created_at.isoformat()}


def _post(post: Poster, url: str, body: bytes, headers: dict[str, str]) -> None:
    try:
        status = post(url, body, headers)
    except (OSError, ValueError):
        raise ChannelError("CONNECT_FAILED") from None
    if not 200 <= status < 300:
        raise ChannelError(f"HTTP_{status}")
