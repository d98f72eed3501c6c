"""Keys, the keyed person hash and encryption of plain identifiers.

The plain ID number is never stored or indexed in the clear: the subject key
is HMAC-SHA256 of the normalised identifier under the platform hash secret,
and the number itself is kept only as AES-GCM ciphertext so that authorised
views can show it.

Both secrets rotate without downtime. Every ciphertext starts with the id of the
key that made it: the current key encrypts, every key still listed decrypts, and
`chengxin keys reencrypt` moves stored ciphertexts to the current key before an
old one is retired. A new hash secret is introduced next to the previous one
(`previous_hash_secret`) while persons are re-keyed (see `chengxin.keyring`).
A process that loaded the key file notices when it changes (checked every few
seconds, and at once when it meets a ciphertext under a key it does not know), so
a running server follows each step of a rotation.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chengxin.errors import DomainError
from chengxin.settings import Settings

KEY_BYTES = 32
NONCE_BYTES = 12
SUBJECT_KEY_HEX = 32  # 128 bits of HMAC-SHA256: collisions are out of reach at 10^10 subjects
MAX_KEY_ID = 255  # one byte in front of every ciphertext
RELOAD_SECONDS = 5.0  # how stale a process's view of the key file may get


@dataclass(frozen=True)
class Keys:
    """The platform secrets. `key_id` prefixes every ciphertext so keys can rotate.

    `encryption_key`/`key_id` is the current key (it encrypts); `old_keys` are earlier
    keys that still decrypt. `previous_hash_secret` is set only while persons are being
    re-keyed from hash version `hash_version - 1`-or-earlier to `hash_version`.
    """

    hash_secret: bytes
    encryption_key: bytes
    key_id: int = 1
    old_keys: tuple[tuple[int, bytes], ...] = ()
    hash_version: int = 1
    previous_hash_secret: bytes | None = None
    reloader: KeyReloader | None = field(default=None, compare=False, repr=False)

    def live(self) -> Keys:
        """The newest key set: this one, or a newer one read from a changed key file."""
        return self if self.reloader is None else self.reloader.current(self)

    def subject_key(self, kind: str, normalised: str) -> str:
        """Keyed hash of a normalised identifier, e.g. ("citizen_id", "11010519491231002X")."""
        secret = self.live().hash_secret
        mac = hmac.new(secret, f"{kind}:{normalised}".encode(), hashlib.sha256)
        return mac.hexdigest()[:SUBJECT_KEY_HEX]

    def previous_subject_key(self, kind: str, normalised: str) -> str | None:
        """The key under the previous hash secret while a re-key is under way, else None."""
        secret = self.live().previous_hash_secret
        if secret is None:
            return None
        return hmac.new(secret, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()[:SUBJECT_KEY_HEX]

    def previous_hasher(self) -> Callable[[str, str], str] | None:
        """Like `hasher`, under the previous hash secret; None when no re-key is under way."""
        secret = self.live().previous_hash_secret
        if secret is None:
            return None
        base = hmac.new(secret, digestmod=hashlib.sha256)

        def key(kind: str, normalised: str) -> str:
            mac = base.copy()
            mac.update(f"{kind}:{normalised}".encode())
            return mac.hexdigest()[:SUBJECT_KEY_HEX]

        return key

    @property
    def rekeying(self) -> bool:
        return self.live().previous_hash_secret is not None

    def hasher(self) -> Callable[[str, str], str]:
        """A closure computing subject keys without re-keying HMAC per call."""
        base = hmac.new(self.live().hash_secret, digestmod=hashlib.sha256)

        def key(kind: str, normalised: str) -> str:
            mac = base.copy()
            mac.update(f"{kind}:{normalised}".encode())
            return mac.hexdigest()[:SUBJECT_KEY_HEX]

        return key

    @property
    def decryption_ids(self) -> list[int]:
        """Ids of every key that decrypts, the current one first."""
        live = self.live()
        return [live.key_id, *(i for i, _ in live.old_keys)]

    @property
    def current_key_id(self) -> int:
        return self.live().key_id

    @cached_property
    def _aeads(self) -> dict[int, AESGCM]:
        # Built once per Keys (a new person is encrypted on every few rows of an import).
        return {self.key_id: AESGCM(self.encryption_key), **{i: AESGCM(k) for i, k in self.old_keys}}

    def __getstate__(self) -> dict[str, object]:
        # Another process gets the newest keys as fixed values (it does not follow the file);
        # the ciphers are rebuilt there.
        return {k: v for k, v in self.live().__dict__.items() if k != "_aeads"} | {"reloader": None}

    def encrypt(self, plain: str, context: bytes = b"") -> bytes:
        live = self.live()
        nonce = os.urandom(NONCE_BYTES)
        body = live._aeads[live.key_id].encrypt(nonce, plain.encode(), context)
        return bytes([live.key_id]) + nonce + body

    def decrypt(self, blob: bytes, context: bytes = b"") -> str:
        if not blob:
            raise DomainError("CRYPTO_KEY_UNKNOWN", "密文使用了未知的密钥版本", 500)
        aead = self.live()._aeads.get(blob[0])
        if aead is None and self.reloader is not None:
            aead = self.reloader.current(self, force=True)._aeads.get(blob[0])  # a rotation we missed
        if aead is None:
            raise DomainError("CRYPTO_KEY_UNKNOWN", "密文使用了未知的密钥版本", 500)
        nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        return aead.decrypt(nonce, body, context).decode()


class KeyReloader:
    """Follows a key file: re-reads it when its stamp changes, at most every RELOAD_SECONDS
    (or at once when forced). Shared by a `Keys` loaded from the file and its copies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = _stamp(path)
        self._checked = time.monotonic()
        self._latest: Keys | None = None
        self._lock = threading.Lock()

    def current(self, base: Keys, force: bool = False) -> Keys:
        if force or time.monotonic() - self._checked >= RELOAD_SECONDS:
            with self._lock:
                self._checked = time.monotonic()
                stamp = _stamp(self.path)
                if stamp is not None and stamp != self._stamp:
                    try:
                        self._latest = keys_from_doc(read_key_file(self.path))
                        self._stamp = stamp
                    except (DomainError, KeyError, ValueError):
                        pass  # a file being replaced or broken: keep the keys we have
        return self._latest or base


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def _b64(value: str, name: str) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError as exc:
        raise DomainError("CONFIG_KEY_INVALID", f"{name} 不是合法的 base64", 500) from exc
    if len(raw) != KEY_BYTES:
        raise DomainError("CONFIG_KEY_INVALID", f"{name} 必须是 32 字节", 500)
    return raw


def new_secret() -> str:
    """32 random bytes, base64: a new encryption key or hash secret."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def create_key_file(path: Path) -> bool:
    """Create a key file readable by its owner only; False if it already exists."""
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    doc = {
        "hash_secret": new_secret(),
        "encryption_key": new_secret(),
        "key_id": 1,
        # Ed25519 seed of the platform signing key (chengxin.signing); older files get one on first use.
        "signing_key": new_secret(),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh)
    return True


def read_key_file(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DomainError("CONFIG_KEY_INVALID", f"无法读取密钥文件 {path}", 500) from exc
    if not isinstance(doc, dict):
        raise DomainError("CONFIG_KEY_INVALID", f"密钥文件 {path} 格式不正确", 500)
    return doc


@contextmanager
def key_file_lock(path: Path) -> Iterator[None]:
    """The key file's exclusive lock (the same lock file `chengxin.signing` takes)."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def write_key_file(path: Path, doc: dict[str, Any]) -> None:
    """Replace the key file whole, owner-only, through a rename (no reader sees half a file).
    Call under `key_file_lock`."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(doc, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def update_key_file(path: Path, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Read, change and rewrite the key file under its lock; returns the new document."""
    if not path.exists():
        raise DomainError("CONFIG_KEYS_MISSING", f"密钥文件不存在：{path}（请先运行 chengxin keys init）", 500)
    with key_file_lock(path):
        doc = read_key_file(path)
        change(doc)
        write_key_file(path, doc)
    return doc


def keys_from_doc(doc: dict[str, Any], reloader: KeyReloader | None = None) -> Keys:
    """Keys from a key-file document (format 1 holds only the current key and secret)."""
    old = tuple(sorted((int(i), _b64(v, f"old_encryption_keys.{i}"))
                       for i, v in (doc.get("old_encryption_keys") or {}).items()))
    previous = doc.get("previous_hash_secret")
    return Keys(_b64(doc["hash_secret"], "hash_secret"), _b64(doc["encryption_key"], "encryption_key"),
                int(doc.get("key_id", 1)), old, int(doc.get("hash_version", 1)),
                _b64(previous, "previous_hash_secret") if previous else None, reloader)


def _env_old_keys(text: str) -> tuple[tuple[int, bytes], ...]:
    pairs = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        kid, sep, value = part.partition(":")
        if not sep or not kid.isdigit():
            raise DomainError("CONFIG_KEY_INVALID",
                              "CHENGXIN_OLD_ENCRYPTION_KEYS 的格式为 编号:base64,编号:base64", 500)
        pairs.append((int(kid), _b64(value, f"CHENGXIN_OLD_ENCRYPTION_KEYS[{kid}]")))
    return tuple(sorted(pairs))


def load_keys(settings: Settings) -> Keys:
    """Keys from the environment, else from the key file; a clear error if neither."""
    if settings.hash_secret and settings.encryption_key:
        previous = settings.previous_hash_secret
        return Keys(_b64(settings.hash_secret, "CHENGXIN_HASH_SECRET"),
                    _b64(settings.encryption_key, "CHENGXIN_ENCRYPTION_KEY"), settings.encryption_key_id,
                    _env_old_keys(settings.old_encryption_keys or ""), settings.hash_version,
                    _b64(previous, "CHENGXIN_PREVIOUS_HASH_SECRET") if previous else None)
    path = settings.resolved_key_file
    if not path.exists():
        raise DomainError(
            "CONFIG_KEYS_MISSING",
            f"未配置密钥：请设置 CHENGXIN_HASH_SECRET 与 CHENGXIN_ENCRYPTION_KEY，"
            f"或运行 chengxin keys init 生成密钥文件 {path.resolve()}",
            500,
        )
    reloader = KeyReloader(path)
    return keys_from_doc(read_key_file(path), reloader)


def without_reloader(keys: Keys) -> Keys:
    """A fixed copy of the newest keys (tools that must not change keys half-way)."""
    return replace(keys.live(), reloader=None)
