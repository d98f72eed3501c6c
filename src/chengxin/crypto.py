"""Keys, the keyed person hash and encryption of plain identifiers.

The plain ID number is never stored or indexed in the clear: the subject key
is HMAC-SHA256 of the normalised identifier under the platform hash secret,
and the number itself is kept only as AES-GCM ciphertext so that authorised
views can show it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chengxin.errors import DomainError
from chengxin.settings import Settings

KEY_BYTES = 32
NONCE_BYTES = 12
SUBJECT_KEY_HEX = 32  # 128 bits of HMAC-SHA256: collisions are out of reach at 10^10 subjects


@dataclass(frozen=True)
class Keys:
    """The platform secrets. `key_id` prefixes every ciphertext so keys can rotate."""

    hash_secret: bytes
    encryption_key: bytes
    key_id: int = 1

    def subject_key(self, kind: str, normalised: str) -> str:
        """Keyed hash of a normalised identifier, e.g. ("citizen_id", "11010519491231002X")."""
        mac = hmac.new(self.hash_secret, f"{kind}:{normalised}".encode(), hashlib.sha256)
        return mac.hexdigest()[:SUBJECT_KEY_HEX]

    def hasher(self):
        """A closure computing subject keys without re-keying HMAC per call."""
        base = hmac.new(self.hash_secret, digestmod=hashlib.sha256)

        def key(kind: str, normalised: str) -> str:
            mac = base.copy()
            mac.update(f"{kind}:{normalised}".encode())
            return mac.hexdigest()[:SUBJECT_KEY_HEX]

        return key

    @cached_property
    def _aead(self) -> AESGCM:
        # Built once per Keys (a new person is encrypted on every few rows of an import).
        return AESGCM(self.encryption_key)

    def __getstate__(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "_aead"}  # the cipher is rebuilt

    def encrypt(self, plain: str, context: bytes = b"") -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        body = self._aead.encrypt(nonce, plain.encode(), context)
        return bytes([self.key_id]) + nonce + body

    def decrypt(self, blob: bytes, context: bytes = b"") -> str:
        if not blob or blob[0] != self.key_id:
            raise DomainError("CRYPTO_KEY_UNKNOWN", "密文使用了未知的密钥版本", 500)
        nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        return self._aead.decrypt(nonce, body, context).decode()


def _b64(value: str, name: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise DomainError("CONFIG_KEY_INVALID", f"{name} 不是合法的 base64", 500) from exc
    if len(raw) != KEY_BYTES:
        raise DomainError("CONFIG_KEY_INVALID", f"{name} 必须是 32 字节", 500)
    return raw


def create_key_file(path: Path) -> bool:
    """Create a key file readable by its owner only; False if it already exists."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "hash_secret": base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode(),
        "encryption_key": base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode(),
        "key_id": 1,
        # Ed25519 seed of the platform signing key (chengxin.signing); older files get one on first use.
        "signing_key": base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh)
    return True


def load_keys(settings: Settings) -> Keys:
    """Keys from the environment, else from the key file; a clear error if neither."""
    if settings.hash_secret and settings.encryption_key:
        return Keys(_b64(settings.hash_secret, "CHENGXIN_HASH_SECRET"),
                    _b64(settings.encryption_key, "CHENGXIN_ENCRYPTION_KEY"))
    path = settings.resolved_key_file
    if not path.exists():
        raise DomainError(
            "CONFIG_KEYS_MISSING",
            f"未配置密钥：请设置 CHENGXIN_HASH_SECRET 与 CHENGXIN_ENCRYPTION_KEY，"
            f"或运行 chengxin keys init 生成密钥文件 {path}",
            500,
        )
    doc = json.loads(path.read_text())
    return Keys(_b64(doc["hash_secret"], "hash_secret"),
                _b64(doc["encryption_key"], "encryption_key"), int(doc.get("key_id", 1)))
