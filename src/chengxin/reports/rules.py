"""What a report is: its variants, the scenarios an occupational report serves, its number and check
code, and what it stated about each matter (a stamp), so that verification can tell a report that
still stands from one overtaken by a correction, revocation or repair (R16)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from chengxin.errors import DomainError

VARIANTS: dict[str, str] = {
    "self": "本人版",
    "authorised": "授权查询版",
    "occupational": "职业信用报告",
    "certificate": "无严重失信记录证明",
}
TITLES: dict[str, str] = {
    "self": "个人公共信用信息报告（本人版）",
    "authorised": "个人公共信用信息报告（授权查询版）",
    "occupational": "个人职业信用报告",
    "certificate": "无严重失信记录证明",
}
# What an occupational report is used for, with the words printed on it (the seeds: hiring,
# appointment and 评优评先 should consult a person's credit).
SCENARIOS: dict[str, tuple[str, str]] = {
    "hiring": ("招聘录用", "供用人单位在招聘录用时了解应聘人员与所从事职业相关的信用状况。"),
    "appointment": ("任职选任", "供组织人事部门在干部选任、职务任命、资格评审时了解拟任人员的信用状况。"),
    "award": ("评优评先", "供评选单位在表彰奖励、评优评先时审查候选人员的信用状况。"),
}
CHANNELS: dict[str, str] = {"online": "网上自助", "api": "接口调用", "counter": "窗口办理"}
REQUESTERS: dict[str, str] = {"person": "本人", "organisation": "经授权的第三方机构", "clerk": "窗口工作人员"}
STATUS_LABELS: dict[str, str] = {
    "valid": "有效",
    "superseded": "已有更新",
    "revoked": "已作废",
    "not_found": "查无此报告",
}
STATUS_TEXT: dict[str, str] = {
    "valid": "该报告由本平台出具，报告所载信息至今未被更正、撤销或修复。",
    "superseded": "该报告由本平台出具，但报告所载的部分信息此后已被更正、撤销或修复，请以最新报告为准。",
    "revoked": "该报告已由出具平台作废，不再作为信用证明使用。",
    "not_found": "没有找到与报告编号和校验码相符的报告，请核对后重试。",
}
# End reasons that change what a report said about a matter (a term that simply ran out does not).
CHANGES = ("revoked", "repaired", "court_deleted")

# Numbers: the issuing day and 8 random digits; check codes from an alphabet without look-alikes.
CHECK_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CHECK_LENGTH = 6


def new_number(day_digits: str) -> str:
    """`yyyymmdd` + 8 random digits, e.g. 2026120604817733 (unique in the register)."""
    return day_digits + f"{secrets.randbelow(10**8):08d}"


def new_check_code() -> str:
    return "".join(secrets.choice(CHECK_ALPHABET) for _ in range(CHECK_LENGTH))


def normalise_number(text: str | None) -> str:
    """What a person types or scans: digits only (spaces and dashes dropped)."""
    return "".join(ch for ch in (text or "") if ch.isdigit())[:20]


def normalise_check(text: str | None) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:8]


def same_check(given: str, expected: str) -> bool:
    return hmac.compare_digest(normalise_check(given).encode(), expected.encode())


def stamp(matter_id: str, record_id: str | None, end_reason: str | None) -> list[str]:
    """What a report stated about a matter of its person: which version of its record, and whether it
    had been revoked, repaired or deleted. A later change of either makes the report superseded. The
    person is the register row's key, not written here: a re-key moves it with the matters."""
    reason = end_reason if end_reason in CHANGES else ""
    token = hashlib.sha256(f"{matter_id}|{record_id or ''}|{reason}".encode()).hexdigest()[:16]
    return [matter_id, token]


@dataclass(frozen=True, slots=True)
class Limits:
    per_person_day: int
    per_organisation_day: int
    per_organisation_person_day: int


def over_limit(count: int, limit: int, who: str) -> None:
    if limit > 0 and count >= limit:
        raise DomainError("REPORT_RATE_LIMITED", f"{who}今日出具报告的次数已达上限（{limit} 份），请明日再试", 429)


def require_variant(variant: str) -> str:
    if variant not in VARIANTS:
        raise DomainError("REPORT_VARIANT_UNKNOWN", "未知的报告类型，可选：" + "、".join(
            f"{k}（{v}）" for k, v in VARIANTS.items()), 422)
    return variant


def require_scenario(scenario: str | None) -> str:
    if scenario not in SCENARIOS:
        raise DomainError("REPORT_SCENARIO_UNKNOWN", "职业信用报告须写明使用场景，可选：" + "、".join(
            f"{k}（{v[0]}）" for k, v in SCENARIOS.items()), 422)
    return scenario
