"""Pure tip-off rules: categories, statuses, tracking numbers."""

from __future__ import annotations

import hashlib
import secrets

CATEGORIES = {
    "dishonesty": "失信行为线索",
    "wrong_information": "信用信息错误",
    "misuse": "违规查询、滥用信用信息",
    "other": "其他",
}
STATUS_LABELS = {"received": "已受理", "handling": "处理中", "closed": "已办结"}
NEXT = {"received": {"handling", "closed"}, "handling": {"closed"}, "closed": set()}
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by people


def new_tracking_number() -> str:
    """JB + 12 characters (about 59 bits): unguessable, easy to copy."""
    return "JB" + "".join(secrets.choice(_ALPHABET) for _ in range(12))


def normalise_tracking(number: str) -> str:
    return "".join((number or "").split()).upper().replace("-", "")


def tracking_hash(number: str) -> str:
    return hashlib.sha256(normalise_tracking(number).encode()).hexdigest()
