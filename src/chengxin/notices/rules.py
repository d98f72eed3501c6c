"""Pure rules of notices: channels, statuses, idempotency keys, retry back-off, what a notice
may say and what a contact detail must look like."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import timedelta

from chengxin.errors import DomainError

CHANNELS: dict[str, str] = {
    "inapp": "站内信",
    "sms": "短信",
    "email": "电子邮件",
    "file": "演示文件",
    "upstream": "上级平台",
}
PERSON_CHANNELS = frozenset(CHANNELS) - {"upstream"}  # `upstream` tells platforms, not persons
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
# Final without delivery, and nothing to retry: the person left no phone or e-mail for the channel
# (NO_ADDRESS), or the platform has no SMS gateway, mail server or upstream address (UNCONFIGURED).
NO_ADDRESS, UNCONFIGURED = "no_address", "unconfigured"
STATUSES: dict[str, str] = {
    PENDING: "待投递", DELIVERED: "已送达", FAILED: "投递失败", NO_ADDRESS: "无联系方式", UNCONFIGURED: "渠道未配置",
}
FINAL_UNDELIVERED = frozenset({NO_ADDRESS, UNCONFIGURED})

MAX_KEY = 200
BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_MAX = timedelta(hours=1)


def idempotency_key(kind: str, key: str, channel: str) -> str:
    """What makes a notice one notice, on one channel: enqueuing it again adds nothing, and the
    channel (mailbox, file, gateway, mail server) is told it so it can drop a repeat."""
    return f"{kind}:{key}:{channel}"


def parse_channels(text: str | Iterable[str]) -> list[str]:
    """Channels from a setting ("inapp,file") or a list, in order, without repeats; unknown ones refused."""
    names = [c.strip() for c in (text.split(",") if isinstance(text, str) else text)]
    names = list(dict.fromkeys(c for c in names if c))
    unknown = [c for c in names if c not in PERSON_CHANNELS]
    if unknown:
        raise DomainError("NOTICE_CHANNEL_UNKNOWN",
                          f"不支持的通知渠道：{'、'.join(unknown)}（可用：inapp、sms、email、file）", 500)
    return names


def backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s … capped at an hour (as webhook deliveries retry)."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


# An 18-character citizen ID (17 digits and a digit or X) or an old 15-digit one, standing alone.
_ID_SHAPED = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


def has_id_number(text: str) -> bool:
    """Whether the text holds something shaped like a citizen ID number (checksum or not: a
    mistyped number is still someone's identity)."""
    return bool(_ID_SHAPED.search(text))


def require_no_id_number(*texts: str) -> None:
    """Notices leave the platform (SMS, e-mail, files, other platforms): no plain ID number in them."""
    if any(has_id_number(t) for t in texts):
        raise DomainError("NOTICE_CONTAINS_ID_NUMBER", "通知内容不得包含证件号码", 422)


_PHONE = re.compile(r"1[3-9]\d{9}")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


def normalise_phone(text: str | None) -> str | None:
    """A mainland mobile number (11 digits from 13…19), spaces, dashes and +86 dropped; None for empty."""
    if text is None or not text.strip():
        return None
    digits = re.sub(r"[\s-]", "", text)
    digits = digits.removeprefix("+86").removeprefix("0086")
    if not _PHONE.fullmatch(digits):
        raise DomainError("CONTACT_PHONE_INVALID", "手机号码格式不正确：应为 11 位中国大陆手机号码", 422)
    return digits


def normalise_email(text: str | None) -> str | None:
    """An e-mail address (trimmed, domain in lower case); None for empty."""
    if text is None or not text.strip():
        return None
    address = text.strip()
    if len(address) > 254 or not _EMAIL.fullmatch(address) or len(address.split("@")[0]) > 64:
        raise DomainError("CONTACT_EMAIL_INVALID", "电子邮件地址格式不正确", 422)
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def message_id(idempotency_key: str, sender: str) -> str:
    """The e-mail Message-ID of a notice: the same for every attempt, so that a mail server or
    client that got it already can drop the copy; it says nothing about the notice."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    domain = sender.rpartition("@")[2] or "chengxin.invalid"
    return f"<{digest}.notice@{domain}>"
