"""Pure rules of the exchange between platforms (GB/T 39443: nodes, file and service modes).

A node is a platform: its region code, its name and its Ed25519 key (the platform's signing
key, published at /api/v1/signing-keys and /api/v1/exchange/node). Its neighbours are other
nodes: upstream (city → province → 信用中国) and downstream, each with its public key, its mode
(service: HTTPS; file: batch files carried across a 网闸) and what may be sent to it.

Changes leave as batches: a manifest (sender, receiver, sequence range, counts by kind, the
SHA-256 of the sealed changes), signed by the sender, and the changes themselves, sealed to the
receiver (they hold ID numbers). Sealing needs no second published key: the receiver's Ed25519
public key is mapped to its X25519 form (RFC 7748 §4.1, as libsodium's
crypto_sign_ed25519_pk_to_curve25519 does), an ephemeral X25519 key agreement with it and
HKDF-SHA256 give an AES-256-GCM key, and the signed manifest is the associated data. The same
batch bytes travel over HTTPS (service mode) and as a file (file mode).

The receiver applies each change once (by sender and sequence number) and answers with a signed
receipt: through which sequence number it has applied the sender's feed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chengxin.errors import DomainError
from chengxin.signing import b64decode, canonical_json, key_id_of

BATCH_TYPE = "chengxin.exchange.batch.v1"
RECEIPT_TYPE = "chengxin.exchange.receipt.v1"
QUERY_TYPE = "chengxin.exchange.query.v1"
ANSWER_TYPE = "chengxin.exchange.answer.v1"
RECONCILE_TYPE = "chengxin.exchange.reconciliation.v1"

UP, DOWN = "up", "down"
DIRECTIONS = {UP: "上级平台", DOWN: "下级平台"}
SERVICE, FILE = "service", "file"
MODES = {SERVICE: "服务方式（HTTPS 接口）", FILE: "文件方式（经网闸交换批次文件）"}
DISCLOSURES = ("public", "government", "authorised")

# What travels: a record version (new or corrected), a direct list entry, the end of a matter
# (revoked, repaired, deleted by a court), the end of a record's publicity.
RECORD, LISTING, END, PUBLICITY_END = "record", "listing", "end", "publicity_end"
KINDS = {RECORD: "信用记录（含更正）", LISTING: "名单条目", END: "撤销、修复与删除", PUBLICITY_END: "公示期满"}

_CODE = re.compile(r"^\d{6}$")
# A source or receiver that is not a credit platform (the PBOC credit reference centre, a credit
# agency) has a short code of its own: capital letters and digits.
_OTHER_CODE = re.compile(r"^[0-9A-Z]{2,6}$")

PLATFORM, FINANCIAL, AGENCY = "platform", "financial_database", "credit_agency"
ROLES = {PLATFORM: "信用信息共享平台", FINANCIAL: "金融信用信息基础数据库", AGENCY: "信用服务机构"}
# Sources whose records are a reference for the bodies that apply measures and never the basis of
# a platform measure (R15): kept apart from records, shown as reference, never in checks or lists.
REFERENCE_ONLY = frozenset({FINANCIAL, AGENCY})


def region_code(text: Any, where: str) -> str:
    value = str(text or "").strip()
    if not _CODE.match(value):
        raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}：行政区划代码应为 6 位数字", 500)
    return value


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A configured neighbouring node."""

    code: str
    name: str
    direction: str
    mode: str
    public_key: bytes
    url: str | None = None
    outbox: Path | None = None  # file mode: where batch files for it are written
    inbox: Path | None = None  # file mode: where its batch files and receipts arrive
    disclosure: frozenset[str] = frozenset({"public", "government"})
    categories: frozenset[str] | None = None  # None: every category
    answers: bool = False  # it answers cross-region queries from this platform
    role: str = PLATFORM
    agreement: str | None = None  # the sharing agreement a non-platform receiver is sent under

    @property
    def reference_only(self) -> bool:
        return self.role in REFERENCE_ONLY

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_key)

    def admits(self, disclosure: str, category: str) -> bool:
        """Whether a record of this disclosure level and category may be sent to it."""
        return disclosure in self.disclosure and (self.categories is None or category in self.categories)


@dataclass(frozen=True, slots=True)
class Node:
    """This platform as a node, and its neighbours."""

    code: str
    name: str
    neighbours: tuple[Neighbour, ...] = ()
    by_code: Mapping[str, Neighbour] = field(default_factory=dict, compare=False)

    def neighbour(self, code: str) -> Neighbour | None:
        return self.by_code.get(code)

    def facing(self, direction: str) -> list[Neighbour]:
        return [n for n in self.neighbours if n.direction == direction]


def parse_neighbours(doc: Any, *, code: str, name: str, base: Path) -> Node:
    """The node and its neighbours from the neighbours file (YAML already parsed); every mistake
    refused with where it is."""
    if doc is None:
        doc = {}
    if not isinstance(doc, dict) or not isinstance(doc.get("neighbours", []), list):
        raise DomainError("EXCHANGE_CONFIG_INVALID", "相邻平台配置文件应为含 neighbours 列表的 YAML 文档", 500)
    out: list[Neighbour] = []
    for i, entry in enumerate(doc.get("neighbours") or [], start=1):
        out.append(_neighbour(entry, f"相邻平台配置第 {i} 项", base))
    codes = [n.code for n in out]
    if len(set(codes)) != len(codes):
        raise DomainError("EXCHANGE_CONFIG_INVALID", "相邻平台配置中有重复的行政区划代码", 500)
    if code in codes:
        raise DomainError("EXCHANGE_CONFIG_INVALID", "相邻平台不能是本平台自己", 500)
    return Node(code, name, tuple(out), {n.code: n for n in out})


def _neighbour(entry: Any, where: str, base: Path) -> Neighbour:
    if not isinstance(entry, dict):
        raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}应为键值对", 500)
    role = entry.get("role", PLATFORM)
    if role not in ROLES:
        raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}：role 应为 platform、financial_database 或 "
                          "credit_agency", 500)
    if role == PLATFORM:
        code = region_code(entry.get("code"), where)
    else:
        code = str(entry.get("code") or "").strip()
        if not _OTHER_CODE.match(code):
            raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}：非平台机构的代码应为 2–6 位大写字母或数字", 500)
    agreement = str(entry.get("agreement") or "").strip() or None
    if role == FINANCIAL and agreement is None:
        raise DomainError("EXCHANGE_CONFIG_INVALID",
                          f"{where}：向金融信用信息基础数据库共享须写明共享协议 agreement", 500)
    name = str(entry.get("name") or "").strip()
    if not name:
        raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}：缺少平台名称 name", 500)
    direction = entry.get("direction")
    if direction not in DIRECTIONS:
        raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}：direction 应为 up（上级）或 down（下级）", 500)
    mode = entry.get("mode", SERVICE)
    if mode not in MODES:
        raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}：mode 应为 service 或 file", 500)
    key = b64decode(entry.get("public_key"), 32)
    if key is None:
        raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}：public_key 应为 Ed25519 公钥（32 字节的 base64）", 500)
    url = str(entry["url"]).rstrip("/") if entry.get("url") else None
    if mode == SERVICE and not (url and re.match(r"^https?://", url)):
        raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}：服务方式须配置对方地址 url（https://…）", 500)

    def folder(name: str) -> Path | None:
        value = entry.get(name)
        return None if not value else (base / str(value)).resolve()

    outbox, inbox = folder("outbox"), folder("inbox")
    if mode == FILE and (outbox is None or inbox is None):
        raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}：文件方式须配置发件目录 outbox 与收件目录 inbox", 500)
    disclosure = entry.get("disclosure", ["public", "government"])
    if not isinstance(disclosure, list) or any(d not in DISCLOSURES for d in disclosure):
        raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}：disclosure 应为 public、government、authorised 的列表",
                          500)
    categories = entry.get("categories", "all")
    if categories != "all" and not (isinstance(categories, list) and all(isinstance(c, str) for c in categories)):
        raise DomainError("EXCHANGE_CONFIG_INVALID", f"{where}：categories 应为 all 或目录类别编码的列表", 500)
    return Neighbour(code=code, name=name, direction=direction, mode=mode, public_key=key, url=url, outbox=outbox,
                     inbox=inbox, disclosure=frozenset(disclosure),
                     categories=None if categories == "all" else frozenset(categories),
                     answers=bool(entry.get("answers", False)) and role == PLATFORM, role=role, agreement=agreement)


# --- sealing to a node's published Ed25519 key -------------------------------------------------

_P = 2**255 - 19


def x25519_public_of(ed25519_public: bytes) -> bytes:
    """The X25519 (Montgomery u) form of an Ed25519 public key: u = (1 + y) / (1 − y) mod p."""
    y = int.from_bytes(ed25519_public, "little") & ((1 << 255) - 1)
    if y >= _P or y == 1:
        raise DomainError("EXCHANGE_KEY_INVALID", "对方的公钥无效", 500)
    u = (1 + y) * pow(1 - y, _P - 2, _P) % _P
    return u.to_bytes(32, "little")


def x25519_private_of(ed25519_seed: bytes) -> X25519PrivateKey:
    """The X25519 private key matching x25519_public_of(the seed's public key): the first half of
    SHA-512 over the seed (X25519 clamps it as Ed25519 does)."""
    return X25519PrivateKey.from_private_bytes(hashlib.sha512(ed25519_seed).digest()[:32])


def _box_key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient,
                info=b"chengxin exchange v1").derive(shared)


def seal(plain: bytes, recipient_ed25519: bytes, aad: bytes) -> bytes:
    """Encrypt `plain` so that only the holder of the recipient's key can read it: ephemeral
    X25519 public (32) ‖ nonce (12) ‖ AES-256-GCM ciphertext."""
    recipient = x25519_public_of(recipient_ed25519)
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = _box_key(ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient)), ephemeral_public, recipient)
    nonce = os.urandom(12)
    return ephemeral_public + nonce + AESGCM(key).encrypt(nonce, plain, aad)


def open_sealed(blob: bytes, own_seed: bytes, aad: bytes) -> bytes:
    """The plain bytes of a sealed blob; DomainError when it was not sealed to us or was changed."""
    if len(blob) < 32 + 12 + 16:
        raise DomainError("EXCHANGE_BATCH_TAMPERED", "批次内容不完整或已被改动", 422)
    private = x25519_private_of(own_seed)
    own = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    ephemeral, nonce, body = blob[:32], blob[32:44], blob[44:]
    key = _box_key(private.exchange(X25519PublicKey.from_public_bytes(ephemeral)), ephemeral, own)
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag:
        raise DomainError("EXCHANGE_BATCH_TAMPERED", "批次内容无法解密：不是发给本平台的，或已被改动", 422) from None


# --- batches -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Batch:
    """A verified, opened batch."""

    manifest: dict[str, Any]
    changes: list[dict[str, Any]]

    @property
    def sender(self) -> str:
        return str(self.manifest["sender"]["code"])

    @property
    def first(self) -> int:
        return int(self.manifest["first_seq"])

    @property
    def last(self) -> int:
        return int(self.manifest["last_seq"])


def digest(change: Mapping[str, Any]) -> str:
    """A change's fingerprint (reconciliation compares these): 32 hex digits of SHA-256 over the
    change without the names it shows (a person's or a department's name may be corrected between a
    send and a re-send; the change is the same)."""
    bare = {k: v for k, v in change.items() if k != "digest"}
    for part, names in (("subject", ("name",)), ("origin", ("node_name", "department_name")),
                        ("decided_by", ("name",))):
        value = bare.get(part)
        if isinstance(value, dict):
            bare[part] = {k: v for k, v in value.items() if k not in names}
    return hashlib.sha256(canonical_json(bare)).hexdigest()[:32]


def build_batch(*, sender: tuple[str, str, str], receiver: str, changes: Sequence[dict[str, Any]],
                recipient_key: bytes, sign: Any, created_at: datetime, agreement: str | None = None) -> bytes:
    """The batch bytes: {"manifest", "signature", "sealed"}; `sign` signs bytes with the sender's key."""
    if not changes:
        raise ValueError("an empty batch")
    counts: dict[str, int] = {}
    for c in changes:
        counts[c["kind"]] = counts.get(c["kind"], 0) + 1
    plain = canonical_json(list(changes))
    manifest = {
        "type": BATCH_TYPE, "sender": {"code": sender[0], "name": sender[1], "key_id": sender[2]},
        "receiver": receiver, "first_seq": changes[0]["seq"], "last_seq": changes[-1]["seq"],
        "count": len(changes), "counts": counts, "changes_sha256": hashlib.sha256(plain).hexdigest(),
        "created_at": created_at.isoformat(),
    }
    if agreement:
        manifest["agreement"] = agreement  # the sharing agreement it is sent under
    head = canonical_json(manifest)
    sealed = seal(plain, recipient_key, head)
    return canonical_json({"manifest": manifest, "signature": base64.b64encode(sign(head)).decode(),
                           "sealed": base64.b64encode(sealed).decode()})


def read_manifest(data: bytes) -> tuple[dict[str, Any], bytes, bytes]:
    """The manifest, its signature and the sealed changes of batch bytes, unverified; refused when
    the shape is wrong."""
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DomainError("EXCHANGE_BATCH_MALFORMED", "批次不是有效的 JSON 文档", 422) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("manifest"), dict):
        raise DomainError("EXCHANGE_BATCH_MALFORMED", "批次缺少清单（manifest）", 422)
    manifest = doc["manifest"]
    signature, sealed = b64decode(doc.get("signature"), 64), b64decode(doc.get("sealed"))
    if manifest.get("type") != BATCH_TYPE or signature is None or sealed is None:
        raise DomainError("EXCHANGE_BATCH_MALFORMED", "批次格式不符（类型、签名或内容缺失）", 422)
    try:
        first, last, count = int(manifest["first_seq"]), int(manifest["last_seq"]), int(manifest["count"])
        str(manifest["sender"]["code"]), str(manifest["receiver"])
    except (KeyError, TypeError, ValueError):
        raise DomainError("EXCHANGE_BATCH_MALFORMED", "批次清单缺少发送方、接收方或序号范围", 422) from None
    if first < 1 or last < first or count != last - first + 1:
        raise DomainError("EXCHANGE_BATCH_MALFORMED", "批次清单的序号范围与变更数不一致", 422)
    return manifest, signature, sealed


def open_batch(data: bytes, *, own_code: str, own_seed: bytes, neighbours: Mapping[str, Neighbour]) -> Batch:
    """Verify and open batch bytes: a known sender's signature over the manifest, addressed to
    us, the changes' hash, count and sequence numbers as the manifest says. Any doubt refuses
    the whole batch with a code that says which."""
    manifest, signature, sealed = read_manifest(data)
    sender = str(manifest["sender"]["code"])
    neighbour = neighbours.get(sender)
    if neighbour is None:
        raise DomainError("EXCHANGE_SENDER_UNKNOWN", f"发送方 {sender[:6]} 不是本平台配置的相邻平台", 403)
    head = canonical_json(manifest)
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(neighbour.public_key).verify(signature, head)
    except InvalidSignature:
        raise DomainError("EXCHANGE_SIGNATURE_INVALID", f"批次签名无效：不是{neighbour.name}签发的，或清单已被改动",
                          422) from None
    if str(manifest["receiver"]) != own_code:
        raise DomainError("EXCHANGE_RECEIVER_MISMATCH", f"批次是发给 {str(manifest['receiver'])[:6]} 的，不是本平台",
                          422)
    plain = open_sealed(sealed, own_seed, head)
    if hashlib.sha256(plain).hexdigest() != manifest.get("changes_sha256"):
        raise DomainError("EXCHANGE_BATCH_TAMPERED", "批次内容的摘要与清单不符", 422)
    changes = json.loads(plain)
    seqs = [c.get("seq") if isinstance(c, dict) else None for c in changes]
    if seqs != list(range(int(manifest["first_seq"]), int(manifest["last_seq"]) + 1)):
        raise DomainError("EXCHANGE_BATCH_TAMPERED", "批次中的变更序号与清单不符", 422)
    if any(c.get("kind") not in KINDS for c in changes):
        raise DomainError("EXCHANGE_BATCH_MALFORMED", "批次中有不认识的变更类型", 422)
    return Batch(manifest, changes)


def batch_file_name(sender: str, receiver: str, first: int, last: int) -> str:
    """File mode: names sort by sequence, so a reader takes them in order."""
    return f"{sender}-{receiver}-{first:012d}-{last:012d}.batch.json"


def statement_file_name(sender: str, receiver: str, day: str) -> str:
    """File mode: the receiver's signed account of what it applied from the sender (reconciliation)."""
    return f"{sender}-{receiver}-{day.replace('-', '')}.statement.json"


def receipt_file_name(sender: str, receiver: str, through: int) -> str:
    return f"{sender}-{receiver}-{through:012d}.receipt.json"


# --- receipts ------------------------------------------------------------------------------------

def build_receipt(*, receiver: str, sender: str, applied_through: int, batch: tuple[int, int] | None,
                  rejected: Iterable[tuple[int, str]], at: datetime, key_id: str, sign: Any) -> dict[str, Any]:
    """A signed receipt: the receiver has applied the sender's feed through `applied_through`;
    `rejected` are changes it took but could not apply (kept for reconciliation)."""
    body = {"type": RECEIPT_TYPE, "receiver": receiver, "sender": sender, "applied_through": applied_through,
            "batch": list(batch) if batch else None, "rejected": [list(r) for r in rejected],
            "at": at.isoformat(), "key_id": key_id}
    return {**body, "signature": base64.b64encode(sign(canonical_json(body))).decode()}


def verify_signed(doc: Any, doc_type: str, public_key: bytes) -> dict[str, Any]:
    """A signed document of `doc_type` by `public_key`, without its signature; refused otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(doc, dict) or doc.get("type") != doc_type:
        raise DomainError("EXCHANGE_SIGNED_MALFORMED", "对方的应答格式不符", 502)
    body = {k: v for k, v in doc.items() if k != "signature"}
    signature = b64decode(doc.get("signature"), 64)
    try:
        if signature is None:
            raise InvalidSignature
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, canonical_json(body))
    except InvalidSignature:
        raise DomainError("EXCHANGE_SIGNATURE_INVALID", "对方应答的签名无效", 502) from None
    return body


def sign_document(body: dict[str, Any], sign: Any) -> dict[str, Any]:
    return {**body, "signature": base64.b64encode(sign(canonical_json(body))).decode()}


def local_department(origin_node: str, department: str, own_code: str) -> str:
    """The department code a change's origin department has here: its own code when it is ours,
    else the node's code and the department's (so the file says 凤台县 · 市场监督管理局)."""
    if origin_node == own_code:
        return department
    code = f"{origin_node}.{department}"
    if len(code) > 64 or not department:
        raise DomainError("EXCHANGE_DEPARTMENT_INVALID", "来源部门编码为空或过长（至多 57 个字符）", 422)
    return code


def split_department(code: str) -> tuple[str | None, str]:
    """(origin node, its department code) of a local department code; node None for our own."""
    head, dot, rest = code.partition(".")
    if dot and (_CODE.match(head) or _OTHER_CODE.match(head)):
        return head, rest
    return None, code
