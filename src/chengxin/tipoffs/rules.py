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
# How a tip-off is closed; each is recorded as a case event of the same name and shown to the tipster.
OUTCOMES = {"transferred": "转办", "rejected": "不予受理", "resolved": "办结"}
# The status tag of a closed tip-off, by how it ended.
CLOSED_TAGS = {"transferred": "已转办", "rejected": "不予受理", "resolved": "已办结"}


def step_label(action: str) -> str:
    """A step of the tipster's progress list: the status it reached or the way it ended."""
    return STATUS_LABELS.get(action) or OUTCOMES.get(action) or "受理"


def outcome_text(outcome: str | None, result: str | None, department_name: str | None) -> str | None:
    """What the tipster reads about the end of a tip-off, in one sentence."""
    if outcome == "transferred":
        return f"已转交{department_name or '有关部门'}依法办理" + (f"：{result}" if result else "。")
    if outcome == "rejected":
        return f"不予受理：{result}" if result else "不予受理。"
    return result
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed by people


def new_tracking_number() -> str:
    """JB + 12 characters (about 59 bits): unguessable, easy to copy."""
    return "JB" + "".join(secrets.choice(_ALPHABET) for _ in range(12))


def normalise_tracking(number: str) -> str:
    return "".join((number or "").split()).upper().replace("-", "")


def tracking_hash(number: str) -> str:
    return hashlib.sha256(normalise_tracking(number).encode()).hexdigest()
