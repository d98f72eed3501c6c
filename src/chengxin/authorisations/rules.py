"""Pure rules of authorised queries: purposes, scope, validity, refusals, signed receipts.

A receipt is the canonical JSON of the authorisation (`chengxin.signing.canonical_json`)
signed with the platform's Ed25519 key. Anyone holding the published public keys
can check it offline: rebuild the canonical bytes of `receipt` and verify
`signature.value` with the key named by `signature.key_id`. A valid signature
proves what was granted, not that the grant still holds (it may since have been
revoked or have expired); the platform checks that at every query.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from chengxin.catalog.rules import Catalog
from chengxin.errors import DomainError
from chengxin.signing import ALGORITHM, PublicKeys, Signer, b64decode, canonical_json

RECEIPT_TYPE = "chengxin.authorisation.v1"
FULL_REPORT = "full_report"
FULL_REPORT_LABEL = "完整信用报告"

PURPOSES: dict[str, str] = {
    "loan": "贷款审批",
    "lease": "租赁",
    "recruitment": "招聘",
    "partnership": "合作准入",
    "agent": "代为办理异议、信用修复",
    "other": "其他",
}
AGENT = "agent"  # the purpose under which a third party files objections and repairs for the person
USE_MODES: dict[str, str] = {"single": "单次使用", "repeated": "有效期内可多次使用"}
STATUSES: dict[str, str] = {
    "active": "有效", "not_yet_valid": "尚未生效", "expired": "已过期", "revoked": "已撤销", "used": "已使用",
}

# Every refusal of a query is a 403 with its own code (the access log keeps the code as the result).
REFUSALS: dict[str, str] = {
    "AUTHZ_NOT_FOUND": "没有找到该授权，请核对授权编号",
    "AUTHZ_GRANTEE": "该授权不是授予贵机构的，不能据此查询",
    "AUTHZ_REVOKED": "信息主体已撤销该授权，不能再据此查询",
    "AUTHZ_NOT_YET_VALID": "该授权尚未生效",
    "AUTHZ_EXPIRED": "该授权已过有效期",
    "AUTHZ_PURPOSE": "所述查询目的与授权目的不一致（查询结果只能用于授权的目的）",
    "AUTHZ_SCOPE": "查询范围超出了授权范围",
    "AUTHZ_USED": "该授权为单次授权，已经使用过",
}


class Refused(DomainError):
    """A query refused for want of a valid authorisation (logged before it is raised)."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code, REFUSALS[code], 403, **extra)


class GrantLike(Protocol):
    """What the rules read of an authorisation (the model, or any plain value with these)."""

    id: str
    grantor_key: str
    grantee_uscc: str
    purpose_code: str
    purpose: str
    scope: list[str]
    valid_from: datetime
    valid_until: datetime
    use_mode: str
    issued_at: datetime
    revoked_at: datetime | None
    use_count: int


# --- granting ---------------------------------------------------------------------------------

def whole_seconds(moment: datetime) -> datetime:
    """UTC, to the second: what the receipt states is exactly what the database keeps."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(UTC).replace(microsecond=0)


def same_text(a: str | None, b: str | None) -> bool:
    """Equal up to surrounding and repeated whitespace."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


def normalise_purpose(code: str, text: str | None) -> tuple[str, str]:
    """A known purpose code and its description; "other" needs a description."""
    if code not in PURPOSES:
        raise DomainError("AUTHZ_PURPOSE_UNKNOWN", "未知的查询目的，可选：" + "、".join(
            f"{k}（{v}）" for k, v in PURPOSES.items()), 422)
    described = " ".join((text or "").split())
    if code == "other" and not described:
        raise DomainError("AUTHZ_PURPOSE_TEXT_REQUIRED", "查询目的为“其他”时须写明具体目的", 422)
    return code, described


def normalise_scope(codes: Iterable[str], catalog: Catalog) -> list[str]:
    """Sorted distinct catalog category codes, or just `full_report`."""
    wanted = sorted({c.strip() for c in codes if c and c.strip()})
    if not wanted:
        raise DomainError("AUTHZ_SCOPE_EMPTY", "请至少选择一个信息类别，或选择完整信用报告", 422)
    if FULL_REPORT in wanted:
        if len(wanted) > 1:
            raise DomainError("AUTHZ_SCOPE_INVALID", "选择完整信用报告时不必再列出类别", 422)
        return wanted
    known = {c.code for c in catalog.categories}
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise DomainError("AUTHZ_SCOPE_UNKNOWN", f"目录中没有类别“{unknown[0][:32]}”", 422,
                          known=sorted(known))
    return wanted


def check_validity(valid_from: datetime, valid_until: datetime, *, now: datetime, max_days: int) -> None:
    """The window must start now or later, end after it starts and last at most `max_days`."""
    if valid_from < now - timedelta(minutes=5):  # a little clock skew between client and server
        raise DomainError("AUTHZ_VALIDITY_INVALID", "授权生效时间不能早于当前时间", 422)
    if valid_until <= valid_from:
        raise DomainError("AUTHZ_VALIDITY_INVALID", "授权截止时间必须晚于生效时间", 422)
    if valid_until - valid_from > timedelta(days=max_days):
        raise DomainError("AUTHZ_VALIDITY_TOO_LONG", f"授权有效期最长 {max_days} 天", 422, max_days=max_days)


# --- scope ------------------------------------------------------------------------------------

def categories_of(scope: Iterable[str], catalog: Catalog) -> frozenset[str] | None:
    """The leaf and parent categories a scope covers; None for the full report."""
    codes = list(scope)
    if FULL_REPORT in codes:
        return None
    covered: set[str] = set()
    for code in codes:
        covered |= catalog.category_codes_under(code)
    return frozenset(covered)


def within_scope(requested: Iterable[str], granted: Iterable[str], catalog: Catalog) -> bool:
    """Whether every requested category (or the full report) is covered by the grant."""
    allowed = categories_of(granted, catalog)
    if allowed is None:
        return True
    wanted = categories_of(requested, catalog)
    return wanted is not None and wanted <= allowed


# --- using ------------------------------------------------------------------------------------

def status_of(grant: GrantLike, now: datetime) -> str:
    """active, not_yet_valid, expired, revoked or used (a spent single-use grant)."""
    if grant.revoked_at is not None:
        return "revoked"
    if now < grant.valid_from:
        return "not_yet_valid"
    if now >= grant.valid_until:
        return "expired"
    if grant.use_mode == "single" and grant.use_count > 0:
        return "used"
    return "active"


def refusal(grant: GrantLike, *, now: datetime, grantee: str, purpose_code: str, purpose: str | None,
            scope: Iterable[str], catalog: Catalog) -> str | None:
    """Why a query must be refused, or None. The grantee is checked first, so an organisation
    that was not granted anything learns nothing about the grant's state."""
    if grant.grantee_uscc != grantee:
        return "AUTHZ_GRANTEE"
    state = status_of(grant, now)
    if state == "revoked":
        return "AUTHZ_REVOKED"
    if state == "not_yet_valid":
        return "AUTHZ_NOT_YET_VALID"
    if state == "expired":
        return "AUTHZ_EXPIRED"
    if purpose_code != grant.purpose_code or (grant.purpose_code == "other" and not same_text(purpose, grant.purpose)):
        return "AUTHZ_PURPOSE"
    if not within_scope(scope, grant.scope, catalog):
        return "AUTHZ_SCOPE"
    if state == "used":
        return "AUTHZ_USED"
    return None


def stated_purpose(code: str, text: str | None) -> str:
    """The purpose as the access log keeps it: the label, then what the third party wrote."""
    label = PURPOSES.get(code, "未知目的")
    described = " ".join((text or "").split())
    return (f"{label}：{described}" if described else label)[:200]


# --- receipts ---------------------------------------------------------------------------------

def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def receipt_body(grant: GrantLike) -> dict[str, Any]:
    """What is signed. The grantor is the keyed hash of the person's identifier, never the number."""
    return {
        "type": RECEIPT_TYPE,
        "id": grant.id,
        "grantor": grant.grantor_key,
        "grantee": grant.grantee_uscc,
        "purpose_code": grant.purpose_code,
        "purpose_label": PURPOSES.get(grant.purpose_code, grant.purpose_code),
        "purpose": grant.purpose,
        "scope": sorted(grant.scope),
        "valid_from": timestamp(grant.valid_from),
        "valid_until": timestamp(grant.valid_until),
        "use": grant.use_mode,
        "issued_at": timestamp(grant.issued_at),
    }


@dataclass(frozen=True, slots=True)
class Signature:
    key_id: str
    value: str  # base64 of the 64-byte Ed25519 signature


def sign_receipt(grant: GrantLike, signer: Signer) -> Signature:
    raw = signer.sign(canonical_json(receipt_body(grant)))
    return Signature(signer.key_id, base64.b64encode(raw).decode())


def receipt_document(grant: GrantLike, signature: Signature) -> dict[str, Any]:
    """The receipt as handed to the person (and by them to the third party)."""
    return {"receipt": receipt_body(grant),
            "signature": {"algorithm": ALGORITHM, "key_id": signature.key_id, "value": signature.value}}


@dataclass(frozen=True, slots=True)
class ReceiptCheck:
    valid: bool
    code: str
    message: str
    key_id: str | None = None


_RECEIPT_FIELDS = frozenset({"type", "id", "grantor", "grantee", "purpose_code", "purpose_label", "purpose",
                             "scope", "valid_from", "valid_until", "use", "issued_at"})


def verify_receipt(doc: Any, keys: PublicKeys) -> ReceiptCheck:
    """Check a receipt offline against published public keys. Any change to any field, or to
    the signature, makes it invalid; so does a key the verifier does not hold."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("receipt"), Mapping) \
            or not isinstance(doc.get("signature"), Mapping):
        return ReceiptCheck(False, "RECEIPT_MALFORMED", "回执格式不正确：应包含 receipt 与 signature 两部分")
    body, sig = doc["receipt"], doc["signature"]
    if set(body) != _RECEIPT_FIELDS or body.get("type") != RECEIPT_TYPE:
        return ReceiptCheck(False, "RECEIPT_MALFORMED", "回执内容不完整或不是本平台的授权回执")
    key_id = sig.get("key_id")
    if sig.get("algorithm") != ALGORITHM or not isinstance(key_id, str):
        return ReceiptCheck(False, "RECEIPT_MALFORMED", "回执签名格式不正确（应为 Ed25519）")
    if key_id not in keys:
        return ReceiptCheck(False, "RECEIPT_KEY_UNKNOWN", "签名所用的密钥不在已公布的平台公钥中", key_id[:40])
    raw = b64decode(sig.get("value"), 64)
    try:
        message = canonical_json(body)
    except (TypeError, ValueError):
        return ReceiptCheck(False, "RECEIPT_MALFORMED", "回执内容含有无法规范化的值", key_id)
    if raw is None or not keys.verify(key_id, message, raw):
        return ReceiptCheck(False, "RECEIPT_SIGNATURE_INVALID", "签名无效：回执内容被改动或签名不符", key_id)
    return ReceiptCheck(True, "RECEIPT_VALID",
                        "签名有效：回执由平台签发且内容未被改动（授权是否仍有效以查询时平台的校验为准）", key_id)
