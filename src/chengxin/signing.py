"""The platform's Ed25519 signatures: authorisation receipts, signed tree heads of the access log.

One signing key signs; its public half is published (`GET /api/v1/signing-keys`,
`chengxin keys public`) so that anyone can check a signature offline with any
Ed25519 implementation. A key id names a key by its public half
(`ed25519:` + the first 16 hex digits of SHA-256 over the raw 32-byte public key),
so a verifier needs nothing but the published keys. Retired public keys stay
published so that old signatures keep verifying after a rotation.

Where the private key comes from, in order: the setting `CHENGXIN_SIGNING_KEY`
(base64 of the 32-byte Ed25519 seed); else `signing_key` in the platform key
file (`chengxin.crypto.create_key_file` writes one). A key file made before
signatures existed gets one added on first use, under a file lock, so two
processes never pick different keys. `retired_signing_keys` in the key file
lists base64 public keys that still verify but no longer sign.

Each use signs its own kind of message (a receipt is canonical JSON carrying a
`type`, a tree head a binary structure); a signature made for one never reads
as valid for another.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chengxin.crypto import read_key_file
from chengxin.errors import DomainError
from chengxin.settings import Settings

ALGORITHM = "Ed25519"
SEED_BYTES = 32
SIGNATURE_BYTES = 64
KEY_ID_PREFIX = "ed25519:"


def new_seed() -> str:
    """A fresh private key, as the key file and the setting hold it (base64 of 32 bytes)."""
    return base64.b64encode(secrets.token_bytes(SEED_BYTES)).decode()


def raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id_of(public: bytes) -> str:
    """`ed25519:` + 16 hex digits of SHA-256 over the raw public key."""
    return KEY_ID_PREFIX + hashlib.sha256(public).hexdigest()[:16]


def canonical_json(value: Any) -> bytes:
    """The bytes that are signed: keys sorted, no spaces, UTF-8 (RFC 8785 for strings,
    booleans, integers, lists and objects, the only values signed documents hold)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode()


def b64decode(text: Any, size: int | None = None) -> bytes | None:
    """Strict base64, optionally of an exact length; None when it is not."""
    if not isinstance(text, str):
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if size is None or len(raw) == size else None


class PublicKeys:
    """The published verification keys, by key id. What an offline verifier holds."""

    def __init__(self, keys: Iterable[Ed25519PublicKey] = ()) -> None:
        self._keys = {key_id_of(raw_public(k)): k for k in keys}

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def verify(self, key_id: str, message: bytes, signature: bytes) -> bool:
        """True only for a signature by the named, published key over exactly `message`."""
        key = self._keys.get(key_id)
        if key is None or len(signature) != SIGNATURE_BYTES:
            return False
        try:
            key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def to_json(self, active: str | None = None) -> dict[str, Any]:
        """The published document: `{"keys": [{key_id, algorithm, public_key, active}]}`."""
        return {"keys": [
            {"key_id": kid, "algorithm": ALGORITHM,
             "public_key": base64.b64encode(raw_public(k)).decode(), "active": kid == active}
            for kid, k in self._keys.items()
        ]}

    @classmethod
    def from_json(cls, doc: Any) -> PublicKeys:
        """Read a published document; refuses one whose key ids do not match their keys."""
        entries = doc.get("keys") if isinstance(doc, Mapping) else None
        if not isinstance(entries, list):
            raise DomainError("SIGNING_KEYS_INVALID", "公钥文件格式不正确：应为包含 keys 列表的 JSON", 422)
        keys = []
        for entry in entries:
            raw = b64decode(entry.get("public_key"), 32) if isinstance(entry, Mapping) else None
            if raw is None or entry.get("algorithm", ALGORITHM) != ALGORITHM:
                raise DomainError("SIGNING_KEYS_INVALID", "公钥文件中有无法识别的公钥", 422)
            if "key_id" in entry and entry["key_id"] != key_id_of(raw):
                raise DomainError("SIGNING_KEYS_INVALID", "公钥文件中的密钥编号与公钥不符", 422)
            keys.append(Ed25519PublicKey.from_public_bytes(raw))
        return cls(keys)


class Signer:
    """The platform's active signing key, with the retired public keys that still verify."""

    def __init__(self, private: Ed25519PrivateKey, retired: Iterable[Ed25519PublicKey] = ()) -> None:
        self._private = private
        self._public = private.public_key()
        self.key_id = key_id_of(raw_public(self._public))
        self._published = PublicKeys([self._public, *retired])

    @classmethod
    def from_seed(cls, seed: str | bytes, retired: Iterable[str] = ()) -> Signer:
        raw = seed if isinstance(seed, bytes) else b64decode(seed, SEED_BYTES)
        if raw is None or len(raw) != SEED_BYTES:
            raise DomainError("CONFIG_SIGNING_KEY_INVALID", "签名私钥必须是 32 字节的 base64", 500)
        olds = []
        for text in retired:
            pub = b64decode(text, 32)
            if pub is None:
                raise DomainError("CONFIG_SIGNING_KEY_INVALID", "已停用的签名公钥必须是 32 字节的 base64", 500)
            olds.append(Ed25519PublicKey.from_public_bytes(pub))
        return cls(Ed25519PrivateKey.from_private_bytes(raw), olds)

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature over `message` by the active key."""
        return self._private.sign(message)

    def seed(self) -> bytes:
        """The active key's 32-byte seed: the exchange opens batches sealed to this key with it."""
        return self._private.private_bytes_raw()

    def public_key(self) -> bytes:
        """The active key's raw 32-byte public key."""
        return raw_public(self._public)

    def public_keys(self) -> PublicKeys:
        return self._published

    def published(self) -> dict[str, Any]:
        """The document to publish: every key that verifies, the active one marked."""
        return self._published.to_json(active=self.key_id)

    def verify(self, key_id: str, message: bytes, signature: bytes) -> bool:
        return self._published.verify(key_id, message, signature)


def load_signer(settings: Settings) -> Signer:
    """The platform signer from the setting, else from the key file (a key is added to an
    older key file on first use). A clear error when neither is there."""
    if settings.signing_key:
        return Signer.from_seed(settings.signing_key)
    path = settings.resolved_key_file
    if not path.exists():
        raise DomainError(
            "CONFIG_SIGNING_KEY_MISSING",
            f"未配置签名密钥：请设置 CHENGXIN_SIGNING_KEY，或把签名密钥保存在密钥文件 {path.resolve()} 中"
            "（chengxin keys init 生成的密钥文件自带）", 500)
    doc = read_key_file(path)
    if not doc.get("signing_key"):
        doc = _add_signing_key(path)
    return Signer.from_seed(doc["signing_key"], doc.get("retired_signing_keys", ()))


def load_public_keys(settings: Settings) -> PublicKeys:
    """The platform's published keys, read without creating anything (for offline checks on
    the platform host); empty when no signing key is configured yet."""
    if settings.signing_key:
        return Signer.from_seed(settings.signing_key).public_keys()
    path = settings.resolved_key_file
    doc = read_key_file(path) if path.exists() else {}
    if not doc.get("signing_key"):
        return PublicKeys()
    return Signer.from_seed(doc["signing_key"], doc.get("retired_signing_keys", ())).public_keys()


def read_signed_file(file: Path, public_keys: Path | None, settings: Settings) -> tuple[Any, PublicKeys]:
    """A signed JSON document (receipt, proof) to check offline, and the keys to check it with:
    a published key file when given, else the platform's own; FILE_UNREADABLE otherwise."""
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
        keys = (PublicKeys.from_json(json.loads(public_keys.read_text(encoding="utf-8")))
                if public_keys else load_public_keys(settings))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DomainError("FILE_UNREADABLE", "无法读取文件：应为 UTF-8 编码的 JSON") from exc
    return doc, keys


def _add_signing_key(path: Path) -> dict[str, Any]:
    """Add a signing key to an existing key file, once: the file is re-read under an exclusive
    lock, and rewritten whole (owner-only) through a rename, so no reader sees half a file."""
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        doc = read_key_file(path)
        if doc.get("signing_key"):
            return doc  # another process added it while we waited
        doc["signing_key"] = new_seed()
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(out, "w") as fh:
            json.dump(doc, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        return doc
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
