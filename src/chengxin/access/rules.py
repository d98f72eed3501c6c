"""Pure rules of the tamper-evident access log: what a leaf is, what a tree head signs, and the
offline check of an inclusion proof. No database, no clock; fast enough for a million rows.

A leaf is the canonical encoding of one stored entry (keyed hashes and codes only, never
personal data), so deleting a person's data leaves every leaf intact:

    ["cx-access/1", seq, "2026-11-21T02:10:00.123456Z", actor_role, actor_department,
     actor_org, actor_account, subject_key, action, purpose, basis, business_ref, ref_id, result]

as compact JSON in UTF-8 (no spaces, non-ASCII kept, null for an empty field). The proof
carries these bytes, so a verifier hashes them as given and never re-encodes.

A tree head is signed as RFC 6962 §3.5 `TreeHeadSignature`: version v1 (0), signature type
tree_hash (1), uint64 timestamp (milliseconds since the epoch), uint64 tree_size and the
32-byte root, big-endian, 50 bytes: any Certificate Transparency tool reads it, and it can
never be mistaken for another kind of signed document of the platform (those are JSON).
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chengxin.access import merkle

LEAF_VERSION = "cx-access/1"
LEAF_FIELDS = ("seq", "at", "actor_role", "actor_department", "actor_org", "actor_account", "subject_key",
               "action", "purpose", "basis", "business_ref", "ref_id", "result")
PROOF_FORMAT = "chengxin/access-proof/v1"
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def at_text(value: datetime | str) -> str:
    """A stored time in the leaf's form: UTC with microseconds. SQLite gives the text SQLAlchemy
    stores (naive UTC), PostgreSQL an aware datetime."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":
            return f"{value[:10]}T{value[11:]}Z"
        value = datetime.fromisoformat(value)
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def leaf_data(row: Sequence[Any]) -> bytes:
    """The canonical bytes of an entry given as a row in LEAF_FIELDS order."""
    return _encode([LEAF_VERSION, row[0], at_text(row[1]), *row[2:]]).encode()


def leaf_entry(data: bytes) -> dict[str, Any]:
    """The entry fields a leaf encodes (the inverse of `leaf_data`)."""
    values = json.loads(data)
    if not isinstance(values, list) or len(values) != len(LEAF_FIELDS) + 1 or values[0] != LEAF_VERSION:
        raise ValueError("not a leaf of this log")
    return dict(zip(LEAF_FIELDS, values[1:], strict=True))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def head_timestamp(moment: datetime) -> int:
    """Milliseconds since the epoch (RFC 6962 timestamps)."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def head_moment(timestamp_ms: int) -> datetime:
    return _EPOCH + timedelta(milliseconds=timestamp_ms)


def head_message(timestamp_ms: int, tree_size: int, root: bytes) -> bytes:
    """The bytes a tree head signature covers (RFC 6962 §3.5 TreeHeadSignature)."""
    if len(root) != 32:
        raise ValueError("root hash must be 32 bytes")
    return struct.pack(">BBQQ", 0, 1, timestamp_ms, tree_size) + root


# --- offline check of a proof --------------------------------------------------------------


@dataclass
class ProofCheck:
    """The outcome of checking a proof document; `problems` are Chinese sentences."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    key_id: str | None = None
    key_trusted: bool = False  # the key came from the published keys, not from the proof itself
    seq: int | None = None
    tree_size: int | None = None


def _hex(value: Any, size: int) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        return None
    return raw if len(raw) == size else None


def _b64(value: Any, size: int) -> bytes | None:
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == size else None


def check_proof(doc: Any, trusted: Any | None = None) -> ProofCheck:
    """Check an inclusion proof document with nothing but hashing and Ed25519.

    `trusted` is the platform's published keys (`chengxin.signing.PublicKeys`); without it the
    public key inside the proof is used, and the result says the key still has to be compared
    with the published one (`key_trusted` is False).
    """
    from chengxin.signing import PublicKeys, key_id_of

    out = ProofCheck(ok=False)
    if not isinstance(doc, dict) or doc.get("format") != PROOF_FORMAT:
        out.problems.append("不是诚信平台的查询记录证明文件")
        return out
    if doc.get("status") != "sealed":
        out.problems.append("该记录尚未封存（待封存），暂无证明")
        return out
    head = doc.get("tree_head") if isinstance(doc.get("tree_head"), dict) else {}
    data = doc.get("leaf_data")
    leaf = _hex(doc.get("leaf_hash"), 32)
    root = _hex(head.get("root_hash"), 32)
    signature = _b64(head.get("signature"), 64)
    index, size, stamp = doc.get("leaf_index"), head.get("tree_size"), head.get("timestamp")
    path = [_hex(p, 32) for p in doc.get("audit_path", [])] if isinstance(doc.get("audit_path"), list) else [None]
    if (not isinstance(data, str) or leaf is None or root is None or signature is None or None in path
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in (index, size, stamp))):
        out.problems.append("证明文件缺少字段或字段格式不正确")
        return out
    raw = data.encode()
    try:
        entry = leaf_entry(raw)
    except ValueError:
        out.problems.append("叶子数据不是本平台查询记录的规范编码")
        return out
    out.seq, out.tree_size = entry["seq"], size
    if merkle.leaf_hash(raw) != leaf:
        out.problems.append("叶子哈希与叶子数据不符")
    if doc.get("entry") is not None and doc["entry"] != entry:
        out.problems.append("文件中展示的查询记录与叶子数据不一致")
    if doc.get("tree_size", size) != size:
        out.problems.append("证明所用的树大小与签名树头不一致")
    if not merkle.verify_inclusion(leaf, index, size, path, root):  # type: ignore[arg-type]
        out.problems.append("审计路径不能从该叶子推出签名树头的根哈希：记录不在该树中")
    key_id = head.get("key_id")
    out.key_id = key_id if isinstance(key_id, str) else None
    message = head_message(stamp, size, root)
    if trusted is not None:
        out.key_trusted = True
        if not trusted.verify(key_id, message, signature):
            out.problems.append("树头签名无效，或签名密钥不是平台公布的公钥")
    else:
        embedded = doc.get("public_key") if isinstance(doc.get("public_key"), dict) else {}
        public = _b64(embedded.get("public_key"), 32)
        if public is None or key_id_of(public) != key_id:
            out.problems.append("证明文件中没有与树头密钥编号相符的公钥")
        else:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            if not PublicKeys([Ed25519PublicKey.from_public_bytes(public)]).verify(key_id, message, signature):
                out.problems.append("树头签名无效")
    out.ok = not out.problems
    return out


# --- how an entry reads to a person ----------------------------------------------------------

ACTOR_LABELS = {"person": "本人", "operator": "信用办", "auditor": "审计人员", "platform_admin": "平台管理员",
                "anonymous": "匿名访问者"}
# Who an anonymous reader is, by what they did (they verified a document the person showed them).
ANONYMOUS_ACTORS = {"credential_check": "您出示信用凭证的核验方", "report_verify": "您出示信用报告的核验方"}
RESULT_LABELS = {"ok": "已查询", "denied": "被拒绝", "block": "拦截", "review": "从严审核", "green": "绿色通道",
                 "clear": "通过", "not_found": "未查到该人",
                 # a report that was not issued, and why
                 "REPORT_NAME_MISMATCH": "未出具（姓名不符）", "REPORT_CERTIFICATE_UNTRUE": "未出具（证明不属实）",
                 "REPORT_RATE_LIMITED": "未出具（超过次数限制）"}
# What a verifier was told, by what they verified.
VERIFY_RESULTS = {
    "credential_check": {"valid": "凭证有效", "expired": "凭证已过期", "superseded": "凭证所证事实已不成立",
                         "revoked": "凭证已撤销"},
    "report_verify": {"valid": "核验结果：有效", "superseded": "核验结果：已有更新", "revoked": "核验结果：已作废"},
}


def result_label(result: str, action: str = "") -> str:
    """A log entry's result in words; a refused authorised use by its kind, never as a code."""
    told = VERIFY_RESULTS.get(action, {})
    if result in told:
        return told[result]
    if result in RESULT_LABELS:
        return RESULT_LABELS[result]
    if result.startswith("AUTHZ_"):
        return "被拒绝（授权无效或不符）"
    return result


def actor_label(role: str, department: str | None, department_name: str | None, org: str | None,
                org_name: str | None, action: str = "") -> str:
    """Who read, as the person is shown it: the department or organisation by name when known."""
    if role == "anonymous" and action in ANONYMOUS_ACTORS:
        return ANONYMOUS_ACTORS[action]
    if org or role == "third_party":
        return org_name or (f"第三方机构（统一社会信用代码 {org}）" if org else "第三方机构")
    if department:
        return department_name or department
    return ACTOR_LABELS.get(role, role)
